// CLOSE (MS-SMB2 2.2.15, 2.2.16), FLUSH (2.2.17), READ (2.2.19, 2.2.20), WRITE (2.2.21, 2.2.22)
// and LOCK (2.2.26).
#include <algorithm>

#include "lwsmb/proto/smb2_file.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using detail::kBad;
using detail::read_file_id;
using detail::write_file_id;

constexpr uint16_t kCloseRequestSize = 24;
constexpr uint16_t kCloseResponseSize = 60;
constexpr uint16_t kFlushRequestSize = 24;
constexpr uint16_t kReadRequestSize = 49;
constexpr uint16_t kReadResponseSize = 17;
constexpr uint16_t kWriteRequestSize = 49;
constexpr uint16_t kWriteResponseSize = 17;
constexpr uint16_t kLockRequestSize = 48;
constexpr size_t kLockFixedSize = 24;  // StructureSize 48 counts one lock element
constexpr size_t kLockElementSize = 24;

void write_read_response_fixed(LeWriter& w, const ReadResponse& v, uint32_t data_length) {
  w.write_u16(kReadResponseSize);
  w.write_u8(static_cast<uint8_t>(kReadResponseDataOffset));
  w.write_u8(0);
  w.write_u32(data_length);
  w.write_u32(v.data_remaining);
  w.write_u32(v.flags);
}

void write_write_request_fixed(LeWriter& w, const WriteRequest& v, uint32_t data_length,
                               size_t channel_info_offset, size_t channel_info_length) {
  w.write_u16(kWriteRequestSize);
  w.write_u16(static_cast<uint16_t>(kWriteRequestDataOffset));
  w.write_u32(data_length);
  w.write_u64(v.offset);
  write_file_id(w, v.file_id);
  w.write_u32(v.channel);
  w.write_u32(v.remaining_bytes);
  w.write_u16(static_cast<uint16_t>(channel_info_offset));
  w.write_u16(static_cast<uint16_t>(channel_info_length));
  w.write_u32(v.flags);
}

}  // namespace

// ---- CLOSE / FLUSH ------------------------------------------------------------------------------

Result<CloseRequest> decode_close_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kCloseRequestSize, r)) return kBad;
  CloseRequest v;
  r.read_u16(v.flags);
  r.skip(4);
  read_file_id(r, v.file_id);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const CloseRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kCloseRequestSize);
  auto& w = b.w();
  w.write_u16(kCloseRequestSize);
  w.write_u16(v.flags);
  w.write_u32(0);
  write_file_id(w, v.file_id);
  return NtStatus::Success;
}

Result<CloseResponse> decode_close_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kCloseResponseSize, r)) return kBad;
  CloseResponse v;
  r.read_u16(v.flags);
  r.skip(4);
  r.read_i64(v.creation_time);
  r.read_i64(v.last_access_time);
  r.read_i64(v.last_write_time);
  r.read_i64(v.change_time);
  r.read_i64(v.allocation_size);
  r.read_i64(v.end_of_file);
  r.read_u32(v.file_attributes);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const CloseResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kCloseResponseSize);
  auto& w = b.w();
  w.write_u16(kCloseResponseSize);
  w.write_u16(v.flags);
  w.write_u32(0);
  w.write_i64(v.creation_time);
  w.write_i64(v.last_access_time);
  w.write_i64(v.last_write_time);
  w.write_i64(v.change_time);
  w.write_i64(v.allocation_size);
  w.write_i64(v.end_of_file);
  w.write_u32(v.file_attributes);
  return NtStatus::Success;
}

Result<FlushRequest> decode_flush_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kFlushRequestSize, r)) return kBad;
  FlushRequest v;
  r.skip(6);
  read_file_id(r, v.file_id);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const FlushRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kFlushRequestSize);
  auto& w = b.w();
  w.write_u16(kFlushRequestSize);
  w.write_zeros(6);
  write_file_id(w, v.file_id);
  return NtStatus::Success;
}

// ---- READ ---------------------------------------------------------------------------------------

Result<ReadRequest> decode_read_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kReadRequestSize, r)) return kBad;
  ReadRequest v;
  uint16_t ci_offset = 0;
  uint16_t ci_length = 0;
  r.read_u8(v.padding);
  r.read_u8(v.flags);
  r.read_u32(v.length);
  r.read_u64(v.offset);
  read_file_id(r, v.file_id);
  r.read_u32(v.minimum_count);
  r.read_u32(v.channel);
  r.read_u32(v.remaining_bytes);
  r.read_u16(ci_offset);
  r.read_u16(ci_length);
  if (!r.ok() || !detail::slice(msg, ci_offset, ci_length, r.offset(), v.channel_info)) {
    return kBad;
  }
  return v;
}

NtStatus encode_body(const ReadRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kReadRequestSize);
  const size_t ci_offset = v.channel_info.empty() ? 0 : rel0 + fixed;
  if (v.channel_info.size() > UINT16_MAX || ci_offset > UINT16_MAX) return kBad;
  detail::BodyWriter b(out, msg_start,
                       std::max<size_t>(kReadRequestSize, fixed + v.channel_info.size()));
  auto& w = b.w();
  w.write_u16(kReadRequestSize);
  w.write_u8(v.padding);
  w.write_u8(v.flags);
  w.write_u32(v.length);
  w.write_u64(v.offset);
  write_file_id(w, v.file_id);
  w.write_u32(v.minimum_count);
  w.write_u32(v.channel);
  w.write_u32(v.remaining_bytes);
  w.write_u16(static_cast<uint16_t>(ci_offset));
  w.write_u16(static_cast<uint16_t>(v.channel_info.size()));
  w.write_bytes(v.channel_info);  // the one-byte Buffer is left zero when empty
  return NtStatus::Success;
}

Result<ReadResponse> decode_read_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kReadResponseSize, r)) return kBad;
  ReadResponse v;
  uint8_t data_offset = 0;
  uint32_t data_length = 0;
  r.read_u8(data_offset);
  r.skip(1);
  r.read_u32(data_length);
  r.read_u32(v.data_remaining);
  r.read_u32(v.flags);
  if (!r.ok() || !detail::slice(msg, data_offset, data_length, r.offset(), v.data)) return kBad;
  return v;
}

NtStatus encode_body(const ReadResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  // DataOffset is one byte: the body must follow a plain 64-byte header.
  if (out.size() - msg_start != kHeaderSize || v.data.size() > UINT32_MAX) return kBad;
  const size_t fixed = detail::fixed_size(kReadResponseSize);
  detail::BodyWriter b(out, msg_start, std::max<size_t>(kReadResponseSize, fixed + v.data.size()));
  write_read_response_fixed(b.w(), v, static_cast<uint32_t>(v.data.size()));
  b.w().write_bytes(v.data);
  return NtStatus::Success;
}

void encode_read_response_fixed(const ReadResponse& v, uint32_t data_length,
                                std::span<std::byte, 16> out) {
  LeWriter w(out);
  write_read_response_fixed(w, v, data_length);
  assert(w.ok() && w.remaining() == 0);
}

// ---- WRITE --------------------------------------------------------------------------------------

Result<WriteRequest> decode_write_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kWriteRequestSize, r)) return kBad;
  WriteRequest v;
  uint16_t data_offset = 0;
  uint32_t length = 0;
  uint16_t ci_offset = 0;
  uint16_t ci_length = 0;
  r.read_u16(data_offset);
  r.read_u32(length);
  r.read_u64(v.offset);
  read_file_id(r, v.file_id);
  r.read_u32(v.channel);
  r.read_u32(v.remaining_bytes);
  r.read_u16(ci_offset);
  r.read_u16(ci_length);
  r.read_u32(v.flags);
  if (!r.ok() || !detail::slice(msg, data_offset, length, r.offset(), v.data) ||
      !detail::slice(msg, ci_offset, ci_length, r.offset(), v.channel_info) ||
      detail::overlap(v.data, v.channel_info)) {
    return kBad;
  }
  return v;
}

NtStatus encode_body(const WriteRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kWriteRequestSize);
  const size_t ci_offset = v.channel_info.empty() ? 0 : rel0 + fixed + v.data.size();
  // DataOffset is 16 bits and fixed at 0x70: the body must follow a plain 64-byte header.
  if (rel0 != kHeaderSize || v.data.size() > UINT32_MAX || v.channel_info.size() > UINT16_MAX ||
      ci_offset > UINT16_MAX) {
    return kBad;
  }
  detail::BodyWriter b(
      out, msg_start,
      std::max<size_t>(kWriteRequestSize, fixed + v.data.size() + v.channel_info.size()));
  write_write_request_fixed(b.w(), v, static_cast<uint32_t>(v.data.size()), ci_offset,
                            v.channel_info.size());
  b.w().write_bytes(v.data);
  b.w().write_bytes(v.channel_info);
  return NtStatus::Success;
}

void encode_write_request_fixed(const WriteRequest& v, uint32_t data_length,
                                std::span<std::byte, 48> out) {
  LeWriter w(out);
  write_write_request_fixed(w, v, data_length, 0, 0);
  assert(w.ok() && w.remaining() == 0);
}

Result<WriteResponse> decode_write_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kWriteResponseSize, r)) return kBad;
  WriteResponse v;
  r.skip(2);
  r.read_u32(v.count);
  r.read_u32(v.remaining);
  if (!r.ok()) return kBad;  // WriteChannelInfo* are reserved in responses
  return v;
}

NtStatus encode_body(const WriteResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kWriteResponseSize);
  auto& w = b.w();
  w.write_u16(kWriteResponseSize);
  w.write_u16(0);
  w.write_u32(v.count);
  w.write_u32(v.remaining);
  w.write_zeros(4);
  return NtStatus::Success;
}

// ---- LOCK ---------------------------------------------------------------------------------------

Result<LockRequest> decode_lock_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kLockRequestSize, r)) return kBad;
  LockRequest v;
  uint16_t count = 0;
  uint32_t sequence = 0;
  r.read_u16(count);
  r.read_u32(sequence);
  read_file_id(r, v.file_id);
  // 3.3.5.14: LockCount zero is STATUS_INVALID_PARAMETER.
  if (!r.ok() || count == 0 || count > r.remaining() / kLockElementSize) return kBad;
  v.lock_sequence_number = static_cast<uint8_t>(sequence & 0xF);
  v.lock_sequence_index = sequence >> 4;
  v.locks.resize(count);
  for (auto& l : v.locks) {
    r.read_u64(l.offset);
    r.read_u64(l.length);
    r.read_u32(l.flags);
    r.skip(4);
  }
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const LockRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  if (v.locks.empty() || v.locks.size() > UINT16_MAX || v.lock_sequence_number > 0xF ||
      v.lock_sequence_index > 0x0FFFFFFF) {
    return kBad;
  }
  detail::BodyWriter b(out, msg_start, kLockFixedSize + kLockElementSize * v.locks.size());
  auto& w = b.w();
  w.write_u16(kLockRequestSize);
  w.write_u16(static_cast<uint16_t>(v.locks.size()));
  w.write_u32(v.lock_sequence_index << 4 | v.lock_sequence_number);
  write_file_id(w, v.file_id);
  for (const auto& l : v.locks) {
    w.write_u64(l.offset);
    w.write_u64(l.length);
    w.write_u32(l.flags);
    w.write_u32(0);
  }
  assert(w.ok() && w.remaining() == 0);
  return NtStatus::Success;
}

}  // namespace lwsmb::proto::smb2
