#include "rdr/rdr_wire.hpp"

#include <gtest/gtest.h>

#include <random>

#include "lwsmb/auth/smb_encryption.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::fuse_rdr;

std::vector<std::byte> negotiate_response(uint16_t dialect, bool with_preauth = true,
                                          uint16_t cipher = smb2::cipher::kAes128Gcm,
                                          uint16_t signing = smb2::signing_algorithm::kAesGmac,
                                          uint32_t status = 0) {
  smb2::Header h;
  h.command = smb2::Command::Negotiate;
  h.flags = smb2::header_flag::kServerToRedir;
  h.status = status;
  smb2::NegotiateResponse r;
  r.security_mode = smb2::security_mode::kSigningEnabled;
  r.dialect_revision = dialect;
  r.capabilities = smb2::capability::kLargeMtu | smb2::capability::kEncryption;
  r.max_transact_size = r.max_read_size = r.max_write_size = 8u << 20;
  static const std::vector<std::byte> token(10, std::byte{0x60});
  r.security_buffer = token;
  if (dialect == smb2::dialect::kSmb311) {
    if (with_preauth) {
      r.contexts.push_back(smb2::to_context(smb2::PreauthIntegrityCapabilities{
          {smb2::hash_algorithm::kSha512}, std::vector<std::byte>(32)}));
    }
    r.contexts.push_back(smb2::to_context(smb2::EncryptionCapabilities{{cipher}}));
    r.contexts.push_back(smb2::to_context(smb2::SigningCapabilities{{signing}}));
  }
  std::vector<std::byte> out;
  EXPECT_EQ(smb2::append_message(h, r, out), NtStatus::Success);
  return out;
}

NegotiateOffer offer(uint16_t lo = 0x0202, uint16_t hi = 0x0311) {
  NegotiateOffer o;
  o.min_dialect = lo;
  o.max_dialect = hi;
  o.salt.assign(32, std::byte{7});
  return o;
}

TEST(RdrWire, OfferedDialects) {
  EXPECT_EQ(offered_dialects(0x0202, 0x0311).size(), 5u);
  EXPECT_EQ(offered_dialects(0x0300, 0x0302), (std::vector<uint16_t>{0x0300, 0x0302}));
  EXPECT_TRUE(offered_dialects(0x0312, 0x0400).empty());
  EXPECT_FALSE(build_negotiate_request(offer(0x0311, 0x0300)).ok());
}

TEST(RdrWire, NegotiateRequestCarries311Contexts) {
  auto r = build_negotiate_request(offer());
  ASSERT_TRUE(r.ok());
  EXPECT_NE(smb2::find_context(r->contexts, smb2::negotiate_context::kPreauthIntegrityCapabilities),
            nullptr);
  EXPECT_NE(smb2::find_context(r->contexts, smb2::negotiate_context::kEncryptionCapabilities),
            nullptr);
  EXPECT_NE(smb2::find_context(r->contexts, smb2::negotiate_context::kSigningCapabilities),
            nullptr);
  auto r2 = build_negotiate_request(offer(0x0202, 0x0300));
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->contexts.empty());
  // It encodes and the server-side decoder reads it back.
  smb2::Header h;
  h.command = smb2::Command::Negotiate;
  std::vector<std::byte> msg;
  ASSERT_EQ(smb2::append_message(h, *r, msg), NtStatus::Success);
  auto back = smb2::decode_negotiate_request(msg);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->dialects, r->dialects);
}

TEST(RdrWire, AcceptsGoodNegotiateResponses) {
  auto n = accept_negotiate_response(negotiate_response(0x0311), offer());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->dialect, 0x0311);
  EXPECT_EQ(n->cipher, smb2::cipher::kAes128Gcm);
  EXPECT_EQ(n->signing, auth::SigningAlgorithm::AesGmac);
  EXPECT_TRUE(n->multi_credit());
  EXPECT_EQ(n->security_buffer.size(), 10u);

  auto n30 = accept_negotiate_response(negotiate_response(0x0300), offer());
  ASSERT_TRUE(n30.ok());
  EXPECT_EQ(n30->cipher, smb2::cipher::kAes128Ccm);
  EXPECT_EQ(n30->signing, auth::SigningAlgorithm::AesCmac);

  auto n202 = accept_negotiate_response(negotiate_response(0x0202), offer());
  ASSERT_TRUE(n202.ok());
  EXPECT_EQ(n202->cipher, 0);
  EXPECT_EQ(n202->signing, auth::SigningAlgorithm::HmacSha256);
  EXPECT_FALSE(n202->multi_credit());
}

TEST(RdrWire, RejectsBadNegotiateResponses) {
  // A dialect we did not offer.
  EXPECT_EQ(accept_negotiate_response(negotiate_response(0x0311), offer(0x0202, 0x0302)).status(),
            NtStatus::InvalidNetworkResponse);
  EXPECT_EQ(accept_negotiate_response(negotiate_response(0x0222), offer()).status(),
            NtStatus::InvalidNetworkResponse);
  // 3.1.1 without the preauth context; unknown cipher; unknown signing algorithm.
  EXPECT_EQ(accept_negotiate_response(negotiate_response(0x0311, false), offer()).status(),
            NtStatus::InvalidNetworkResponse);
  EXPECT_EQ(accept_negotiate_response(negotiate_response(0x0311, true, 9), offer()).status(),
            NtStatus::InvalidNetworkResponse);
  EXPECT_EQ(accept_negotiate_response(negotiate_response(0x0311, true, 2, 7), offer()).status(),
            NtStatus::InvalidNetworkResponse);
  // The server's failure comes back as is.
  EXPECT_EQ(accept_negotiate_response(negotiate_response(0x0311, true, 2, 2, 0xC00000BB), offer())
                .status(),
            NtStatus::NotSupported);
}

TEST(RdrWire, TruncatedNegotiateResponsesFail) {
  auto full = negotiate_response(0x0311);
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = accept_negotiate_response(std::span(full).first(n), offer());
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(RdrWire, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  auto base = negotiate_response(0x0311);
  for (int i = 0; i < 3000; ++i) {
    auto m = base;
    // Flip a few bytes past the protocol id so the decoders walk deep.
    for (int k = 0; k < 4; ++k) m[4 + rng() % (m.size() - 4)] = static_cast<std::byte>(rng());
    (void)accept_negotiate_response(m, offer());
    (void)split_responses(m);
    std::vector<std::byte> junk(rng() % 200);
    for (auto& b : junk) b = static_cast<std::byte>(rng());
    EXPECT_FALSE(accept_negotiate_response(junk, offer()).ok());
    EXPECT_FALSE(split_responses(junk).ok());
  }
}

TEST(RdrWire, SplitResponses) {
  auto one = negotiate_response(0x0300);
  auto r = split_responses(one);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].bytes.size(), one.size());

  // Two chained responses.
  std::vector<std::byte> chain;
  smb2::Header h;
  h.command = smb2::Command::Echo;
  h.flags = smb2::header_flag::kServerToRedir;
  h.message_id = 5;
  ASSERT_EQ(smb2::append_message(h, smb2::EchoResponse{}, chain), NtStatus::Success);
  size_t next = smb2::chain_next(chain, 0);
  h.message_id = 6;
  ASSERT_EQ(smb2::append_message(h, smb2::EchoResponse{}, chain), NtStatus::Success);
  (void)next;
  auto two = split_responses(chain);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].header.message_id, 6u);

  // A request (no SERVER_TO_REDIR) is not a response.
  std::vector<std::byte> req;
  smb2::Header q;
  q.command = smb2::Command::Echo;
  ASSERT_EQ(smb2::append_message(q, smb2::EchoRequest{}, req), NtStatus::Success);
  EXPECT_EQ(split_responses(req).status(), NtStatus::InvalidNetworkResponse);
  // Truncated chains.
  for (size_t n = 0; n < smb2::kHeaderSize; ++n) {
    EXPECT_FALSE(split_responses(std::span(chain).first(n)).ok()) << n;
  }
}

TEST(RdrWire, EncryptDecryptRoundTrip) {
  std::vector<std::byte> key(16, std::byte{0x11});
  auto plain = negotiate_response(0x0300);
  for (uint16_t c : {smb2::cipher::kAes128Ccm, smb2::cipher::kAes128Gcm}) {
    auto sealed = encrypt_message(c, key, 77, plain);
    ASSERT_TRUE(sealed.ok());
    auto key_for = [&](uint64_t sid) {
      return sid == 77 ? std::span<const std::byte>(key) : std::span<const std::byte>();
    };
    auto back = decrypt_message(c, *sealed, key_for);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, plain);
    // Tampered body: the tag fails.
    auto bad = *sealed;
    bad.back() ^= std::byte{1};
    EXPECT_EQ(decrypt_message(c, bad, key_for).status(), NtStatus::AccessDenied);
    // Unknown session, truncated, wrong size.
    EXPECT_EQ(
        decrypt_message(c, *sealed, [](uint64_t) { return std::span<const std::byte>(); }).status(),
        NtStatus::InvalidNetworkResponse);
    for (size_t n = 0; n < sealed->size(); n += 7) {
      EXPECT_FALSE(decrypt_message(c, std::span(*sealed).first(n), key_for).ok()) << n;
    }
    auto longer = *sealed;
    longer.push_back(std::byte{0});
    EXPECT_EQ(decrypt_message(c, longer, key_for).status(), NtStatus::InvalidNetworkResponse);
  }
  std::vector<std::byte> key32(32, std::byte{0x22});
  auto s256 = encrypt_message(smb2::cipher::kAes256Gcm, key32, 1, plain);
  ASSERT_TRUE(s256.ok());
  auto b256 = decrypt_message(smb2::cipher::kAes256Gcm, *s256,
                              [&](uint64_t) { return std::span<const std::byte>(key32); });
  ASSERT_TRUE(b256.ok());
  EXPECT_EQ(*b256, plain);
  EXPECT_FALSE(encrypt_message(9, key, 1, plain).ok());
  EXPECT_FALSE(encrypt_message(smb2::cipher::kAes128Gcm, key, 1, std::span(plain).first(10)).ok());
}

TEST(RdrWire, ValidateNegotiate) {
  auto o = offer(0x0202, 0x0302);
  o.client_guid[0] = std::byte{5};
  auto req = smb2::decode_validate_negotiate_info_request(validate_negotiate_payload(o));
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->guid, o.client_guid);
  EXPECT_EQ(req->dialects, offered_dialects(0x0202, 0x0302));
  EXPECT_NE(req->capabilities & smb2::capability::kEncryption, 0u);

  auto n = accept_negotiate_response(negotiate_response(0x0300), o);
  ASSERT_TRUE(n.ok());
  smb2::ValidateNegotiateInfoResponse good{n->capabilities, n->server_guid, n->security_mode,
                                           n->dialect};
  auto payload = smb2::encode_validate_negotiate_info_response(good);
  EXPECT_EQ(check_validate_negotiate(payload, *n), NtStatus::Success);
  for (int field = 0; field < 4; ++field) {
    auto bad = good;
    if (field == 0) bad.capabilities ^= 1;
    if (field == 1) bad.guid[3] ^= std::byte{1};
    if (field == 2) bad.security_mode ^= 2;
    if (field == 3) bad.dialect = 0x0202;
    EXPECT_EQ(check_validate_negotiate(smb2::encode_validate_negotiate_info_response(bad), *n),
              NtStatus::AccessDenied)
        << field;
  }
  for (size_t len = 0; len < payload.size(); ++len) {
    EXPECT_EQ(check_validate_negotiate(std::span(payload).first(len), *n), NtStatus::AccessDenied)
        << len;
  }
}

}  // namespace
