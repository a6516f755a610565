// Known-answer tests from the RFCs that define the algorithms.
#include "lwsmb/auth/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

using lwsmb::test::bytes;

std::vector<std::byte> unhex(std::string_view h) {
  std::vector<std::byte> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::byte>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

template <class A>
std::string hex(const A& a) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : a) {
    s += d[std::to_integer<int>(b) >> 4];
    s += d[std::to_integer<int>(b) & 15];
  }
  return s;
}

TEST(Crypto, Sha512Abc) {  // FIPS 180-2 appendix C.1
  auto d = lwsmb::auth::sha512(bytes("abc"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(hex(*d),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Crypto, HmacSha256Rfc4231Case2) {
  auto m = lwsmb::auth::hmac_sha256(bytes("Jefe"), bytes("what do ya want for nothing?"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(hex(*m), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, AesCmacRfc4493) {
  auto key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
  auto msg = unhex("6bc1bee22e409f96e93d7e117393172a");
  auto empty = lwsmb::auth::aes128_cmac(key, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(hex(*empty), "bb1d6929e95937287fa37d129b756746");
  auto m = lwsmb::auth::aes128_cmac(key, msg);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(hex(*m), "070a16b46b4d4144f79bdd9dd04a287c");
}

TEST(Crypto, AesCmacRejectsWrongKeyLength) {
  auto key = unhex("2b7e1516");
  auto m = lwsmb::auth::aes128_cmac(key, bytes("x"));
  EXPECT_FALSE(m.ok());
  EXPECT_EQ(m.status(), lwsmb::NtStatus::InvalidParameter);
}

}  // namespace
