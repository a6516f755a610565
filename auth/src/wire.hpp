// Minimal bounds-checked little-endian helpers for the auth wire formats (NTLMSSP, SMB2 header
// fields). Readers return false instead of reading past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lwsmb::auth::wire {

using Bytes = std::vector<std::byte>;
using ByteSpan = std::span<const std::byte>;

inline bool get_u16(ByteSpan s, size_t off, uint16_t& out) {
  if (off > s.size() || s.size() - off < 2) return false;
  out = static_cast<uint16_t>(std::to_integer<uint16_t>(s[off]) |
                              (std::to_integer<uint16_t>(s[off + 1]) << 8));
  return true;
}

inline bool get_u32(ByteSpan s, size_t off, uint32_t& out) {
  if (off > s.size() || s.size() - off < 4) return false;
  out = 0;
  for (size_t i = 0; i < 4; ++i) out |= std::to_integer<uint32_t>(s[off + i]) << (8 * i);
  return true;
}

inline bool get_u64(ByteSpan s, size_t off, uint64_t& out) {
  if (off > s.size() || s.size() - off < 8) return false;
  out = 0;
  for (size_t i = 0; i < 8; ++i) out |= std::to_integer<uint64_t>(s[off + i]) << (8 * i);
  return true;
}

// The sub-span [off, off + len) or nullopt when it does not fit (overflow-safe).
inline std::optional<ByteSpan> slice(ByteSpan s, size_t off, size_t len) {
  if (off > s.size() || len > s.size() - off) return std::nullopt;
  return s.subspan(off, len);
}

inline void put_u8(Bytes& b, uint8_t v) {
  b.push_back(static_cast<std::byte>(v));
}
inline void put_u16(Bytes& b, uint16_t v) {
  for (int i = 0; i < 2; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
}
inline void put_u32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
}
inline void put_u64(Bytes& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
}
inline void put_bytes(Bytes& b, ByteSpan s) {
  b.insert(b.end(), s.begin(), s.end());
}
inline void set_u16(Bytes& b, size_t off, uint16_t v) {
  for (size_t i = 0; i < 2; ++i) b.at(off + i) = static_cast<std::byte>(v >> (8 * i));
}
inline void set_u32(Bytes& b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b.at(off + i) = static_cast<std::byte>(v >> (8 * i));
}

inline Bytes utf16le(std::u16string_view s) {
  Bytes out;
  out.reserve(s.size() * 2);
  for (char16_t c : s) put_u16(out, static_cast<uint16_t>(c));
  return out;
}

// UTF-16LE bytes to a u16string; an odd byte count gives nullopt.
inline std::optional<std::u16string> from_utf16le(ByteSpan s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::u16string out(s.size() / 2, u'\0');
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char16_t>(std::to_integer<uint16_t>(s[2 * i]) |
                                   (std::to_integer<uint16_t>(s[2 * i + 1]) << 8));
  }
  return out;
}

inline ByteSpan as_span(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace lwsmb::auth::wire
