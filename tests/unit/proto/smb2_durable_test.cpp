// Durable handle create contexts DHnQ, DHnC, DH2Q, DH2C (MS-SMB2 2.2.13.2.3/.4/.11/.12,
// 2.2.14.2.3/.12): layout, round trips, and truncated / oversized / garbage input.
#include <gtest/gtest.h>

#include <random>

#include "lwsmb/proto/smb2_durable.hpp"
#include "proto_test_util.hpp"
#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

uint32_t u32_at(const Bytes& b, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::to_integer<uint32_t>(b[off + i]) << (8 * i);
  return v;
}

TEST(Smb2Durable, V1RequestAndResponseAreZeroedReservedFields) {
  Bytes q = encode_durable_request();
  ASSERT_EQ(q.size(), 16u);
  for (auto b : q) EXPECT_EQ(b, std::byte{0});
  EXPECT_EQ(decode_durable_request(q), NtStatus::Success);
  Bytes r = encode_durable_response();
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(decode_durable_response(r), NtStatus::Success);
  // Reserved content is ignored, the size is not.
  EXPECT_EQ(decode_durable_request(pattern(16)), NtStatus::Success);
  EXPECT_NE(decode_durable_request(pattern(15)), NtStatus::Success);
  EXPECT_NE(decode_durable_request(pattern(17)), NtStatus::Success);
  EXPECT_NE(decode_durable_request({}), NtStatus::Success);
  EXPECT_NE(decode_durable_response(pattern(7)), NtStatus::Success);
  EXPECT_NE(decode_durable_response(pattern(9)), NtStatus::Success);
}

TEST(Smb2Durable, V1ReconnectCarriesTheFileId) {
  FileId id{0x1122334455667788ull, 0x99AABBCCDDEEFF00ull};
  Bytes c = encode_durable_reconnect(id);
  ASSERT_EQ(c.size(), 16u);
  EXPECT_EQ(c[0], std::byte{0x88});
  EXPECT_EQ(c[8], std::byte{0x00});
  EXPECT_EQ(c[15], std::byte{0x99});
  auto back = decode_durable_reconnect(c);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, id);
  EXPECT_FALSE(decode_durable_reconnect(std::span(c).first(15)));
  c.push_back(std::byte{0});
  EXPECT_FALSE(decode_durable_reconnect(c));
}

TEST(Smb2Durable, V2RequestLayout) {
  DurableV2Request q;
  q.timeout_ms = 60000;
  q.flags = durable_flag::kPersistent;
  q.create_guid = guid(0x42);
  Bytes b = encode_durable_v2_request(q);
  ASSERT_EQ(b.size(), 32u);
  EXPECT_EQ(u32_at(b, 0), 60000u);
  EXPECT_EQ(u32_at(b, 4), 2u);
  for (size_t i = 8; i < 16; ++i) EXPECT_EQ(b[i], std::byte{0}) << i;
  EXPECT_TRUE(std::equal(q.create_guid.begin(), q.create_guid.end(), b.begin() + 16));
  auto back = decode_durable_v2_request(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, q);
}

TEST(Smb2Durable, V2ResponseRoundTrip) {
  DurableV2Response r{120000, 0};
  Bytes b = encode_durable_v2_response(r);
  ASSERT_EQ(b.size(), 8u);
  auto back = decode_durable_v2_response(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(Smb2Durable, V2ReconnectLayout) {
  DurableV2Reconnect c;
  c.file_id = FileId{7, 9};
  c.create_guid = guid(0x10);
  c.flags = 0;
  Bytes b = encode_durable_v2_reconnect(c);
  ASSERT_EQ(b.size(), 36u);
  EXPECT_EQ(b[0], std::byte{7});
  EXPECT_EQ(b[8], std::byte{9});
  EXPECT_TRUE(std::equal(c.create_guid.begin(), c.create_guid.end(), b.begin() + 16));
  EXPECT_EQ(u32_at(b, 32), 0u);
  auto back = decode_durable_v2_reconnect(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
}

TEST(Smb2Durable, TruncatedAndOversizedAreRejected) {
  Bytes q = encode_durable_v2_request({});
  Bytes r = encode_durable_v2_response({});
  Bytes c = encode_durable_v2_reconnect({});
  for (size_t n = 0; n < q.size(); ++n)
    EXPECT_FALSE(decode_durable_v2_request(std::span(q).first(n)));
  for (size_t n = 0; n < r.size(); ++n) {
    EXPECT_FALSE(decode_durable_v2_response(std::span(r).first(n)));
  }
  for (size_t n = 0; n < c.size(); ++n) {
    EXPECT_FALSE(decode_durable_v2_reconnect(std::span(c).first(n)));
  }
  for (Bytes* b : {&q, &r, &c}) b->resize(b->size() + 8);
  EXPECT_FALSE(decode_durable_v2_request(q));
  EXPECT_FALSE(decode_durable_v2_response(r));
  EXPECT_FALSE(decode_durable_v2_reconnect(c));
  EXPECT_EQ(decode_durable_v2_request(q).status(), NtStatus::InvalidParameter);
}

TEST(Smb2Durable, GarbageNeverCrashesAndOnlyExactSizesDecode) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    const size_t n = rng() % 64;
    Bytes g = lwsmb::test::random_bytes(rng, n);
    EXPECT_EQ(static_cast<bool>(decode_durable_v2_request(g)), n == 32);
    EXPECT_EQ(static_cast<bool>(decode_durable_v2_response(g)), n == 8);
    EXPECT_EQ(static_cast<bool>(decode_durable_v2_reconnect(g)), n == 36);
    EXPECT_EQ(static_cast<bool>(decode_durable_reconnect(g)), n == 16);
    EXPECT_EQ(decode_durable_request(g) == NtStatus::Success, n == 16);
    EXPECT_EQ(decode_durable_response(g) == NtStatus::Success, n == 8);
    if (n == 32) {  // whatever the bytes, re-encoding gives them back (reserved aside)
      auto v = decode_durable_v2_request(g);
      Bytes again = encode_durable_v2_request(*v);
      EXPECT_TRUE(std::equal(g.begin(), g.begin() + 8, again.begin()));
      EXPECT_TRUE(std::equal(g.begin() + 16, g.end(), again.begin() + 16));
    }
  }
}

// The contexts travel inside a CREATE request's chain (2.2.13.2) unchanged.
TEST(Smb2Durable, ContextsSurviveTheCreateContextChain) {
  std::vector<CreateContext> list;
  DurableV2Reconnect c{FileId{1, 2}, guid(3), 0};
  list.push_back({create_context_tag::kDurableHandleReconnectV2, encode_durable_v2_reconnect(c)});
  list.push_back({create_context_tag::kDurableHandleRequest, encode_durable_request()});
  Bytes chain;
  encode_create_contexts(list, chain);
  auto back = decode_create_contexts(chain);
  ASSERT_TRUE(back);
  const auto* dh2c = find_create_context(*back, create_context_tag::kDurableHandleReconnectV2);
  ASSERT_NE(dh2c, nullptr);
  auto v = decode_durable_v2_reconnect(dh2c->data);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, c);
}

}  // namespace
}  // namespace lwsmb::proto::smb2
