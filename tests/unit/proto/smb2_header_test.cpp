// SMB2 header, error response, compound chains, Direct TCP framing, transform header and the
// SMB1 negotiate recogniser (MS-SMB2 2.1, 2.2.1, 2.2.2, 2.2.41, 3.3.5.2.7, 3.3.5.3).
#include <gtest/gtest.h>

#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

Header sample_header() {
  Header h;
  h.credit_charge = 3;
  h.status = 0xC0000022;
  h.command = Command::Create;
  h.credit_request_response = 31;
  h.flags = header_flag::kServerToRedir | header_flag::kSigned;
  h.next_command = 0;
  h.message_id = 0x1122334455667788;
  h.process_id = 0xFEFF;
  h.tree_id = 0xAABBCCDD;
  h.session_id = 0x0102030405060708;
  for (size_t i = 0; i < 16; ++i) h.signature[i] = std::byte(0xA0 + i);
  return h;
}

TEST(Smb2Header, RoundTripSync) {
  Header h = sample_header();
  Bytes b;
  append_header(h, b);
  ASSERT_EQ(b.size(), kHeaderSize);
  auto d = decode_header(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, h);
  EXPECT_TRUE(d->is_response());
  EXPECT_FALSE(d->is_async());
}

TEST(Smb2Header, RoundTripAsync) {
  Header h = sample_header();
  h.flags |= header_flag::kAsyncCommand;
  h.process_id = 0;
  h.tree_id = 0;
  h.async_id = 0x0BADC0DE12345678;
  Bytes b;
  append_header(h, b);
  auto d = decode_header(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, h);
  EXPECT_EQ(le64(b, 32), 0x0BADC0DE12345678u);  // AsyncId replaces Reserved+TreeId
}

TEST(Smb2Header, FieldOffsetsMatchSpec) {  // MS-SMB2 2.2.1.2
  Bytes b;
  append_header(sample_header(), b);
  EXPECT_EQ(b[0], std::byte{0xFE});
  EXPECT_EQ(b[1], std::byte{'S'});
  EXPECT_EQ(le16(b, 4), 64);
  EXPECT_EQ(le16(b, 6), 3);
  EXPECT_EQ(le32(b, 8), 0xC0000022u);
  EXPECT_EQ(le16(b, 12), 5);  // CREATE
  EXPECT_EQ(le16(b, 14), 31);
  EXPECT_EQ(le32(b, 16), 9u);
  EXPECT_EQ(le32(b, 20), 0u);
  EXPECT_EQ(le64(b, 24), 0x1122334455667788u);
  EXPECT_EQ(le32(b, 32), 0xFEFFu);
  EXPECT_EQ(le32(b, 36), 0xAABBCCDDu);
  EXPECT_EQ(le64(b, 40), 0x0102030405060708u);
  EXPECT_EQ(b[48], std::byte{0xA0});
  EXPECT_EQ(b[63], std::byte{0xAF});
}

TEST(Smb2Header, RejectsTruncatedWrongIdAndSize) {
  Bytes b;
  append_header(sample_header(), b);
  expect_truncations_fail(b, [](auto in) { return decode_header(in); });
  for (size_t i = 0; i < 4; ++i) {
    Bytes bad = b;
    bad[i] ^= std::byte{0x01};
    EXPECT_FALSE(decode_header(bad).ok()) << i;
  }
  Bytes smb1 = b;
  smb1[0] = std::byte{0xFF};
  EXPECT_FALSE(decode_header(smb1).ok());
  expect_field_rejected(b, 4, 2, 65, [](auto in) { return decode_header(in); });
  expect_field_rejected(b, 4, 2, 0, [](auto in) { return decode_header(in); });
}

TEST(Smb2Header, AppendMessageWritesHeaderAndBody) {
  Header h;
  h.command = Command::Echo;
  Bytes out = pattern(5);  // unrelated bytes before the message stay untouched
  ASSERT_EQ(append_message(h, EchoRequest{}, out), NtStatus::Success);
  ASSERT_EQ(out.size(), 5 + 64 + 4u);
  EXPECT_EQ(out[0], pattern(5)[0]);
  auto msg = std::span<const std::byte>(out).subspan(5);
  EXPECT_TRUE(decode_header(msg).ok());
  EXPECT_TRUE(decode_echo_request(msg).ok());
  EXPECT_EQ(*peek_structure_size(msg), 4);
  EXPECT_FALSE(peek_structure_size(msg.first(65)).ok());
}

TEST(Smb2Header, FailedEncodeLeavesOutputUnchanged) {
  LockRequest empty;  // LockCount 0 is not encodable
  Bytes out = pattern(3);
  EXPECT_EQ(append_message(Header{}, empty, out), NtStatus::InvalidParameter);
  EXPECT_EQ(out, pattern(3));
}

// ---- Error response ---------------------------------------------------------------------------

TEST(Smb2Error, EmptyErrorDataStillSendsOneByte) {  // MS-SMB2 2.2.2
  Bytes m = message(ErrorResponse{});
  ASSERT_EQ(m.size(), 64 + 9u);
  EXPECT_EQ(le16(m, 64), 9);
  EXPECT_EQ(le32(m, 68), 0u);
  auto d = decode_error_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->error_data.empty());
  EXPECT_EQ(d->error_context_count, 0);
}

TEST(Smb2Error, RoundTripWithData) {
  Bytes data = pattern(20);
  ErrorResponse e;
  e.error_context_count = 1;
  e.error_data = data;
  Bytes m = message(e);
  EXPECT_EQ(le8(m, 66), 1);
  EXPECT_EQ(le32(m, 68), 20u);
  auto d = decode_error_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(same_bytes(d->error_data, data));
  expect_truncations_fail(m, [](auto in) { return decode_error_response(in); });
  expect_wrong_structure_size_fails(m, [](auto in) { return decode_error_response(in); });
  expect_field_rejected(m, 68, 4, 21, [](auto in) { return decode_error_response(in); });
  expect_field_rejected(m, 68, 4, 0xFFFFFFFF, [](auto in) { return decode_error_response(in); });
  expect_field_rejected(m, 68, 4, 16u << 20, [](auto in) { return decode_error_response(in); });
}

TEST(Smb2Error, ErrorContexts) {  // MS-SMB2 2.2.2.1
  Bytes data(8 + 3 + 5 + 8 + 4);
  put32(data, 0, 3);
  put32(data, 4, 0x11);
  put32(data, 16, 4);
  put32(data, 20, 0x22);
  auto list = decode_error_contexts(data, 2);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].error_id, 0x11u);
  EXPECT_EQ((*list)[0].data.size(), 3u);
  EXPECT_EQ((*list)[1].error_id, 0x22u);
  EXPECT_EQ((*list)[1].data.size(), 4u);
  EXPECT_FALSE(decode_error_contexts(data, 3).ok());
  put32(data, 16, 5);  // second context overruns
  EXPECT_FALSE(decode_error_contexts(data, 2).ok());
  put32(data, 0, 0xFFFFFFF0);
  EXPECT_FALSE(decode_error_contexts(data, 1).ok());
}

// ---- Compound ---------------------------------------------------------------------------------

Bytes three_message_chain() {
  Bytes out;
  Header h;
  h.command = Command::Create;
  CreateRequest c;
  c.name = u"a.txt";  // odd-sized body: forces padding
  size_t start = out.size();
  EXPECT_EQ(append_message(h, c, out), NtStatus::Success);
  start = chain_next(out, start);
  h.command = Command::Echo;
  h.flags = header_flag::kRelatedOperations;
  EXPECT_EQ(append_message(h, EchoRequest{}, out), NtStatus::Success);
  start = chain_next(out, start);
  h.command = Command::Close;
  EXPECT_EQ(append_message(h, CloseRequest{}, out), NtStatus::Success);
  return out;
}

TEST(Smb2Compound, BuildAndSplit) {
  Bytes chain = three_message_chain();
  auto msgs = split_compound(chain);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 3u);
  EXPECT_EQ((*msgs)[0].size() % 8, 0u);
  EXPECT_EQ((*msgs)[1].size() % 8, 0u);
  EXPECT_EQ(le32((*msgs)[0], 20), (*msgs)[0].size());
  EXPECT_EQ(le32((*msgs)[2], 20), 0u);
  auto create = decode_create_request((*msgs)[0]);
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->name, u"a.txt");
  EXPECT_TRUE(decode_echo_request((*msgs)[1]).ok());
  EXPECT_TRUE(decode_close_request((*msgs)[2]).ok());
  EXPECT_EQ(decode_header((*msgs)[1])->command, Command::Echo);
}

TEST(Smb2Compound, SingleMessage) {
  Bytes m = message(EchoRequest{});
  auto msgs = split_compound(m);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 1u);
  EXPECT_EQ((*msgs)[0].size(), m.size());
}

TEST(Smb2Compound, RejectsBadNextCommand) {
  const Bytes chain = three_message_chain();
  const uint32_t first = le32(chain, 20);
  auto split = [](auto in) { return split_compound(in); };
  expect_field_rejected(chain, 20, 4, chain.size() + 8, split);  // past the end
  expect_field_rejected(chain, 20, 4, 0xFFFFFFF8, split);        // huge
  expect_field_rejected(chain, 20, 4, first + 1, split);         // not 8-aligned
  expect_field_rejected(chain, 20, 4, first - 4, split);         // not 8-aligned
  expect_field_rejected(chain, 20, 4, 8, split);                 // inside own header
  expect_field_rejected(chain, 20, 4, 56, split);                // < 64
  expect_field_rejected(chain, 20, 4, chain.size(), split);      // empty next message
  Bytes trunc(chain.begin(), chain.begin() + first + 40);
  EXPECT_FALSE(split_compound(trunc).ok());  // second header cut
  Bytes bad_id = chain;
  bad_id[first] = std::byte{0xFD};
  EXPECT_FALSE(split_compound(bad_id).ok());
  EXPECT_FALSE(split_compound({}).ok());
  Bytes short_msg(63);
  EXPECT_FALSE(split_compound(short_msg).ok());
}

TEST(Smb2Compound, NextCommandCannotGoBackwards) {
  // NextCommand is unsigned and at least 64, so a "backwards" link of -64 reads as ~4 GiB.
  Bytes chain = three_message_chain();
  put32(chain, le32(chain, 20) + 20, static_cast<uint32_t>(-64));
  EXPECT_FALSE(split_compound(chain).ok());
}

// ---- Direct TCP -------------------------------------------------------------------------------

TEST(Smb2Transport, EncodeDecode) {
  std::array<std::byte, 4> h{};
  ASSERT_TRUE(encode_transport_header(0x123456, h));
  EXPECT_EQ(h[0], std::byte{0});
  EXPECT_EQ(h[1], std::byte{0x12});
  EXPECT_EQ(h[2], std::byte{0x34});
  EXPECT_EQ(h[3], std::byte{0x56});
  EXPECT_EQ(*decode_transport_header(h), 0x123456u);
  ASSERT_TRUE(encode_transport_header(kTransportMaxLength, h));
  EXPECT_EQ(*decode_transport_header(h), 0xFFFFFFu);
  EXPECT_FALSE(encode_transport_header(0x1000000, h));
}

TEST(Smb2Transport, RejectsShortAndNonzeroFirstByte) {
  Bytes h = {std::byte{0}, std::byte{0}, std::byte{1}, std::byte{0}};
  for (size_t n = 0; n < 4; ++n) EXPECT_FALSE(decode_transport_header(view(h).first(n)).ok());
  h[0] = std::byte{0x81};  // NetBIOS keepalive / other session packet types are not SMB2
  EXPECT_FALSE(decode_transport_header(h).ok());
}

// ---- Transform header -------------------------------------------------------------------------

TEST(Smb2Transform, RoundTripAndLayout) {  // MS-SMB2 2.2.41
  TransformHeader t;
  for (size_t i = 0; i < 16; ++i) {
    t.signature[i] = std::byte(i);
    t.nonce[i] = std::byte(0x40 + i);
  }
  t.original_message_size = 0x1234;
  t.flags = transform_flag::kEncrypted;
  t.session_id = 0x99887766;
  Bytes b(kTransformHeaderSize);
  encode_transform_header(t, b);
  EXPECT_EQ(b[0], std::byte{0xFD});
  EXPECT_EQ(b[4], std::byte{0});
  EXPECT_EQ(b[20], std::byte{0x40});
  EXPECT_EQ(le32(b, 36), 0x1234u);
  EXPECT_EQ(le16(b, 42), 1);
  EXPECT_EQ(le64(b, 44), 0x99887766u);
  EXPECT_EQ(*decode_transform_header(b), t);
  EXPECT_EQ(classify_protocol(b), ProtocolKind::Transform);
  expect_truncations_fail(b, [](auto in) { return decode_transform_header(in); });
  b[0] = std::byte{0xFE};
  EXPECT_FALSE(decode_transform_header(b).ok());
  EXPECT_EQ(classify_protocol(b), ProtocolKind::Smb2);
}

TEST(Smb2Transform, ClassifyProtocol) {
  EXPECT_EQ(classify_protocol(bytes_of("\xFFSMB")), ProtocolKind::Smb1);
  EXPECT_EQ(classify_protocol(bytes_of("\xFCSMB")), ProtocolKind::Compressed);
  EXPECT_EQ(classify_protocol(bytes_of("\xFESM")), ProtocolKind::Unknown);
  EXPECT_EQ(classify_protocol(bytes_of("XSMB")), ProtocolKind::Unknown);
}

// ---- SMB1 negotiate ---------------------------------------------------------------------------

TEST(Smb1Negotiate, ParsesDialects) {
  std::vector<std::string> want = {"NT LM 0.12", "SMB 2.002", "SMB 2.???"};
  Bytes m = encode_smb1_negotiate(want);
  EXPECT_EQ(classify_protocol(m), ProtocolKind::Smb1);
  EXPECT_EQ(le8(m, 4), 0x72);
  EXPECT_EQ(le8(m, 32), 0);  // WordCount
  EXPECT_EQ(le16(m, 33), m.size() - 35);
  auto d = decode_smb1_negotiate_dialects(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, want);
  expect_truncations_fail(m, [](auto in) { return decode_smb1_negotiate_dialects(in); });
}

TEST(Smb1Negotiate, RejectsMalformed) {
  const Bytes good = encode_smb1_negotiate({"SMB 2.002"});
  auto dec = [](auto in) { return decode_smb1_negotiate_dialects(in); };
  Bytes m = good;
  m[4] = std::byte{0x73};  // SESSION_SETUP_ANDX
  EXPECT_FALSE(dec(view(m)).ok());
  m = good;
  m.back() = std::byte{'x'};  // no terminator
  EXPECT_FALSE(dec(view(m)).ok());
  m = good;
  m[35] = std::byte{0x03};  // wrong buffer format
  EXPECT_FALSE(dec(view(m)).ok());
  expect_field_rejected(good, 33, 2, good.size() - 34, dec);  // ByteCount past end
  expect_field_rejected(good, 33, 2, 0, dec);                 // no dialects
  expect_field_rejected(good, 32, 1, 200, dec);               // WordCount past end
  EXPECT_FALSE(dec(view(encode_smb1_negotiate({}))).ok());
}

}  // namespace
}  // namespace lwsmb::proto::smb2
