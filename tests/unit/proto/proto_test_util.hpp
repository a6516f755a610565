// Helpers for the proto codec tests: little-endian peeks into byte buffers, seeded garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <random>
#include <span>
#include <vector>

#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb {
// Readable NTSTATUS in gtest failure messages (found by ADL).
inline void PrintTo(NtStatus s, std::ostream* os) {
  *os << "0x" << std::hex << static_cast<uint32_t>(s) << std::dec;
}
}  // namespace lwsmb

namespace lwsmb::test {

using Bytes = std::vector<std::byte>;

inline constexpr std::byte kFill{0xAA};

inline uint64_t le_at(std::span<const std::byte> b, size_t off, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= std::to_integer<uint64_t>(b[off + i]) << (8 * i);
  return v;
}
inline uint8_t le8(std::span<const std::byte> b, size_t off) {
  return static_cast<uint8_t>(le_at(b, off, 1));
}
inline uint16_t le16(std::span<const std::byte> b, size_t off) {
  return static_cast<uint16_t>(le_at(b, off, 2));
}
inline uint32_t le32(std::span<const std::byte> b, size_t off) {
  return static_cast<uint32_t>(le_at(b, off, 4));
}
inline uint64_t le64(std::span<const std::byte> b, size_t off) {
  return le_at(b, off, 8);
}

inline void put_le(std::span<std::byte> b, size_t off, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) b[off + i] = static_cast<std::byte>(v >> (8 * i));
}
inline void put32(std::span<std::byte> b, size_t off, uint32_t v) {
  put_le(b, off, v, 4);
}

inline bool all_fill(std::span<const std::byte> b) {
  for (auto x : b)
    if (x != kFill) return false;
  return true;
}

inline Bytes random_bytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  std::uniform_int_distribution<int> d(0, 255);
  for (auto& x : b) x = static_cast<std::byte>(d(rng));
  return b;
}

}  // namespace lwsmb::test
