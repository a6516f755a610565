// SMB 3.x encryption: the McGrew-Viega GCM test case 2 (AES-128, zero key/IV/plaintext), round
// trips for all four ciphers, and tampering caught by the tag.
#include "lwsmb/auth/smb_encryption.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "auth_test_hex.hpp"

namespace lwsmb::auth {
namespace {

using test::hex;
using test::unhex;
using Bytes = std::vector<std::byte>;

TEST(SmbEncryption, Aes128GcmKnownAnswer) {
  Bytes key(16), nonce(12), data(16);
  auto tag = smb_encrypt(SmbCipher::Aes128Gcm, key, nonce, {}, data);
  ASSERT_TRUE(tag);
  EXPECT_EQ(hex(data), "0388dace60b6a392f328c2b971b2fe78");
  EXPECT_EQ(hex(*tag), "ab6e47d42cec13bdf53a67b21257bddf");
}

class SmbEncryptionRoundTrip : public ::testing::TestWithParam<SmbCipher> {};

TEST_P(SmbEncryptionRoundTrip, DecryptsWhatItEncryptsAndCatchesTampering) {
  const SmbCipher c = GetParam();
  Bytes key(cipher_key_size(c));
  for (size_t i = 0; i < key.size(); ++i) key[i] = std::byte(i * 7 + 1);
  Bytes nonce(cipher_nonce_size(c), std::byte{0x5a});
  Bytes aad(32, std::byte{0x11});
  Bytes plain(100);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = std::byte(i);
  Bytes data = plain;
  auto tag = smb_encrypt(c, key, nonce, aad, data);
  ASSERT_TRUE(tag);
  EXPECT_NE(data, plain);
  Bytes copy = data;
  EXPECT_EQ(smb_decrypt(c, key, nonce, aad, copy, *tag), NtStatus::Success);
  EXPECT_EQ(copy, plain);
  // A flipped ciphertext bit, a changed AAD byte or a wrong tag are all refused.
  copy = data;
  copy[3] ^= std::byte{1};
  EXPECT_EQ(smb_decrypt(c, key, nonce, aad, copy, *tag), NtStatus::AccessDenied);
  copy = data;
  Bytes aad2 = aad;
  aad2[31] = std::byte{0};
  EXPECT_EQ(smb_decrypt(c, key, nonce, aad2, copy, *tag), NtStatus::AccessDenied);
  copy = data;
  EncryptionTag bad = *tag;
  bad[0] ^= std::byte{0x80};
  EXPECT_EQ(smb_decrypt(c, key, nonce, aad, copy, bad), NtStatus::AccessDenied);
}

INSTANTIATE_TEST_SUITE_P(AllCiphers, SmbEncryptionRoundTrip,
                         ::testing::Values(SmbCipher::Aes128Ccm, SmbCipher::Aes128Gcm,
                                           SmbCipher::Aes256Ccm, SmbCipher::Aes256Gcm));

TEST(SmbEncryption, RejectsBadSizes) {
  Bytes key(16), nonce(12), data(16);
  EXPECT_FALSE(smb_encrypt(SmbCipher::Aes128Ccm, key, nonce, {}, data));  // CCM wants 11
  Bytes short_key(8);
  EXPECT_FALSE(smb_encrypt(SmbCipher::Aes128Gcm, short_key, nonce, {}, data));
  Bytes empty;
  EXPECT_FALSE(smb_encrypt(SmbCipher::Aes128Gcm, key, nonce, {}, empty));
}

}  // namespace
}  // namespace lwsmb::auth
