// Direct TCP framing (MS-SMB2 2.1), the transform header (2.2.41) and the SMB1 NEGOTIATE
// recogniser for the multi-protocol negotiate (MS-SMB2 3.3.5.3, MS-SMB 2.2.4.52).
#include <cassert>

#include "lwsmb/proto/smb2_header.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

bool has_id(std::span<const std::byte> msg, uint8_t first) {
  return msg.size() >= 4 && msg[0] == std::byte{first} && msg[1] == std::byte{'S'} &&
         msg[2] == std::byte{'M'} && msg[3] == std::byte{'B'};
}

constexpr uint8_t kSmb1CommandNegotiate = 0x72;
constexpr size_t kSmb1HeaderSize = 32;
constexpr uint8_t kSmb1DialectFormat = 0x02;

}  // namespace

bool encode_transport_header(uint32_t length, std::span<std::byte, 4> out) {
  if (length > kTransportMaxLength) return false;
  out[0] = std::byte{0};
  out[1] = static_cast<std::byte>(length >> 16);
  out[2] = static_cast<std::byte>(length >> 8);
  out[3] = static_cast<std::byte>(length);
  return true;
}

Result<uint32_t> decode_transport_header(std::span<const std::byte> in) {
  // MS-SMB2 2.1: a zero byte, then the 24-bit big-endian StreamProtocolLength.
  if (in.size() < kTransportHeaderSize || in[0] != std::byte{0}) return detail::kBad;
  return std::to_integer<uint32_t>(in[1]) << 16 | std::to_integer<uint32_t>(in[2]) << 8 |
         std::to_integer<uint32_t>(in[3]);
}

Result<TransformHeader> decode_transform_header(std::span<const std::byte> in) {
  if (in.size() < kTransformHeaderSize || !has_id(in, 0xFD)) return detail::kBad;
  LeReader r(in.first(kTransformHeaderSize));
  TransformHeader h;
  std::span<const std::byte> s;
  r.skip(4);
  r.read_bytes(16, s);
  std::copy(s.begin(), s.end(), h.signature.begin());
  r.read_bytes(16, s);
  std::copy(s.begin(), s.end(), h.nonce.begin());
  r.read_u32(h.original_message_size);
  r.skip(2);  // Reserved
  r.read_u16(h.flags);
  r.read_u64(h.session_id);
  if (!r.ok()) return detail::kBad;
  return h;
}

void encode_transform_header(const TransformHeader& h, std::span<std::byte> out) {
  assert(out.size() >= kTransformHeaderSize);
  LeWriter w(out.first(kTransformHeaderSize));
  const std::byte id[4] = {std::byte{0xFD}, std::byte{'S'}, std::byte{'M'}, std::byte{'B'}};
  w.write_bytes(id);
  w.write_bytes(h.signature);
  w.write_bytes(h.nonce);
  w.write_u32(h.original_message_size);
  w.write_u16(0);
  w.write_u16(h.flags);
  w.write_u64(h.session_id);
  assert(w.ok());
}

ProtocolKind classify_protocol(std::span<const std::byte> msg) {
  if (has_id(msg, 0xFE)) return ProtocolKind::Smb2;
  if (has_id(msg, 0xFD)) return ProtocolKind::Transform;
  if (has_id(msg, 0xFC)) return ProtocolKind::Compressed;
  if (has_id(msg, 0xFF)) return ProtocolKind::Smb1;
  return ProtocolKind::Unknown;
}

Result<std::vector<std::string>> decode_smb1_negotiate_dialects(std::span<const std::byte> msg) {
  if (msg.size() < kSmb1HeaderSize + 3 || !has_id(msg, 0xFF) ||
      msg[4] != std::byte{kSmb1CommandNegotiate}) {
    return detail::kBad;
  }
  LeReader r(msg);
  r.seek(kSmb1HeaderSize);
  uint8_t word_count = 0;
  uint16_t byte_count = 0;
  std::span<const std::byte> bytes;
  if (!r.read_u8(word_count) || !r.skip(2 * size_t{word_count}) || !r.read_u16(byte_count) ||
      !r.read_bytes(byte_count, bytes)) {
    return detail::kBad;
  }
  // MS-SMB 2.2.4.52.1: Dialects is a run of { BufferFormat 0x02, OEM string, NUL }.
  std::vector<std::string> dialects;
  size_t i = 0;
  while (i < bytes.size()) {
    if (bytes[i] != std::byte{kSmb1DialectFormat}) return detail::kBad;
    ++i;
    std::string name;
    while (i < bytes.size() && bytes[i] != std::byte{0}) {
      name.push_back(static_cast<char>(bytes[i]));
      ++i;
    }
    if (i == bytes.size()) return detail::kBad;  // no terminator
    ++i;
    dialects.push_back(std::move(name));
  }
  if (dialects.empty()) return detail::kBad;
  return dialects;
}

std::vector<std::byte> encode_smb1_negotiate(const std::vector<std::string>& dialects) {
  std::vector<std::byte> out(kSmb1HeaderSize + 3);
  out[0] = std::byte{0xFF};
  out[1] = std::byte{'S'};
  out[2] = std::byte{'M'};
  out[3] = std::byte{'B'};
  out[4] = std::byte{kSmb1CommandNegotiate};
  out[13] = std::byte{0x18};  // Flags: case-insensitive, canonicalized paths
  out[14] = std::byte{0x01};  // Flags2 (low byte): long names
  out[15] = std::byte{0xC8};  // Flags2 (high byte): unicode, NT status, extended security
  size_t count = 0;
  for (const auto& d : dialects) {
    out.push_back(std::byte{kSmb1DialectFormat});
    for (char c : d) out.push_back(static_cast<std::byte>(c));
    out.push_back(std::byte{0});
    count += d.size() + 2;
  }
  // WordCount 0 at 32, ByteCount at 33.
  out[33] = static_cast<std::byte>(count & 0xFF);
  out[34] = static_cast<std::byte>((count >> 8) & 0xFF);
  return out;
}

}  // namespace lwsmb::proto::smb2
