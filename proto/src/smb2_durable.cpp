// Durable handle create contexts (MS-SMB2 2.2.13.2.3, .4, .11, .12; 2.2.14.2.3, .12).
#include "lwsmb/proto/smb2_durable.hpp"

#include <cassert>

#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {

using detail::kBad;

std::vector<std::byte> encode_durable_request() {
  return std::vector<std::byte>(kDurableRequestSize);
}

NtStatus decode_durable_request(std::span<const std::byte> data) {
  return data.size() == kDurableRequestSize ? NtStatus::Success : kBad;
}

std::vector<std::byte> encode_durable_response() {
  return std::vector<std::byte>(kDurableResponseSize);
}

NtStatus decode_durable_response(std::span<const std::byte> data) {
  return data.size() == kDurableResponseSize ? NtStatus::Success : kBad;
}

std::vector<std::byte> encode_durable_reconnect(const FileId& id) {
  std::vector<std::byte> out(kDurableReconnectSize);
  LeWriter w(out);
  detail::write_file_id(w, id);
  assert(w.ok() && w.remaining() == 0);
  return out;
}

Result<FileId> decode_durable_reconnect(std::span<const std::byte> data) {
  if (data.size() != kDurableReconnectSize) return kBad;
  LeReader r(data);
  FileId id;
  detail::read_file_id(r, id);
  if (!r.ok()) return kBad;
  return id;
}

std::vector<std::byte> encode_durable_v2_request(const DurableV2Request& v) {
  std::vector<std::byte> out(kDurableV2RequestSize);
  LeWriter w(out);
  w.write_u32(v.timeout_ms);
  w.write_u32(v.flags);
  w.write_zeros(8);
  detail::write_guid(w, v.create_guid);
  assert(w.ok() && w.remaining() == 0);
  return out;
}

Result<DurableV2Request> decode_durable_v2_request(std::span<const std::byte> data) {
  if (data.size() != kDurableV2RequestSize) return kBad;
  LeReader r(data);
  DurableV2Request v;
  r.read_u32(v.timeout_ms);
  r.read_u32(v.flags);
  r.skip(8);
  detail::read_guid(r, v.create_guid);
  if (!r.ok()) return kBad;
  return v;
}

std::vector<std::byte> encode_durable_v2_response(const DurableV2Response& v) {
  std::vector<std::byte> out(kDurableV2ResponseSize);
  LeWriter w(out);
  w.write_u32(v.timeout_ms);
  w.write_u32(v.flags);
  assert(w.ok() && w.remaining() == 0);
  return out;
}

Result<DurableV2Response> decode_durable_v2_response(std::span<const std::byte> data) {
  if (data.size() != kDurableV2ResponseSize) return kBad;
  LeReader r(data);
  DurableV2Response v;
  r.read_u32(v.timeout_ms);
  r.read_u32(v.flags);
  if (!r.ok()) return kBad;
  return v;
}

std::vector<std::byte> encode_durable_v2_reconnect(const DurableV2Reconnect& v) {
  std::vector<std::byte> out(kDurableV2ReconnectSize);
  LeWriter w(out);
  detail::write_file_id(w, v.file_id);
  detail::write_guid(w, v.create_guid);
  w.write_u32(v.flags);
  assert(w.ok() && w.remaining() == 0);
  return out;
}

Result<DurableV2Reconnect> decode_durable_v2_reconnect(std::span<const std::byte> data) {
  if (data.size() != kDurableV2ReconnectSize) return kBad;
  LeReader r(data);
  DurableV2Reconnect v;
  detail::read_file_id(r, v.file_id);
  detail::read_guid(r, v.create_guid);
  r.read_u32(v.flags);
  if (!r.ok()) return kBad;
  return v;
}

}  // namespace lwsmb::proto::smb2
