// IOCTL request/response (MS-SMB2 2.2.31, 2.2.32) and the FSCTL_VALIDATE_NEGOTIATE_INFO
// payloads (2.2.31.4, 2.2.32.6).
#include <algorithm>

#include "lwsmb/proto/smb2_file.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using detail::align8;
using detail::kBad;

constexpr uint16_t kIoctlRequestSize = 57;
constexpr uint16_t kIoctlResponseSize = 49;
constexpr size_t kValidateNegotiateFixed = 24;

// Input right after the fixed part, output at the next 8-byte boundary after the input.
struct IoctlLayout {
  size_t in_offset;
  size_t out_offset;
  size_t end;
};
IoctlLayout layout(size_t rel0, size_t fixed, size_t in_len, size_t out_len) {
  IoctlLayout l;
  l.in_offset = rel0 + fixed;
  l.out_offset = out_len == 0 ? l.in_offset + in_len : align8(l.in_offset + in_len);
  l.end = std::max(l.out_offset + out_len, rel0 + fixed + 1);
  return l;
}

}  // namespace

Result<IoctlRequest> decode_ioctl_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kIoctlRequestSize, r)) return kBad;
  IoctlRequest v;
  uint32_t in_offset = 0;
  uint32_t in_count = 0;
  uint32_t out_offset = 0;
  uint32_t out_count = 0;
  r.skip(2);
  r.read_u32(v.ctl_code);
  detail::read_file_id(r, v.file_id);
  r.read_u32(in_offset);
  r.read_u32(in_count);
  r.read_u32(v.max_input_response);
  r.read_u32(out_offset);
  r.read_u32(out_count);
  r.read_u32(v.max_output_response);
  r.read_u32(v.flags);
  r.skip(4);
  if (!r.ok() || !detail::slice(msg, in_offset, in_count, r.offset(), v.input) ||
      !detail::slice(msg, out_offset, out_count, r.offset(), v.output) ||
      detail::overlap(v.input, v.output)) {
    return kBad;
  }
  return v;
}

NtStatus encode_body(const IoctlRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const auto l =
      layout(rel0, detail::fixed_size(kIoctlRequestSize), v.input.size(), v.output.size());
  if (l.end > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start, l.end - rel0);
  auto& w = b.w();
  w.write_u16(kIoctlRequestSize);
  w.write_u16(0);
  w.write_u32(v.ctl_code);
  detail::write_file_id(w, v.file_id);
  w.write_u32(v.input.empty() ? 0 : static_cast<uint32_t>(l.in_offset));
  w.write_u32(static_cast<uint32_t>(v.input.size()));
  w.write_u32(v.max_input_response);
  w.write_u32(v.output.empty() ? 0 : static_cast<uint32_t>(l.out_offset));
  w.write_u32(static_cast<uint32_t>(v.output.size()));
  w.write_u32(v.max_output_response);
  w.write_u32(v.flags);
  w.write_u32(0);
  w.write_bytes(v.input);
  w.write_zeros(l.out_offset - b.rel_now());
  w.write_bytes(v.output);
  assert(w.ok());
  return NtStatus::Success;
}

Result<IoctlResponse> decode_ioctl_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kIoctlResponseSize, r)) return kBad;
  IoctlResponse v;
  uint32_t in_offset = 0;
  uint32_t in_count = 0;
  uint32_t out_offset = 0;
  uint32_t out_count = 0;
  r.skip(2);
  r.read_u32(v.ctl_code);
  detail::read_file_id(r, v.file_id);
  r.read_u32(in_offset);
  r.read_u32(in_count);
  r.read_u32(out_offset);
  r.read_u32(out_count);
  r.read_u32(v.flags);
  r.skip(4);
  if (!r.ok() || !detail::slice(msg, in_offset, in_count, r.offset(), v.input) ||
      !detail::slice(msg, out_offset, out_count, r.offset(), v.output) ||
      detail::overlap(v.input, v.output)) {
    return kBad;
  }
  return v;
}

NtStatus encode_body(const IoctlResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const auto l =
      layout(rel0, detail::fixed_size(kIoctlResponseSize), v.input.size(), v.output.size());
  if (l.end > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start, l.end - rel0);
  auto& w = b.w();
  w.write_u16(kIoctlResponseSize);
  w.write_u16(0);
  w.write_u32(v.ctl_code);
  detail::write_file_id(w, v.file_id);
  // Windows fills both offsets even for empty buffers (2.2.32 examples); harmless either way.
  w.write_u32(static_cast<uint32_t>(l.in_offset));
  w.write_u32(static_cast<uint32_t>(v.input.size()));
  w.write_u32(static_cast<uint32_t>(l.out_offset));
  w.write_u32(static_cast<uint32_t>(v.output.size()));
  w.write_u32(v.flags);
  w.write_u32(0);
  w.write_bytes(v.input);
  w.write_zeros(l.out_offset - b.rel_now());
  w.write_bytes(v.output);
  assert(w.ok());
  return NtStatus::Success;
}

// ---- VALIDATE_NEGOTIATE_INFO --------------------------------------------------------------------

Result<ValidateNegotiateInfoRequest> decode_validate_negotiate_info_request(
    std::span<const std::byte> data) {
  LeReader r(data);
  ValidateNegotiateInfoRequest v;
  uint16_t count = 0;
  r.read_u32(v.capabilities);
  detail::read_guid(r, v.guid);
  r.read_u16(v.security_mode);
  r.read_u16(count);
  if (!r.ok() || count > r.remaining() / 2) return kBad;
  v.dialects.resize(count);
  for (auto& d : v.dialects) r.read_u16(d);
  if (!r.ok()) return kBad;
  return v;
}

Result<ValidateNegotiateInfoResponse> decode_validate_negotiate_info_response(
    std::span<const std::byte> data) {
  LeReader r(data);
  ValidateNegotiateInfoResponse v;
  r.read_u32(v.capabilities);
  detail::read_guid(r, v.guid);
  r.read_u16(v.security_mode);
  r.read_u16(v.dialect);
  if (!r.ok()) return kBad;
  return v;
}

std::vector<std::byte> encode_validate_negotiate_info_request(
    const ValidateNegotiateInfoRequest& v) {
  const size_t count = std::min<size_t>(v.dialects.size(), UINT16_MAX);
  std::vector<std::byte> out(kValidateNegotiateFixed + 2 * count);
  LeWriter w(out);
  w.write_u32(v.capabilities);
  detail::write_guid(w, v.guid);
  w.write_u16(v.security_mode);
  w.write_u16(static_cast<uint16_t>(count));
  for (size_t i = 0; i < count; ++i) w.write_u16(v.dialects[i]);
  return out;
}

std::vector<std::byte> encode_validate_negotiate_info_response(
    const ValidateNegotiateInfoResponse& v) {
  std::vector<std::byte> out(kValidateNegotiateFixed);
  LeWriter w(out);
  w.write_u32(v.capabilities);
  detail::write_guid(w, v.guid);
  w.write_u16(v.security_mode);
  w.write_u16(v.dialect);
  return out;
}

}  // namespace lwsmb::proto::smb2
