// DCE/RPC PDU codec: round trips, fragmentation and hostile input.
#include "lwsmb/rpc/dcerpc_pdu.hpp"

#include <gtest/gtest.h>

#include <random>

#include "lwsmb/rpc/srvsvc.hpp"

namespace lwsmb::rpc {
namespace {

std::vector<std::byte> stub_of(size_t n) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(i * 7);
  return v;
}

void set16(std::vector<std::byte>& v, size_t at, uint16_t x) {
  v[at] = static_cast<std::byte>(x);
  v[at + 1] = static_cast<std::byte>(x >> 8);
}

TEST(DcerpcPdu, UuidParsesToWireOrderAndBack) {
  auto u = Uuid::parse("4b324fc8-1670-01d3-1278-5a47bf6ee188");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->bytes[0], std::byte{0xc8});  // time_low little-endian
  EXPECT_EQ(u->bytes[3], std::byte{0x4b});
  EXPECT_EQ(u->bytes[4], std::byte{0x70});
  EXPECT_EQ(u->bytes[8], std::byte{0x12});  // clock_seq as is
  EXPECT_EQ(u->to_string(), "4b324fc8-1670-01d3-1278-5a47bf6ee188");
  EXPECT_FALSE(Uuid::parse("4b324fc8-1670-01d3-1278-5a47bf6ee18"));
  EXPECT_FALSE(Uuid::parse("4b324fc8x1670-01d3-1278-5a47bf6ee188"));
  EXPECT_FALSE(Uuid::parse("zb324fc8-1670-01d3-1278-5a47bf6ee188"));
}

TEST(DcerpcPdu, BindRoundTrip) {
  BindPdu b;
  b.max_xmit_frag = 5840;
  b.max_recv_frag = 4280;
  b.assoc_group_id = 0x1234;
  b.contexts.push_back({0, srvsvc_syntax(), {ndr20_syntax()}});
  b.contexts.push_back({1, srvsvc_syntax(), {ndr64_syntax()}});
  b.contexts.push_back({2, srvsvc_syntax(), {bind_time_feature_syntax(3)}});
  auto pdu = encode_bind(PduType::Bind, 7, b);
  auto h = decode_pdu_header(pdu);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->type, PduType::Bind);
  EXPECT_EQ(h->call_id, 7u);
  EXPECT_EQ(h->frag_length, pdu.size());
  EXPECT_EQ(h->flags, pfc::kFirstFrag | pfc::kLastFrag);
  auto d = decode_bind(pdu);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->max_xmit_frag, 5840);
  EXPECT_EQ(d->max_recv_frag, 4280);
  EXPECT_EQ(d->assoc_group_id, 0x1234u);
  ASSERT_EQ(d->contexts.size(), 3u);
  EXPECT_EQ(d->contexts[0].abstract_syntax, srvsvc_syntax());
  EXPECT_EQ(d->contexts[1].transfer_syntaxes[0], ndr64_syntax());
  uint64_t features = 0;
  EXPECT_TRUE(is_bind_time_feature_syntax(d->contexts[2].transfer_syntaxes[0], &features));
  EXPECT_EQ(features, 3u);
  EXPECT_FALSE(is_bind_time_feature_syntax(ndr20_syntax()));
}

TEST(DcerpcPdu, BindAckRoundTripAlignsTheResultList) {
  BindAckPdu a;
  a.max_xmit_frag = 4280;
  a.max_recv_frag = 4280;
  a.assoc_group_id = 99;
  a.secondary_address = "\\PIPE\\srvsvc";  // 13 bytes with NUL: 2 pad bytes follow
  a.results.push_back({context_result::kAcceptance, 0, ndr20_syntax()});
  a.results.push_back(
      {context_result::kProviderRejection, context_reason::kTransferSyntaxesNotSupported, {}});
  auto pdu = encode_bind_ack(PduType::BindAck, 3, a);
  // header 16 + 8 + 2 + 13 -> 39, aligned to 40, + 4 + 2 * 24.
  EXPECT_EQ(pdu.size(), 40u + 4 + 48);
  auto d = decode_bind_ack(pdu);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->secondary_address, "\\PIPE\\srvsvc");
  ASSERT_EQ(d->results.size(), 2u);
  EXPECT_EQ(d->results[0].transfer_syntax, ndr20_syntax());
  EXPECT_EQ(d->results[1].reason, context_reason::kTransferSyntaxesNotSupported);
}

TEST(DcerpcPdu, RequestResponseFaultNakRoundTrips) {
  auto stub = stub_of(40);
  RequestPdu q;
  q.alloc_hint = 40;
  q.context_id = 1;
  q.opnum = 15;
  q.object = *Uuid::parse("01234567-89ab-cdef-0123-456789abcdef");
  q.stub = stub;
  auto pdu = encode_request(5, pfc::kFirstFrag | pfc::kLastFrag, q);
  auto dq = decode_request(pdu);
  ASSERT_TRUE(dq);
  EXPECT_EQ(dq->opnum, 15);
  EXPECT_EQ(dq->context_id, 1);
  ASSERT_TRUE(dq->object);
  EXPECT_EQ(dq->object->to_string(), "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_TRUE(std::equal(dq->stub.begin(), dq->stub.end(), stub.begin(), stub.end()));

  ResponsePdu p;
  p.alloc_hint = 40;
  p.context_id = 1;
  p.stub = stub;
  auto rp = decode_response(encode_response(5, pfc::kFirstFrag | pfc::kLastFrag, p));
  ASSERT_TRUE(rp);
  EXPECT_EQ(rp->stub.size(), 40u);

  auto f = decode_fault(encode_fault(5, pfc::kFirstFrag | pfc::kLastFrag, {0, 1, 0, 0x1c010002}));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, 0x1c010002u);
  auto nak =
      decode_bind_nak(encode_bind_nak(9, {bind_nak_reason::kAuthenticationTypeNotRecognized}));
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->reason, bind_nak_reason::kAuthenticationTypeNotRecognized);
}

TEST(DcerpcPdu, FragmentationSplitsOnEightByteBoundaries) {
  auto stub = stub_of(10000);
  auto frags = fragment_response(4, 0, stub, 1432);
  ASSERT_GT(frags.size(), 7u);
  std::vector<std::byte> joined;
  for (size_t i = 0; i < frags.size(); ++i) {
    auto h = decode_pdu_header(frags[i]);
    ASSERT_TRUE(h);
    EXPECT_LE(h->frag_length, 1432);
    EXPECT_EQ((h->flags & pfc::kFirstFrag) != 0, i == 0);
    EXPECT_EQ((h->flags & pfc::kLastFrag) != 0, i + 1 == frags.size());
    auto r = decode_response(frags[i]);
    ASSERT_TRUE(r);
    if (i + 1 < frags.size()) {
      EXPECT_EQ(r->stub.size() % 8, 0u);
    }
    EXPECT_EQ(r->alloc_hint, stub.size() - joined.size());
    joined.insert(joined.end(), r->stub.begin(), r->stub.end());
  }
  EXPECT_EQ(joined, stub);
  // An empty stub is still one fragment, first and last.
  auto one = fragment_request(1, 0, 0, {}, 4280);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0][3], std::byte{pfc::kFirstFrag | pfc::kLastFrag});
}

TEST(DcerpcPdu, HeaderChecks) {
  auto good = encode_fault(1, 3, {});
  EXPECT_TRUE(decode_pdu_header(good));
  // Truncated: fewer than 16 bytes, or fewer than frag_length.
  EXPECT_EQ(decode_pdu_header(std::span(good).first(15)).status(), NtStatus::BufferTooSmall);
  EXPECT_EQ(decode_pdu_header(std::span(good).first(good.size() - 1)).status(),
            NtStatus::BufferTooSmall);
  auto bad = good;
  bad[0] = std::byte{4};  // version
  EXPECT_EQ(decode_pdu_header(bad).status(), NtStatus::RpcProtocolError);
  bad = good;
  bad[4] = std::byte{0x00};  // big-endian data representation
  EXPECT_EQ(decode_pdu_header(bad).status(), NtStatus::RpcProtocolError);
  bad = good;
  set16(bad, 8, 10);  // frag_length shorter than the header
  EXPECT_EQ(decode_pdu_header(bad).status(), NtStatus::RpcProtocolError);
  bad = good;
  set16(bad, 10, 12);  // auth_length + trailer past the fragment
  EXPECT_EQ(decode_pdu_header(bad).status(), NtStatus::RpcProtocolError);
  bad = good;
  set16(bad, 10, 0xFFFF);
  EXPECT_EQ(decode_pdu_header(bad).status(), NtStatus::RpcProtocolError);
}

TEST(DcerpcPdu, CountsPastTheBodyAreRejected) {
  BindPdu b;
  b.contexts.push_back({0, srvsvc_syntax(), {ndr20_syntax()}});
  auto pdu = encode_bind(PduType::Bind, 1, b);
  auto bad = pdu;
  bad[24] = std::byte{5};  // n_context_elem: five, one present
  EXPECT_EQ(decode_bind(bad).status(), NtStatus::RpcProtocolError);
  bad = pdu;
  bad[30] = std::byte{200};  // n_transfer_syn of the first context
  EXPECT_EQ(decode_bind(bad).status(), NtStatus::RpcProtocolError);
  // A bind_ack whose secondary address length runs past the PDU.
  BindAckPdu a;
  a.secondary_address = "\\PIPE\\x";
  auto ack = encode_bind_ack(PduType::BindAck, 1, a);
  set16(ack, 24, 5000);
  EXPECT_EQ(decode_bind_ack(ack).status(), NtStatus::RpcProtocolError);
  // A request whose auth pad length is larger than its stub.
  auto stub = stub_of(8);
  RequestPdu q;
  q.stub = stub;
  auto req = encode_request(1, 3, q);
  std::vector<std::byte> trailer = {std::byte{10}, std::byte{2}, std::byte{200}, std::byte{0},
                                    std::byte{0},  std::byte{0}, std::byte{0},   std::byte{0}};
  req.insert(req.end(), trailer.begin(), trailer.end());
  req.insert(req.end(), 16, std::byte{0});  // a 16-byte "token"
  set16(req, 8, static_cast<uint16_t>(req.size()));
  set16(req, 10, 16);
  EXPECT_EQ(decode_request(req).status(), NtStatus::RpcProtocolError);
}

TEST(DcerpcPdu, GarbageNeverCrashes) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::byte> buf(rng() % 120);
    for (auto& b : buf) b = static_cast<std::byte>(rng());
    if (buf.size() >= 16 && (i % 2)) {
      buf[0] = std::byte{5};
      buf[1] = std::byte{0};
      buf[4] = std::byte{0x10};
      set16(buf, 8, static_cast<uint16_t>(rng() % (buf.size() + 8)));
      set16(buf, 10, static_cast<uint16_t>(rng() % 64));
    }
    (void)decode_pdu_header(buf);
    (void)decode_bind(buf);
    (void)decode_bind_ack(buf);
    (void)decode_bind_nak(buf);
    (void)decode_request(buf);
    (void)decode_response(buf);
    (void)decode_fault(buf);
  }
}

}  // namespace
}  // namespace lwsmb::rpc
