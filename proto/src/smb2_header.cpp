// SMB2 header (MS-SMB2 2.2.1), error response (2.2.2) and compound chains (3.3.5.2.7).
#include "lwsmb/proto/smb2_header.hpp"

#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

constexpr std::byte kSmb2Id[4] = {std::byte{0xFE}, std::byte{'S'}, std::byte{'M'}, std::byte{'B'}};

bool has_smb2_id(std::span<const std::byte> msg) {
  return msg.size() >= 4 && msg[0] == kSmb2Id[0] && msg[1] == kSmb2Id[1] && msg[2] == kSmb2Id[2] &&
         msg[3] == kSmb2Id[3];
}

}  // namespace

Result<Header> decode_header(std::span<const std::byte> msg) {
  if (msg.size() < kHeaderSize || !has_smb2_id(msg)) return detail::kBad;
  LeReader r(msg.first(kHeaderSize));
  r.skip(4);
  Header h;
  uint16_t structure_size = 0;
  uint16_t command = 0;
  r.read_u16(structure_size);
  if (structure_size != kHeaderSize) return detail::kBad;
  r.read_u16(h.credit_charge);
  r.read_u32(h.status);
  r.read_u16(command);
  h.command = static_cast<Command>(command);
  r.read_u16(h.credit_request_response);
  r.read_u32(h.flags);
  r.read_u32(h.next_command);
  r.read_u64(h.message_id);
  if (h.flags & header_flag::kAsyncCommand) {  // 2.2.1.1 async form
    r.read_u64(h.async_id);
  } else {  // 2.2.1.2 sync form
    r.read_u32(h.process_id);
    r.read_u32(h.tree_id);
  }
  r.read_u64(h.session_id);
  std::span<const std::byte> sig;
  r.read_bytes(16, sig);
  for (size_t i = 0; i < 16; ++i) h.signature[i] = sig[i];
  if (!r.ok()) return detail::kBad;
  return h;
}

void encode_header(const Header& h, std::span<std::byte> out) {
  assert(out.size() >= kHeaderSize);
  LeWriter w(out.first(kHeaderSize));
  w.write_bytes(kSmb2Id);
  w.write_u16(kHeaderSize);
  w.write_u16(h.credit_charge);
  w.write_u32(h.status);
  w.write_u16(static_cast<uint16_t>(h.command));
  w.write_u16(h.credit_request_response);
  w.write_u32(h.flags);
  w.write_u32(h.next_command);
  w.write_u64(h.message_id);
  if (h.flags & header_flag::kAsyncCommand) {
    w.write_u64(h.async_id);
  } else {
    w.write_u32(h.process_id);
    w.write_u32(h.tree_id);
  }
  w.write_u64(h.session_id);
  w.write_bytes(h.signature);
  assert(w.ok() && w.offset() == kHeaderSize);
}

void append_header(const Header& h, std::vector<std::byte>& out) {
  const size_t old = out.size();
  out.resize(old + kHeaderSize);
  encode_header(h, std::span<std::byte>(out).subspan(old));
}

Result<uint16_t> peek_structure_size(std::span<const std::byte> msg) {
  LeReader r(msg);
  uint16_t ss = 0;
  if (!r.seek(kHeaderSize) || !r.read_u16(ss)) return detail::kBad;
  return ss;
}

// ---- Error response ---------------------------------------------------------------------------

Result<ErrorResponse> decode_error_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, 9, r)) return detail::kBad;
  ErrorResponse v;
  uint32_t byte_count = 0;
  r.read_u8(v.error_context_count);
  r.skip(1);  // Reserved
  r.read_u32(byte_count);
  if (!r.read_bytes(byte_count, v.error_data)) return detail::kBad;
  return v;
}

NtStatus encode_body(const ErrorResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  if (v.error_data.size() > uint64_t{UINT32_MAX}) return detail::kBad;
  // MS-SMB2 2.2.2: ErrorData carries at least one byte even when ByteCount is 0.
  detail::BodyWriter b(out, msg_start, 8 + std::max<size_t>(1, v.error_data.size()));
  auto& w = b.w();
  w.write_u16(9);
  w.write_u8(v.error_context_count);
  w.write_u8(0);
  w.write_u32(static_cast<uint32_t>(v.error_data.size()));
  w.write_bytes(v.error_data);
  return NtStatus::Success;
}

Result<std::vector<ErrorContext>> decode_error_contexts(std::span<const std::byte> error_data,
                                                        uint8_t count) {
  std::vector<ErrorContext> list;
  LeReader r(error_data);
  for (unsigned i = 0; i < count; ++i) {
    // MS-SMB2 2.2.2.1: each context after the first starts 8-byte aligned.
    if (i > 0 && !r.seek(detail::align8(r.offset()))) return detail::kBad;
    uint32_t len = 0;
    ErrorContext c;
    if (!r.read_u32(len) || !r.read_u32(c.error_id) || !r.read_bytes(len, c.data)) {
      return detail::kBad;
    }
    list.push_back(c);
  }
  return list;
}

// ---- Compound chains --------------------------------------------------------------------------

Result<std::vector<std::span<const std::byte>>> split_compound(std::span<const std::byte> buf) {
  std::vector<std::span<const std::byte>> msgs;
  size_t pos = 0;
  for (;;) {
    const auto rest = buf.subspan(pos);
    if (rest.size() < kHeaderSize || !has_smb2_id(rest)) return detail::kBad;
    LeReader r(rest);
    uint32_t next = 0;
    r.seek(kHeaderNextCommandOffset);
    r.read_u32(next);
    if (next == 0) {
      msgs.push_back(rest);
      return msgs;
    }
    // MS-SMB2 3.3.5.2.7: NextCommand is 8-byte aligned and must leave room for a header.
    if (next % 8 != 0 || next < kHeaderSize || next > rest.size()) return detail::kBad;
    msgs.push_back(rest.first(next));
    pos += next;
  }
}

size_t chain_next(std::vector<std::byte>& out, size_t prev_start) {
  assert(out.size() >= prev_start + kHeaderSize);
  out.resize(prev_start + detail::align8(out.size() - prev_start));
  LeWriter w(std::span<std::byte>(out).subspan(prev_start));
  w.put_u32_at(kHeaderNextCommandOffset, static_cast<uint32_t>(out.size() - prev_start));
  return out.size();
}

}  // namespace lwsmb::proto::smb2
