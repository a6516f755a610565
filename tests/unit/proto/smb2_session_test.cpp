// NEGOTIATE with contexts, SESSION_SETUP, TREE_CONNECT and the 4-byte bodies
// (MS-SMB2 2.2.3 - 2.2.12, 2.2.18, 2.2.27 - 2.2.30).
#include <gtest/gtest.h>

#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

auto dec_neg_req = [](auto in) { return decode_negotiate_request(in); };
auto dec_neg_resp = [](auto in) { return decode_negotiate_response(in); };

NegotiateRequest sample_negotiate_311() {
  NegotiateRequest r;
  r.security_mode = security_mode::kSigningEnabled;
  r.capabilities = capability::kDfs | capability::kLeasing | capability::kLargeMtu;
  r.client_guid = guid(0x10);
  r.dialects = {dialect::kSmb202, dialect::kSmb210, dialect::kSmb300, dialect::kSmb311};
  r.contexts.push_back(
      to_context(PreauthIntegrityCapabilities{{hash_algorithm::kSha512}, pattern(32)}));
  r.contexts.push_back(
      to_context(EncryptionCapabilities{{cipher::kAes128Gcm, cipher::kAes128Ccm}}));
  r.contexts.push_back(to_context(SigningCapabilities{{signing_algorithm::kAesGmac}}));
  r.contexts.push_back(to_context(NetnameContext{u"server1"}));
  return r;
}

TEST(Smb2Negotiate, RequestRoundTrip311) {
  const NegotiateRequest r = sample_negotiate_311();
  Bytes m = message(r, Command::Negotiate);
  auto d = decode_negotiate_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
  // MS-SMB2 2.2.3 layout: DialectCount at 2, ClientGuid at 12, context offset/count at 28/32,
  // dialects at 36 (message offset 100), contexts 8-aligned after them.
  EXPECT_EQ(le16(m, 64), 36);
  EXPECT_EQ(le16(m, 66), 4);
  EXPECT_EQ(le16(m, 68), 1);
  EXPECT_EQ(le32(m, 72), r.capabilities);
  EXPECT_EQ(m[76], std::byte{0x10});
  EXPECT_EQ(le32(m, 92), 112u);  // 100 + 8 = 108 -> aligned to 112
  EXPECT_EQ(le16(m, 96), 4);
  EXPECT_EQ(le16(m, 100), 0x0202);
  EXPECT_EQ(le16(m, 106), 0x0311);
  EXPECT_EQ(le16(m, 112), negotiate_context::kPreauthIntegrityCapabilities);
  EXPECT_EQ(le16(m, 114), 38);  // 2 + 2 + 2 + 32
  EXPECT_EQ(le16(m, 120), 1);   // HashAlgorithmCount
  EXPECT_EQ(le16(m, 122), 32);  // SaltLength
  // Second context at the next 8-byte boundary: 112 + 8 + 38 = 158 -> 160.
  EXPECT_EQ(le16(m, 160), negotiate_context::kEncryptionCapabilities);
  expect_truncations_fail(m, dec_neg_req);
  expect_wrong_structure_size_fails(m, dec_neg_req);
}

TEST(Smb2Negotiate, RequestWithoutSmb311KeepsStartTime) {
  NegotiateRequest r;
  r.dialects = {dialect::kSmb202, dialect::kSmb210};
  r.client_start_time = 0x0102030405060708;
  Bytes m = message(r);
  EXPECT_EQ(m.size(), 64 + 36 + 4u);
  EXPECT_EQ(le64(m, 92), 0x0102030405060708u);
  auto d = decode_negotiate_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
  EXPECT_TRUE(d->contexts.empty());
}

TEST(Smb2Negotiate, RequestEncodeRejectsContextsWithout311) {
  NegotiateRequest r;
  r.dialects = {dialect::kSmb300};
  r.contexts.push_back(to_context(EncryptionCapabilities{{cipher::kAes128Gcm}}));
  Bytes out;
  EXPECT_EQ(encode_body(r, out, 0), NtStatus::InvalidParameter);
  EXPECT_TRUE(out.empty());
  r.dialects.clear();
  r.contexts.clear();
  EXPECT_EQ(encode_body(r, out, 0), NtStatus::InvalidParameter);
}

TEST(Smb2Negotiate, RequestMalformed) {
  const Bytes m = message(sample_negotiate_311());
  expect_field_rejected(m, 66, 2, 0, dec_neg_req);           // DialectCount 0 (3.3.5.4)
  expect_field_rejected(m, 66, 2, 0xFFFF, dec_neg_req);      // dialects past the end
  expect_field_rejected(m, 92, 4, 116, dec_neg_req);         // context offset not 8-aligned
  expect_field_rejected(m, 92, 4, 96, dec_neg_req);          // contexts over the dialects
  expect_field_rejected(m, 92, 4, 0xFFFFFFF8, dec_neg_req);  // wraps in 32 bits
  expect_field_rejected(m, 92, 4, m.size() + 8, dec_neg_req);
  expect_field_rejected(m, 96, 2, 5, dec_neg_req);        // one context too many
  expect_field_rejected(m, 114, 2, 0xFFFF, dec_neg_req);  // DataLength past the end
  expect_field_rejected(m, 114, 2, 16u << 10, dec_neg_req);
}

TEST(Smb2Negotiate, ResponseRoundTrip311) {
  Bytes token = pattern(74);
  NegotiateResponse r;
  r.security_mode = security_mode::kSigningEnabled | security_mode::kSigningRequired;
  r.dialect_revision = dialect::kSmb311;
  r.server_guid = guid(0x30);
  r.capabilities = capability::kLargeMtu | capability::kEncryption;
  r.max_transact_size = 8 << 20;
  r.max_read_size = 8 << 20;
  r.max_write_size = 8 << 20;
  r.system_time = 133000000000000000;
  r.security_buffer = token;
  r.contexts.push_back(to_context(PreauthIntegrityCapabilities{{1}, pattern(32, 9)}));
  r.contexts.push_back(to_context(EncryptionCapabilities{{cipher::kAes128Gcm}}));
  Bytes m = message(r, Command::Negotiate, header_flag::kServerToRedir);
  // MS-SMB2 2.2.4 layout.
  EXPECT_EQ(le16(m, 64), 65);
  EXPECT_EQ(le16(m, 68), 0x0311);
  EXPECT_EQ(le16(m, 70), 2);
  EXPECT_EQ(m[72], std::byte{0x30});  // ServerGuid
  EXPECT_EQ(le32(m, 88), r.capabilities);
  EXPECT_EQ(le32(m, 92), 8u << 20);
  EXPECT_EQ(le64(m, 104), r.system_time);
  EXPECT_EQ(le16(m, 120), 128);
  EXPECT_EQ(le16(m, 122), 74);
  EXPECT_EQ(le32(m, 124), 208u);  // 128 + 74 = 202 -> 208
  auto d = decode_negotiate_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->dialect_revision, r.dialect_revision);
  EXPECT_EQ(d->server_guid, r.server_guid);
  EXPECT_EQ(d->max_write_size, r.max_write_size);
  EXPECT_EQ(d->system_time, r.system_time);
  EXPECT_TRUE(same_bytes(d->security_buffer, token));
  EXPECT_EQ(d->contexts, r.contexts);
  expect_truncations_fail(m, dec_neg_resp);
  expect_wrong_structure_size_fails(m, dec_neg_resp);
  expect_field_rejected(m, 122, 2, 0xFFFF, dec_neg_resp);
  expect_field_rejected(m, 120, 2, 64, dec_neg_resp);  // security buffer inside the header
  expect_field_rejected(m, 124, 4, 0xFFFFFFF8, dec_neg_resp);
  expect_field_rejected(m, 70, 2, 3, dec_neg_resp);
}

TEST(Smb2Negotiate, ResponseBefore311IgnoresContextFields) {
  NegotiateResponse r;
  r.dialect_revision = dialect::kSmb210;
  Bytes m = message(r);
  EXPECT_EQ(m.size(), 64 + 65u);  // one pad byte for the empty buffer
  put_le(m, 70, 7, 2);            // Reserved in 2.1: not a context count
  auto d = decode_negotiate_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->contexts.empty());
  EXPECT_TRUE(d->security_buffer.empty());
}

TEST(Smb2NegotiateContext, TypedRoundTrips) {
  PreauthIntegrityCapabilities p{{1, 2}, pattern(16)};
  EXPECT_EQ(*decode_preauth_integrity(to_context(p).data), p);
  EncryptionCapabilities e{{4, 3, 2, 1}};
  EXPECT_EQ(*decode_encryption_capabilities(to_context(e).data), e);
  CompressionCapabilities c{1, {compression_algorithm::kLz77, compression_algorithm::kLz4}};
  auto cc = to_context(c);
  EXPECT_EQ(le32(cc.data, 4), 1u);
  EXPECT_EQ(*decode_compression_capabilities(cc.data), c);
  NetnameContext n{u"host.example"};
  EXPECT_EQ(*decode_netname(to_context(n).data), n);
  TransportCapabilities t{1};
  EXPECT_EQ(*decode_transport_capabilities(to_context(t).data), t);
  RdmaTransformCapabilities rd{{1, 2}};
  EXPECT_EQ(*decode_rdma_transform_capabilities(to_context(rd).data), rd);
  SigningCapabilities s{{0, 1, 2}};
  auto sc = to_context(s);
  EXPECT_EQ(sc.type, negotiate_context::kSigningCapabilities);
  EXPECT_EQ(*decode_signing_capabilities(sc.data), s);
  std::vector<NegotiateContext> list = {cc, sc};
  ASSERT_NE(find_context(list, negotiate_context::kSigningCapabilities), nullptr);
  EXPECT_EQ(find_context(list, negotiate_context::kNetnameNegotiateContextId), nullptr);
}

TEST(Smb2NegotiateContext, TypedDecodersRejectBadData) {
  auto p = to_context(PreauthIntegrityCapabilities{{1}, pattern(32)}).data;
  for (size_t n = 0; n < p.size(); ++n) {
    EXPECT_FALSE(decode_preauth_integrity(view(p).first(n)).ok()) << n;
  }
  Bytes zero_count = p;
  put_le(zero_count, 0, 0, 2);
  EXPECT_FALSE(decode_preauth_integrity(zero_count).ok());
  put_le(p, 2, 0xFFFF, 2);  // salt past the end
  EXPECT_FALSE(decode_preauth_integrity(p).ok());
  auto e = to_context(EncryptionCapabilities{{1, 2}}).data;
  put_le(e, 0, 3, 2);
  EXPECT_FALSE(decode_encryption_capabilities(e).ok());
  put_le(e, 0, 0, 2);
  EXPECT_FALSE(decode_encryption_capabilities(e).ok());
  auto s = to_context(SigningCapabilities{{1}}).data;
  EXPECT_FALSE(decode_signing_capabilities(view(s).first(3)).ok());
  Bytes odd = pattern(5);
  EXPECT_FALSE(decode_netname(odd).ok());
  EXPECT_FALSE(decode_transport_capabilities(view(odd).first(3)).ok());
  EXPECT_FALSE(decode_compression_capabilities(view(odd).first(5)).ok());
  EXPECT_FALSE(decode_rdma_transform_capabilities(Bytes(8)).ok());
}

// ---- SESSION_SETUP ----------------------------------------------------------------------------

TEST(Smb2SessionSetup, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.5
  Bytes token = pattern(100);
  SessionSetupRequest r;
  r.flags = session_setup_flag::kBinding;
  r.security_mode = 1;
  r.capabilities = capability::kDfs;
  r.previous_session_id = 0x55;
  r.security_buffer = token;
  Bytes m = message(r, Command::SessionSetup);
  EXPECT_EQ(le16(m, 64), 25);
  EXPECT_EQ(le8(m, 66), 1);
  EXPECT_EQ(le16(m, 76), 88);
  EXPECT_EQ(le16(m, 78), 100);
  EXPECT_EQ(le64(m, 80), 0x55u);
  auto d = decode_session_setup_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->flags, r.flags);
  EXPECT_EQ(d->previous_session_id, 0x55u);
  EXPECT_TRUE(same_bytes(d->security_buffer, token));
  EXPECT_EQ(d->security_buffer.data(), m.data() + 88);  // a view, not a copy
  auto dec = [](auto in) { return decode_session_setup_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 78, 2, 101, dec);
  expect_field_rejected(m, 76, 2, 0xFFFF, dec);
  expect_field_rejected(m, 76, 2, 70, dec);  // overlaps the fixed part
}

TEST(Smb2SessionSetup, ResponseRoundTripAndLayout) {  // MS-SMB2 2.2.6
  Bytes token = pattern(9);
  SessionSetupResponse r{session_flag::kIsGuest, token};
  Bytes m = message(r, Command::SessionSetup, header_flag::kServerToRedir);
  EXPECT_EQ(le16(m, 64), 9);
  EXPECT_EQ(le16(m, 66), 1);
  EXPECT_EQ(le16(m, 68), 72);
  EXPECT_EQ(le16(m, 70), 9);
  auto d = decode_session_setup_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->session_flags, session_flag::kIsGuest);
  EXPECT_TRUE(same_bytes(d->security_buffer, token));
  auto dec = [](auto in) { return decode_session_setup_response(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 70, 2, 10, dec);
  Bytes empty = message(SessionSetupResponse{});
  EXPECT_EQ(empty.size(), 64 + 9u);
  EXPECT_TRUE(decode_session_setup_response(empty)->security_buffer.empty());
}

TEST(Smb2SessionSetup, EncodeRejectsOversizedToken) {
  Bytes big(70000);
  SessionSetupRequest r;
  r.security_buffer = big;
  Bytes out;
  EXPECT_EQ(append_message(Header{}, r, out), NtStatus::InvalidParameter);
  EXPECT_TRUE(out.empty());
}

// ---- 4-byte bodies ----------------------------------------------------------------------------

template <class Body, class Decode>
void check_empty_body(Decode decode) {
  Bytes m = message(Body{});
  ASSERT_EQ(m.size(), 68u);
  EXPECT_EQ(le16(m, 64), 4);
  expect_truncations_fail(m, decode);
  expect_wrong_structure_size_fails(m, decode);
}

TEST(Smb2EmptyBodies, AllRoundTrip) {
  check_empty_body<LogoffRequest>([](auto in) { return decode_logoff_request(in); });
  check_empty_body<LogoffResponse>([](auto in) { return decode_logoff_response(in); });
  check_empty_body<TreeDisconnectRequest>(
      [](auto in) { return decode_tree_disconnect_request(in); });
  check_empty_body<TreeDisconnectResponse>(
      [](auto in) { return decode_tree_disconnect_response(in); });
  check_empty_body<EchoRequest>([](auto in) { return decode_echo_request(in); });
  check_empty_body<EchoResponse>([](auto in) { return decode_echo_response(in); });
  check_empty_body<CancelRequest>([](auto in) { return decode_cancel_request(in); });
  check_empty_body<FlushResponse>([](auto in) { return decode_flush_response(in); });
  check_empty_body<LockResponse>([](auto in) { return decode_lock_response(in); });
}

// ---- TREE_CONNECT -----------------------------------------------------------------------------

TEST(Smb2TreeConnect, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.9
  TreeConnectRequest r{0, u"\\\\server\\share"};
  Bytes m = message(r, Command::TreeConnect);
  EXPECT_EQ(le16(m, 64), 9);
  EXPECT_EQ(le16(m, 68), 72);
  EXPECT_EQ(le16(m, 70), 2 * r.path.size());
  EXPECT_EQ(le16(m, 72), '\\');
  EXPECT_EQ(*decode_tree_connect_request(m), r);
  auto dec = [](auto in) { return decode_tree_connect_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 70, 2, 2 * r.path.size() - 1, dec);  // odd UTF-16 length
  expect_field_rejected(m, 70, 2, 2 * r.path.size() + 2, dec);
  expect_field_rejected(m, 68, 2, 0xFFFF, dec);
  expect_field_rejected(m, 68, 2, 0, dec);
}

TEST(Smb2TreeConnect, ResponseRoundTripAndLayout) {  // MS-SMB2 2.2.10
  TreeConnectResponse r{share_type::kPipe, share_flag::kNoCaching, share_capability::kDfs,
                        0x001F01FF};
  Bytes m = message(r, Command::TreeConnect, header_flag::kServerToRedir);
  ASSERT_EQ(m.size(), 64 + 16u);
  EXPECT_EQ(le8(m, 66), 2);
  EXPECT_EQ(le32(m, 68), 0x30u);
  EXPECT_EQ(le32(m, 72), 8u);
  EXPECT_EQ(le32(m, 76), 0x001F01FFu);
  EXPECT_EQ(*decode_tree_connect_response(m), r);
  auto dec = [](auto in) { return decode_tree_connect_response(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
}

}  // namespace
}  // namespace lwsmb::proto::smb2
