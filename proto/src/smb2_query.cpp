// QUERY_DIRECTORY (MS-SMB2 2.2.33, 2.2.34), CHANGE_NOTIFY (2.2.35, 2.2.36), QUERY_INFO (2.2.37,
// 2.2.38), SET_INFO (2.2.39, 2.2.40) and FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1).
#include <algorithm>

#include "lwsmb/proto/smb2_query.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using detail::kBad;

constexpr uint16_t kQueryDirectoryRequestSize = 33;
constexpr uint16_t kOutputBufferResponseSize = 9;
constexpr uint16_t kChangeNotifyRequestSize = 32;
constexpr uint16_t kQueryInfoRequestSize = 41;
constexpr uint16_t kSetInfoRequestSize = 33;
constexpr uint16_t kSetInfoResponseSize = 2;
constexpr size_t kNotifyEntryFixed = 12;

size_t align4(size_t x) {
  return (x + 3) & ~size_t{3};
}

}  // namespace

// ---- QUERY_DIRECTORY ----------------------------------------------------------------------------

Result<QueryDirectoryRequest> decode_query_directory_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kQueryDirectoryRequestSize, r)) return kBad;
  QueryDirectoryRequest v;
  uint16_t name_offset = 0;
  uint16_t name_length = 0;
  r.read_u8(v.file_information_class);
  r.read_u8(v.flags);
  r.read_u32(v.file_index);
  detail::read_file_id(r, v.file_id);
  r.read_u16(name_offset);
  r.read_u16(name_length);
  r.read_u32(v.output_buffer_length);
  std::span<const std::byte> name;
  if (!r.ok() || !detail::slice(msg, name_offset, name_length, r.offset(), name)) return kBad;
  LeReader n(name);
  if (!n.read_utf16(name.size(), v.file_name)) return kBad;
  return v;
}

NtStatus encode_body(const QueryDirectoryRequest& v, std::vector<std::byte>& out,
                     size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kQueryDirectoryRequestSize);
  const size_t name_length = 2 * v.file_name.size();
  if (name_length > UINT16_MAX || rel0 + fixed > UINT16_MAX) return kBad;
  detail::BodyWriter b(out, msg_start,
                       std::max<size_t>(kQueryDirectoryRequestSize, fixed + name_length));
  auto& w = b.w();
  w.write_u16(kQueryDirectoryRequestSize);
  w.write_u8(v.file_information_class);
  w.write_u8(v.flags);
  w.write_u32(v.file_index);
  detail::write_file_id(w, v.file_id);
  w.write_u16(static_cast<uint16_t>(rel0 + fixed));
  w.write_u16(static_cast<uint16_t>(name_length));
  w.write_u32(v.output_buffer_length);
  w.write_utf16(v.file_name);
  return NtStatus::Success;
}

// ---- Shared output-buffer response (2.2.34, 2.2.36, 2.2.38) -------------------------------------

Result<OutputBufferResponse> decode_output_buffer_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kOutputBufferResponseSize, r)) return kBad;
  OutputBufferResponse v;
  uint16_t offset = 0;
  uint32_t length = 0;
  r.read_u16(offset);
  r.read_u32(length);
  if (!r.ok() || !detail::slice(msg, offset, length, r.offset(), v.output)) return kBad;
  return v;
}

NtStatus encode_body(const OutputBufferResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kOutputBufferResponseSize);
  if (rel0 + fixed > UINT16_MAX || v.output.size() > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start,
                       std::max<size_t>(kOutputBufferResponseSize, fixed + v.output.size()));
  auto& w = b.w();
  w.write_u16(kOutputBufferResponseSize);
  w.write_u16(static_cast<uint16_t>(rel0 + fixed));
  w.write_u32(static_cast<uint32_t>(v.output.size()));
  w.write_bytes(v.output);
  return NtStatus::Success;
}

void encode_output_buffer_response_fixed(uint32_t output_length, std::span<std::byte, 8> out) {
  LeWriter w(out);
  w.write_u16(kOutputBufferResponseSize);
  w.write_u16(static_cast<uint16_t>(kOutputBufferDataOffset));
  w.write_u32(output_length);
}

// ---- CHANGE_NOTIFY ------------------------------------------------------------------------------

Result<ChangeNotifyRequest> decode_change_notify_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kChangeNotifyRequestSize, r)) return kBad;
  ChangeNotifyRequest v;
  r.read_u16(v.flags);
  r.read_u32(v.output_buffer_length);
  detail::read_file_id(r, v.file_id);
  r.read_u32(v.completion_filter);
  r.skip(4);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const ChangeNotifyRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kChangeNotifyRequestSize);
  auto& w = b.w();
  w.write_u16(kChangeNotifyRequestSize);
  w.write_u16(v.flags);
  w.write_u32(v.output_buffer_length);
  detail::write_file_id(w, v.file_id);
  w.write_u32(v.completion_filter);
  w.write_u32(0);
  return NtStatus::Success;
}

std::vector<std::byte> encode_file_notify_information(
    const std::vector<FileNotifyInformation>& list) {
  size_t size = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const size_t entry = kNotifyEntryFixed + 2 * list[i].file_name.size();
    size += i + 1 < list.size() ? align4(entry) : entry;
  }
  std::vector<std::byte> out(size);
  LeWriter w(out);
  for (size_t i = 0; i < list.size(); ++i) {
    const size_t start = w.offset();
    const size_t entry = kNotifyEntryFixed + 2 * list[i].file_name.size();
    const bool last = i + 1 == list.size();
    w.write_u32(last ? 0 : static_cast<uint32_t>(align4(entry)));
    w.write_u32(list[i].action);
    w.write_u32(static_cast<uint32_t>(2 * list[i].file_name.size()));
    w.write_utf16(list[i].file_name);
    if (!last) w.write_zeros(start + align4(entry) - w.offset());
  }
  assert(w.ok() && w.remaining() == 0);
  return out;
}

Result<std::vector<FileNotifyInformation>> decode_file_notify_information(
    std::span<const std::byte> buf) {
  std::vector<FileNotifyInformation> list;
  size_t pos = 0;
  for (;;) {
    const auto rest = buf.subspan(pos);
    LeReader r(rest);
    uint32_t next = 0;
    uint32_t name_length = 0;
    FileNotifyInformation e;
    r.read_u32(next);
    r.read_u32(e.action);
    r.read_u32(name_length);
    if (!r.ok()) return kBad;
    // MS-FSCC 2.7.1: entries are 4-byte aligned; the name lies inside its own entry.
    if (next != 0 && (next % 4 != 0 || next < kNotifyEntryFixed || next > rest.size())) {
      return kBad;
    }
    const size_t entry_end = next != 0 ? next : rest.size();
    if (name_length > entry_end - kNotifyEntryFixed || !r.read_utf16(name_length, e.file_name)) {
      return kBad;
    }
    list.push_back(std::move(e));
    if (next == 0) return list;
    pos += next;
  }
}

// ---- QUERY_INFO / SET_INFO ----------------------------------------------------------------------

Result<QueryInfoRequest> decode_query_info_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kQueryInfoRequestSize, r)) return kBad;
  QueryInfoRequest v;
  uint16_t in_offset = 0;
  uint32_t in_length = 0;
  r.read_u8(v.info_type);
  r.read_u8(v.file_info_class);
  r.read_u32(v.output_buffer_length);
  r.read_u16(in_offset);
  r.skip(2);
  r.read_u32(in_length);
  r.read_u32(v.additional_information);
  r.read_u32(v.flags);
  detail::read_file_id(r, v.file_id);
  if (!r.ok() || !detail::slice(msg, in_offset, in_length, r.offset(), v.input)) return kBad;
  return v;
}

NtStatus encode_body(const QueryInfoRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kQueryInfoRequestSize);
  if (rel0 + fixed > UINT16_MAX || v.input.size() > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start,
                       std::max<size_t>(kQueryInfoRequestSize, fixed + v.input.size()));
  auto& w = b.w();
  w.write_u16(kQueryInfoRequestSize);
  w.write_u8(v.info_type);
  w.write_u8(v.file_info_class);
  w.write_u32(v.output_buffer_length);
  w.write_u16(v.input.empty() ? 0 : static_cast<uint16_t>(rel0 + fixed));
  w.write_u16(0);
  w.write_u32(static_cast<uint32_t>(v.input.size()));
  w.write_u32(v.additional_information);
  w.write_u32(v.flags);
  detail::write_file_id(w, v.file_id);
  w.write_bytes(v.input);
  return NtStatus::Success;
}

Result<SetInfoRequest> decode_set_info_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kSetInfoRequestSize, r)) return kBad;
  SetInfoRequest v;
  uint32_t length = 0;
  uint16_t offset = 0;
  r.read_u8(v.info_type);
  r.read_u8(v.file_info_class);
  r.read_u32(length);
  r.read_u16(offset);
  r.skip(2);
  r.read_u32(v.additional_information);
  detail::read_file_id(r, v.file_id);
  if (!r.ok() || !detail::slice(msg, offset, length, r.offset(), v.buffer)) return kBad;
  return v;
}

NtStatus encode_body(const SetInfoRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kSetInfoRequestSize);
  if (rel0 + fixed > UINT16_MAX || v.buffer.size() > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start,
                       std::max<size_t>(kSetInfoRequestSize, fixed + v.buffer.size()));
  auto& w = b.w();
  w.write_u16(kSetInfoRequestSize);
  w.write_u8(v.info_type);
  w.write_u8(v.file_info_class);
  w.write_u32(static_cast<uint32_t>(v.buffer.size()));
  w.write_u16(static_cast<uint16_t>(rel0 + fixed));
  w.write_u16(0);
  w.write_u32(v.additional_information);
  detail::write_file_id(w, v.file_id);
  w.write_bytes(v.buffer);
  return NtStatus::Success;
}

Result<SetInfoResponse> decode_set_info_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kSetInfoResponseSize, r)) return kBad;
  return SetInfoResponse{};
}

NtStatus encode_body(const SetInfoResponse&, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kSetInfoResponseSize);
  b.w().write_u16(kSetInfoResponseSize);
  return NtStatus::Success;
}

}  // namespace lwsmb::proto::smb2
