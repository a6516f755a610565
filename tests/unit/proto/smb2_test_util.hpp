// Helpers for the SMB2 codec tests: whole messages from a body, truncation sweeps.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/proto/smb2.hpp"
#include "proto_test_util.hpp"

namespace lwsmb::proto::smb2::test {

using lwsmb::test::Bytes;
using lwsmb::test::le16;
using lwsmb::test::le32;
using lwsmb::test::le64;
using lwsmb::test::le8;
using lwsmb::test::put32;
using lwsmb::test::put_le;

inline std::span<const std::byte> view(const Bytes& b) {
  return b;
}

inline Bytes bytes_of(std::string_view s) {
  Bytes b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}

inline Bytes pattern(size_t n, uint8_t seed = 1) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>(seed + i * 7);
  return b;
}

inline Guid guid(uint8_t seed) {
  Guid g;
  for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<std::byte>(seed + i);
  return g;
}

// A 64-byte header + body message; the encoder must succeed.
template <class Body>
Bytes message(const Body& body, Command cmd = Command::Negotiate, uint32_t flags = 0) {
  Header h;
  h.command = cmd;
  h.flags = flags;
  h.message_id = 7;
  Bytes out;
  EXPECT_EQ(append_message(h, body, out), NtStatus::Success);
  return out;
}

// Every prefix shorter than `upto` (default: the whole message) must fail with
// STATUS_INVALID_PARAMETER; the whole message must decode.
template <class Decode>
void expect_truncations_fail(const Bytes& full, Decode decode, size_t upto = SIZE_MAX) {
  upto = std::min(upto, full.size());
  ASSERT_TRUE(decode(view(full)).ok());
  for (size_t n = 0; n < upto; ++n) {
    auto r = decode(view(full).first(n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    if (!r.ok()) {
      EXPECT_EQ(r.status(), NtStatus::InvalidParameter) << n;
    }
  }
}

// Changing the StructureSize (at offset 64) to anything else must fail.
template <class Decode>
void expect_wrong_structure_size_fails(Bytes msg, Decode decode) {
  const uint16_t good = le16(msg, 64);
  for (uint16_t bad : {uint16_t(0), uint16_t(good - 1), uint16_t(good + 1), uint16_t(0xFFFF)}) {
    put_le(msg, 64, bad, 2);
    auto r = decode(view(msg));
    EXPECT_FALSE(r.ok()) << "StructureSize " << bad;
  }
}

// Overwrites a 16- or 32-bit field and expects the decoder to reject the message.
template <class Decode>
void expect_field_rejected(Bytes msg, size_t off, size_t width, uint64_t value, Decode decode) {
  put_le(msg, off, value, width);
  auto r = decode(view(msg));
  EXPECT_FALSE(r.ok()) << "field at " << off << " = " << value;
  if (!r.ok()) {
    EXPECT_EQ(r.status(), NtStatus::InvalidParameter);
  }
}

inline bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace lwsmb::proto::smb2::test
