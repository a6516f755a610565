// SMB 3.x key derivation, preauth hash and signing: Microsoft's published SMB 3.1.1 test vectors
// ("SMB 3.1.1 Encryption in Windows 10", Open Specifications blog, appendix A) and NIST GCM.
#include "lwsmb/auth/smb_crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <random>
#include <thread>

#include "auth_test_hex.hpp"
#include "wire.hpp"

namespace lwsmb::auth {
namespace {

using test::hex;
using test::unhex;
using Bytes = std::vector<std::byte>;

const Bytes kSessionKey = unhex("419FDDF34C1E001909D362AE7FB6AF79");
const Bytes kPreauth = unhex(
    "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDB"
    "A7DB256BA2EA30E977F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770");

Bytes cstr(std::string_view s) {
  auto b = wire::as_span(std::string_view(s.data(), s.size() + 1));
  return Bytes(b.begin(), b.end());
}

TEST(Kdf, Smb311BlogVectors) {
  auto k = derive_smb3_keys(kSessionKey, kSmbDialect311, kPreauth);
  ASSERT_TRUE(k);
  EXPECT_EQ(hex(k->signing), "8765949dfeaee105ce9118b45be988f0");
  // The client encrypts requests with SMBC2SCipherKey, the server with SMBS2CCipherKey.
  EXPECT_EQ(hex(k->client_to_server), "a2f5e80e5d59103034f32e52f698e5ec");
  EXPECT_EQ(hex(k->server_to_client), "748c50868c90f302962a5c35f5f9a8bf");
  EXPECT_EQ(hex(k->application), "099d610789fbe82055b313601c3e8cc4");
}

TEST(Kdf, OneBlockMatchesHmacSha256ByHand) {
  // SP800-108 counter mode, MS-SMB2 3.1.4.2: HMAC(K, [1]_32 || Label || 0x00 || Context || [L]_32).
  const Bytes label = cstr("SMB2AESCMAC"), context = cstr("SmbSign");
  Bytes input = unhex("00000001");
  input.insert(input.end(), label.begin(), label.end());
  input.push_back(std::byte{0});
  input.insert(input.end(), context.begin(), context.end());
  for (auto b : unhex("00000080")) input.push_back(b);
  auto expect = hmac_sha256(kSessionKey, input);
  ASSERT_TRUE(expect);
  auto got = kdf_sp800_108_ctr_hmac_sha256(kSessionKey, label, context, 128);
  ASSERT_TRUE(got);
  EXPECT_EQ(hex(*got), hex(std::span(*expect).first(16)));
  auto k30 = derive_smb3_keys(kSessionKey, kSmbDialect300);
  ASSERT_TRUE(k30);
  EXPECT_EQ(hex(k30->signing), hex(*got));
}

TEST(Kdf, Smb30LabelsAndKeySizes) {
  auto k = derive_smb3_keys(kSessionKey, kSmbDialect302);
  ASSERT_TRUE(k);
  auto direct = [&](std::string_view label, std::string_view ctx) {
    return hex(*kdf_sp800_108_ctr_hmac_sha256(kSessionKey, cstr(label), cstr(ctx), 128));
  };
  EXPECT_EQ(hex(k->client_to_server), direct("SMB2AESCCM", "ServerIn "));
  EXPECT_EQ(hex(k->server_to_client), direct("SMB2AESCCM", "ServerOut"));
  EXPECT_EQ(hex(k->application), direct("SMB2APP", "SmbRpc"));
  EXPECT_NE(k->client_to_server, k->server_to_client);

  auto wide = derive_smb3_keys(kSessionKey, kSmbDialect311, kPreauth, SmbCipherKeyBits::Aes256);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->signing.size(), 16u);
  EXPECT_EQ(wide->server_to_client.size(), 32u);
  EXPECT_EQ(hex(wide->signing), "8765949dfeaee105ce9118b45be988f0");

  EXPECT_EQ(derive_smb3_keys(kSessionKey, kSmbDialect210).status(), NtStatus::InvalidParameter);
  EXPECT_EQ(derive_smb3_keys(kSessionKey, kSmbDialect311).status(), NtStatus::InvalidParameter);
  EXPECT_EQ(kdf_sp800_108_ctr_hmac_sha256(kSessionKey, {}, {}, 12).status(),
            NtStatus::InvalidParameter);
}

TEST(PreauthHash, BlogNegotiateRequest) {
  // Appendix A.2: H = SHA-512(Z(64) || NEGOTIATE request).
  const Bytes negotiate = unhex(
      "FE534D4240000100000000000000010000000000000000000000000000000000FFFE000000000000"
      "00000000000000000000000000000000000000000000000024000500010000006600000078EA16AC"
      "6877C34A95F7160F73EA377270000000020000000202100200030203110300000100260000000000"
      "0100200001001A05A92392E1554C072AE7B186EE7DC02CB90BEF2E639CCC94B7A9DC7B3934420000"
      "0200060000000000020001000200");
  PreauthHash h;
  EXPECT_EQ(hex(h.value()), std::string(128, '0'));
  ASSERT_EQ(h.update(negotiate), NtStatus::Success);
  EXPECT_EQ(hex(h.value()),
            "a3a8a769fea693b3d037406ef945e115d2b7a4a9318564d2caaa4b1fe0ec36d8"
            "d92a4802619edcf29e2410534d2d3749e71f76adf5212f959210d291097a6355");
  h.reset();
  EXPECT_EQ(hex(h.value()), std::string(128, '0'));
}

// Appendix A.1: the final SESSION_SETUP response, signed with AES-CMAC under the SigningKey.
const Bytes kSignedSessionSetupResponse = unhex(
    "FE534D4240000100000000000100800009000000000000000200000000000000FFFE000000000000"
    "25000000001000006B85A4519A0F3EEA35BA946DD3AFE6B80900000048001D00A11B3019A0030A01"
    "00A3120410010000003932A87523AB660100000000");
const Bytes kSigningKey = unhex("8765949DFEAEE105CE9118B45BE988F0");

TEST(Signing, AesCmacBlogVector) {
  EXPECT_TRUE(verify_message(kSignedSessionSetupResponse, kSigningKey, SigningAlgorithm::AesCmac));
  Bytes m = kSignedSessionSetupResponse;
  std::fill_n(m.begin() + 48, 16, std::byte{0});
  ASSERT_EQ(sign_message(m, kSigningKey, SigningAlgorithm::AesCmac), NtStatus::Success);
  EXPECT_EQ(m, kSignedSessionSetupResponse);
  m[70] ^= std::byte{0x01};
  EXPECT_FALSE(verify_message(m, kSigningKey, SigningAlgorithm::AesCmac));
}

TEST(Signing, HmacSha256MatchesTheDefinition) {
  Bytes m = kSignedSessionSetupResponse;
  ASSERT_EQ(sign_message(m, kSessionKey, SigningAlgorithm::HmacSha256), NtStatus::Success);
  Bytes zeroed = m;
  std::fill_n(zeroed.begin() + 48, 16, std::byte{0});
  auto mac = hmac_sha256(kSessionKey, zeroed);
  ASSERT_TRUE(mac);
  EXPECT_EQ(hex(std::span(m).subspan(48, 16)), hex(std::span(*mac).first(16)));
  EXPECT_TRUE(verify_message(m, kSessionKey, SigningAlgorithm::HmacSha256));
}

TEST(Gmac, NistGcmTestCase1) {
  // K = 0^128, IV = 0^96, no AAD, no plaintext: T = 58e2fccefa7e3061367f1d57a4e7455a.
  auto t = aes128_gmac(Bytes(16), Bytes(12), {});
  ASSERT_TRUE(t);
  EXPECT_EQ(hex(*t), "58e2fccefa7e3061367f1d57a4e7455a");
  EXPECT_EQ(aes128_gmac(Bytes(15), Bytes(12), {}).status(), NtStatus::InvalidParameter);
}

// Independent GMAC through OpenSSL's EVP_MAC "GMAC" (a different code path from the cipher).
Bytes evp_mac_gmac(std::span<const std::byte> key, std::span<const std::byte> iv,
                   std::span<const std::byte> data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "GMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char cipher[] = "AES-128-GCM";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_MAC_PARAM_IV, const_cast<std::byte*>(iv.data()), iv.size()),
                         OSSL_PARAM_construct_end()};
  Bytes out(16);
  size_t len = 0;
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, out.size());
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return out;
}

TEST(Signing, GmacNonceAndCrossCheck) {
  Bytes m = kSignedSessionSetupResponse;  // MessageId 2, SERVER_TO_REDIR set
  ASSERT_EQ(sign_message(m, kSigningKey, SigningAlgorithm::AesGmac), NtStatus::Success);
  Bytes zeroed = m;
  std::fill_n(zeroed.begin() + 48, 16, std::byte{0});
  const Bytes nonce = unhex("0200000000000000 01000000");
  EXPECT_EQ(hex(std::span(m).subspan(48, 16)), hex(evp_mac_gmac(kSigningKey, nonce, zeroed)));
  EXPECT_TRUE(verify_message(m, kSigningKey, SigningAlgorithm::AesGmac));

  // A request: role bit clear; a CANCEL request: bit 1 set.
  Bytes req = zeroed;
  req[16] = std::byte{0x08};  // SIGNED only
  ASSERT_EQ(sign_message(req, kSigningKey, SigningAlgorithm::AesGmac), NtStatus::Success);
  Bytes req_zeroed = req;
  std::fill_n(req_zeroed.begin() + 48, 16, std::byte{0});
  EXPECT_EQ(hex(std::span(req).subspan(48, 16)),
            hex(evp_mac_gmac(kSigningKey, unhex("0200000000000000 00000000"), req_zeroed)));
  req_zeroed[12] = std::byte{0x0c};  // CANCEL
  Bytes cancel = req_zeroed;
  ASSERT_EQ(sign_message(cancel, kSigningKey, SigningAlgorithm::AesGmac), NtStatus::Success);
  EXPECT_EQ(hex(std::span(cancel).subspan(48, 16)),
            hex(evp_mac_gmac(kSigningKey, unhex("0200000000000000 02000000"), req_zeroed)));
}

TEST(Signing, RoundTripsAndBitFlipsForEveryAlgorithm) {
  std::mt19937 rng(311);
  for (auto alg :
       {SigningAlgorithm::HmacSha256, SigningAlgorithm::AesCmac, SigningAlgorithm::AesGmac}) {
    for (size_t len : {64, 65, 100, 4096}) {
      Bytes m(len);
      for (auto& b : m) b = static_cast<std::byte>(rng());
      ASSERT_EQ(sign_message(m, kSigningKey, alg), NtStatus::Success);
      EXPECT_TRUE(verify_message(m, kSigningKey, alg));
      Bytes wrong_key = kSigningKey;
      wrong_key[0] ^= std::byte{1};
      EXPECT_FALSE(verify_message(m, wrong_key, alg));
      for (size_t bit : {size_t{0}, size_t{48 * 8 + 3}, len * 8 - 1}) {
        Bytes f = m;
        f[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
        EXPECT_FALSE(verify_message(f, kSigningKey, alg)) << static_cast<int>(alg) << " " << bit;
      }
    }
    Bytes tiny(63);
    EXPECT_EQ(sign_message(tiny, kSigningKey, alg), NtStatus::InvalidParameter);
    EXPECT_FALSE(verify_message(tiny, kSigningKey, alg));
  }
}

// A message signed in two pieces (header and body, then a READ's data in its own buffer) gets
// the signature of the same bytes in one piece, from several threads at once (each keeps its
// own cipher context); a header too short is refused whatever the tail.
TEST(Signing, TwoPiecesSignLikeOne) {
  auto check = [](uint32_t seed) {
    std::mt19937 rng(seed);
    for (auto alg :
         {SigningAlgorithm::HmacSha256, SigningAlgorithm::AesCmac, SigningAlgorithm::AesGmac}) {
      for (size_t head_len : {64, 80, 112}) {
        for (size_t tail_len : {0, 1, 15, 16, 70000}) {
          Bytes whole(head_len + tail_len);
          for (auto& b : whole) b = static_cast<std::byte>(rng());
          Bytes head(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(head_len));
          Bytes tail(whole.begin() + static_cast<std::ptrdiff_t>(head_len), whole.end());
          ASSERT_EQ(sign_message(whole, kSigningKey, alg), NtStatus::Success);
          ASSERT_EQ(sign_message(head, tail, kSigningKey, alg), NtStatus::Success);
          EXPECT_EQ(hex(std::span(head).subspan(48, 16)), hex(std::span(whole).subspan(48, 16)))
              << static_cast<int>(alg) << " " << head_len << "+" << tail_len;
          head.insert(head.end(), tail.begin(), tail.end());
          EXPECT_TRUE(verify_message(head, kSigningKey, alg));
        }
      }
      Bytes tiny(63), tail(100);
      EXPECT_EQ(sign_message(tiny, tail, kSigningKey, alg), NtStatus::InvalidParameter);
    }
  };
  std::thread other(check, 7);
  check(8);
  other.join();
}

}  // namespace
}  // namespace lwsmb::auth
