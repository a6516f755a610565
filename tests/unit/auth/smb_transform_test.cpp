// Sealing and opening whole SMB2 messages in a TRANSFORM_HEADER, in both directions with the
// keys MS-SMB2 3.1.4.2 derives (the client seals with SMBC2SCipherKey, the server opens with
// the same; and back), plus truncated, oversized, garbage and tampered frames.
#include "lwsmb/auth/smb_transform.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "lwsmb/auth/smb_crypto.hpp"

namespace lwsmb::auth {
namespace {

using Bytes = std::vector<std::byte>;

Bytes smb2_message(size_t body) {
  Bytes m(64 + body);
  m[0] = std::byte{0xfe};
  m[1] = std::byte{'S'};
  m[2] = std::byte{'M'};
  m[3] = std::byte{'B'};
  for (size_t i = 4; i < m.size(); ++i) m[i] = static_cast<std::byte>(i * 7);
  return m;
}

class SmbTransform : public ::testing::TestWithParam<SmbCipher> {};

TEST_P(SmbTransform, BothDirectionsWithDerivedKeys) {
  const SmbCipher c = GetParam();
  const Bytes session_key(cipher_key_size(c), std::byte{0x42});
  const Bytes preauth(64, std::byte{1});
  const auto bits = cipher_key_size(c) == 32 ? SmbCipherKeyBits::Aes256 : SmbCipherKeyBits::Aes128;
  auto keys = derive_smb3_keys(session_key, kSmbDialect311, preauth, bits);
  ASSERT_TRUE(keys);
  const uint64_t sid = 0x0000123456789abcull;
  const Bytes request = smb2_message(300);
  auto sealed = seal_message(c, keys->client_to_server, sid, request);
  ASSERT_TRUE(sealed);
  ASSERT_EQ(sealed->size(), 52 + request.size());
  EXPECT_EQ((*sealed)[0], std::byte{0xfd});
  EXPECT_NE(Bytes(sealed->begin() + 52, sealed->end()), request);  // really encrypted
  auto sid_back = transform_session_id(*sealed);
  ASSERT_TRUE(sid_back);
  EXPECT_EQ(*sid_back, sid);
  auto opened = open_message(c, keys->client_to_server, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, request);
  // The other direction's key does not open it.
  auto wrong = open_message(c, keys->server_to_client, *sealed);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.status(), NtStatus::AccessDenied);

  const Bytes response = smb2_message(1);
  auto back = seal_message(c, keys->server_to_client, sid, response);
  ASSERT_TRUE(back);
  auto got = open_message(c, keys->server_to_client, *back);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, response);

  // Two seals of the same message differ (fresh nonces).
  auto again = seal_message(c, keys->client_to_server, sid, request);
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *sealed);
}

TEST_P(SmbTransform, EveryTamperedByteIsCaught) {
  const SmbCipher c = GetParam();
  const Bytes key(cipher_key_size(c), std::byte{9});
  auto sealed = seal_message(c, key, 77, smb2_message(40));
  ASSERT_TRUE(sealed);
  for (size_t i = 4; i < sealed->size(); ++i) {  // ProtocolId is not authenticated; all else is
    Bytes t = *sealed;
    t[i] ^= std::byte{0x01};
    auto r = open_message(c, key, t);
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_TRUE(r.status() == NtStatus::AccessDenied || r.status() == NtStatus::InvalidParameter)
        << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCiphers, SmbTransform,
                         ::testing::Values(SmbCipher::Aes128Ccm, SmbCipher::Aes128Gcm,
                                           SmbCipher::Aes256Ccm, SmbCipher::Aes256Gcm));

TEST(SmbTransformMalformed, TruncatedOversizedAndGarbage) {
  const Bytes key(16, std::byte{3});
  auto sealed = seal_message(SmbCipher::Aes128Gcm, key, 5, smb2_message(10));
  ASSERT_TRUE(sealed);
  for (size_t n = 0; n < sealed->size(); ++n) {
    auto r = open_message(SmbCipher::Aes128Gcm, key, std::span(*sealed).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.status(), NtStatus::InvalidParameter) << n;
    EXPECT_FALSE(transform_session_id(std::span(*sealed).first(n))) << n;
  }
  Bytes longer = *sealed;
  longer.push_back(std::byte{0});  // OriginalMessageSize no longer matches
  EXPECT_EQ(open_message(SmbCipher::Aes128Gcm, key, longer).status(), NtStatus::InvalidParameter);
  Bytes flags = *sealed;
  flags[42] = std::byte{2};  // Flags/EncryptionAlgorithm must be 1
  EXPECT_EQ(open_message(SmbCipher::Aes128Gcm, key, flags).status(), NtStatus::InvalidParameter);
  Bytes proto = *sealed;
  proto[0] = std::byte{0xfe};
  EXPECT_EQ(open_message(SmbCipher::Aes128Gcm, key, proto).status(), NtStatus::InvalidParameter);
  // Wrong key sizes and unknown ciphers.
  EXPECT_EQ(open_message(SmbCipher::Aes256Gcm, key, *sealed).status(), NtStatus::InvalidParameter);
  EXPECT_EQ(open_message(static_cast<SmbCipher>(9), key, *sealed).status(),
            NtStatus::InvalidParameter);
  EXPECT_FALSE(seal_message(SmbCipher::Aes128Gcm, key, 1, {}));
  EXPECT_FALSE(seal_message(SmbCipher::Aes256Ccm, key, 1, smb2_message(1)));
  std::mt19937 rng(2241);
  for (int i = 0; i < 500; ++i) {
    Bytes g(rng() % 200);
    for (auto& b : g) b = static_cast<std::byte>(rng());
    if (!g.empty() && rng() % 2) g[0] = std::byte{0xfd};
    auto r = open_message(SmbCipher::Aes128Ccm, key, g);
    EXPECT_FALSE(r);
  }
}

// seal_in_place over a message in two pieces (a response header and its READ data apart) gives
// a transform message that opens to the joined message; CCM takes one piece only.
TEST(SmbTransformInPlace, TwoPiecesOpenAsOne) {
  for (SmbCipher c : {SmbCipher::Aes128Gcm, SmbCipher::Aes256Gcm}) {
    const Bytes key(cipher_key_size(c), std::byte{0x5a});
    const Bytes message = smb2_message(70000);
    const size_t split = 80;  // header + READ response fixed part
    Bytes head(52 + split);
    std::copy(message.begin(), message.begin() + split, head.begin() + 52);
    Bytes data(message.begin() + split, message.end());
    ASSERT_EQ(seal_in_place(c, key, 99, head, data), NtStatus::Success);
    EXPECT_NE(Bytes(head.begin() + 52, head.end()),
              Bytes(message.begin(), message.begin() + split));
    Bytes frame(head.size() + data.size());
    std::copy(head.begin(), head.end(), frame.begin());
    std::copy(data.begin(), data.end(), frame.begin() + static_cast<std::ptrdiff_t>(head.size()));
    auto sid = transform_session_id(frame);
    ASSERT_TRUE(sid);
    EXPECT_EQ(*sid, 99u);
    auto opened = open_message(c, key, frame);
    ASSERT_TRUE(opened) << static_cast<int>(c);
    EXPECT_EQ(*opened, message);
    // One piece in place is the same as seal_message.
    Bytes whole(52 + message.size());
    std::copy(message.begin(), message.end(), whole.begin() + 52);
    ASSERT_EQ(seal_in_place(c, key, 99, whole), NtStatus::Success);
    auto opened_whole = open_message(c, key, whole);
    ASSERT_TRUE(opened_whole);
    EXPECT_EQ(*opened_whole, message);
  }
  const Bytes key(16, std::byte{1});
  Bytes head(52 + 64);
  Bytes data(100);
  EXPECT_EQ(seal_in_place(SmbCipher::Aes128Ccm, key, 1, head, data), NtStatus::InvalidParameter);
  Bytes short_room(51);  // less than a transform header
  EXPECT_EQ(seal_in_place(SmbCipher::Aes128Gcm, key, 1, short_room), NtStatus::InvalidParameter);
  Bytes nothing(52);  // a header and no message
  EXPECT_EQ(seal_in_place(SmbCipher::Aes128Gcm, key, 1, nothing), NtStatus::InvalidParameter);
  EXPECT_EQ(seal_in_place(SmbCipher::Aes128Gcm, Bytes(5), 1, head), NtStatus::InvalidParameter);
}

}  // namespace
}  // namespace lwsmb::auth
