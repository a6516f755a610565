// The server side of an association: bind negotiation, reassembly, fragmentation and the
// answers to malformed PDUs.
#include <gtest/gtest.h>

#include <random>

#include "lwsmb/rpc/rpc_server.hpp"
#include "lwsmb/rpc/srvsvc.hpp"

namespace lwsmb::rpc {
namespace {

// Echoes its stub (opnum 1) or faults (any other opnum).
class EchoInterface : public RpcInterface {
 public:
  SyntaxId syntax() const override {
    return {*Uuid::parse("12345678-1234-abcd-ef00-0123456789ab"), 1, 2};
  }
  std::string_view name() const override { return "echo"; }
  uint32_t invoke(uint16_t opnum, std::span<const std::byte> in, NdrWriter& out) override {
    if (opnum != 1) return fault::kOpRangeError;
    out.bytes(in);
    return 0;
  }
};

using Pdus = std::vector<std::vector<std::byte>>;

class Association : public ::testing::Test {
 protected:
  Association() {
    auto reg = std::make_shared<RpcInterfaceRegistry>();
    reg->add(std::make_shared<EchoInterface>());
    auto info = std::make_shared<RpcServerInfo>();
    reg->add(make_srvsvc_interface(info));
    registry_ = reg;
    assoc_ = std::make_unique<RpcAssociation>(registry_, "\\PIPE\\echo");
  }

  Pdus send(std::span<const std::byte> msg, bool* keep = nullptr) {
    Pdus out;
    bool k = assoc_->on_message(msg, &out);
    if (keep) *keep = k;
    return out;
  }

  BindAckPdu bind_ok(std::vector<PresentationContext> ctxs, uint16_t max_recv = 4280) {
    BindPdu b;
    b.max_recv_frag = max_recv;
    b.contexts = std::move(ctxs);
    auto out = send(encode_bind(PduType::Bind, 1, b));
    EXPECT_EQ(out.size(), 1u);
    auto h = decode_pdu_header(out.at(0));
    EXPECT_TRUE(h);
    EXPECT_EQ(h->type, PduType::BindAck);
    auto ack = decode_bind_ack(out[0]);
    EXPECT_TRUE(ack);
    return *ack;
  }

  static SyntaxId echo() { return EchoInterface().syntax(); }

  static uint32_t fault_status(const std::vector<std::byte>& pdu) {
    auto h = decode_pdu_header(pdu);
    EXPECT_TRUE(h && h->type == PduType::Fault);
    auto f = decode_fault(pdu);
    return f ? f->status : 0;
  }

  std::shared_ptr<const RpcInterfaceRegistry> registry_;
  std::unique_ptr<RpcAssociation> assoc_;
};

TEST_F(Association, BindNegotiatesLikeWindows) {
  // What Windows clients send: NDR20, NDR64, and the bind-time feature negotiation.
  auto ack = bind_ok({{0, echo(), {ndr20_syntax()}},
                      {1, echo(), {ndr64_syntax()}},
                      {2, echo(), {bind_time_feature_syntax(3)}}});
  EXPECT_EQ(ack.secondary_address, "\\PIPE\\echo");
  EXPECT_NE(ack.assoc_group_id, 0u);
  EXPECT_EQ(ack.max_xmit_frag, 4280);
  ASSERT_EQ(ack.results.size(), 3u);
  EXPECT_EQ(ack.results[0].result, context_result::kAcceptance);
  EXPECT_EQ(ack.results[0].transfer_syntax, ndr20_syntax());
  EXPECT_EQ(ack.results[1].result, context_result::kProviderRejection);
  EXPECT_EQ(ack.results[1].reason, context_reason::kTransferSyntaxesNotSupported);
  EXPECT_EQ(ack.results[1].transfer_syntax, SyntaxId{});
  EXPECT_EQ(ack.results[2].result, context_result::kNegotiateAck);
  EXPECT_EQ(ack.results[2].reason, 2);  // keep connection on orphan; no multiplexing
}

TEST_F(Association, UnknownInterfaceIsRejectedAndCallsFault) {
  SyntaxId unknown{*Uuid::parse("00000000-1111-2222-3333-444444444444"), 1, 0};
  auto ack = bind_ok({{0, unknown, {ndr20_syntax()}}});
  ASSERT_EQ(ack.results.size(), 1u);
  EXPECT_EQ(ack.results[0].result, context_result::kProviderRejection);
  EXPECT_EQ(ack.results[0].reason, context_reason::kAbstractSyntaxNotSupported);
  // Nothing was bound: a request is a protocol error.
  bool keep = true;
  auto out = send(encode_request(2, 3, RequestPdu{0, 0, 1, std::nullopt, {}}), &keep);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(fault_status(out[0]), fault::kProtocolError);
  EXPECT_FALSE(keep);
}

TEST_F(Association, VersionRules) {
  // Same major, lower minor: fine. Higher minor or other major: not supported.
  SyntaxId older = echo();
  older.minor = 1;
  SyntaxId newer = echo();
  newer.minor = 3;
  SyntaxId other = echo();
  other.major = 2;
  auto ack = bind_ok(
      {{0, older, {ndr20_syntax()}}, {1, newer, {ndr20_syntax()}}, {2, other, {ndr20_syntax()}}});
  EXPECT_EQ(ack.results[0].result, context_result::kAcceptance);
  EXPECT_EQ(ack.results[1].reason, context_reason::kAbstractSyntaxNotSupported);
  EXPECT_EQ(ack.results[2].reason, context_reason::kAbstractSyntaxNotSupported);
}

TEST_F(Association, BindNakCases) {
  BindPdu b;
  b.contexts.push_back({0, echo(), {ndr20_syntax()}});
  // With an auth verifier: not supported.
  auto pdu = encode_bind(PduType::Bind, 1, b);
  std::vector<std::byte> trailer(8 + 16, std::byte{0});
  trailer[0] = std::byte{10};  // NTLMSSP
  pdu.insert(pdu.end(), trailer.begin(), trailer.end());
  pdu[8] = static_cast<std::byte>(pdu.size());
  pdu[10] = std::byte{16};
  auto out = send(pdu);
  ASSERT_EQ(out.size(), 1u);
  auto nak = decode_bind_nak(out[0]);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->reason, bind_nak_reason::kAuthenticationTypeNotRecognized);
  // Fragments too small for anyone.
  b.max_recv_frag = 100;
  out = send(encode_bind(PduType::Bind, 2, b));
  ASSERT_TRUE(decode_bind_nak(out.at(0)));
  // No contexts at all.
  BindPdu empty;
  out = send(encode_bind(PduType::Bind, 3, empty));
  ASSERT_TRUE(decode_bind_nak(out.at(0)));
  // A good bind, then a second bind on the same association.
  bind_ok({{0, echo(), {ndr20_syntax()}}});
  b.max_recv_frag = 4280;
  out = send(encode_bind(PduType::Bind, 5, b));
  EXPECT_EQ(decode_pdu_header(out.at(0))->type, PduType::BindNak);
}

TEST_F(Association, AlterContextAddsAnInterface) {
  bind_ok({{0, echo(), {ndr20_syntax()}}});
  BindPdu alter;
  alter.contexts.push_back({1, srvsvc_syntax(), {ndr20_syntax()}});
  auto out = send(encode_bind(PduType::AlterContext, 2, alter));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(decode_pdu_header(out[0])->type, PduType::AlterContextResp);
  auto ack = decode_bind_ack(out[0]);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->results.at(0).result, context_result::kAcceptance);
  auto stub = encode_server_get_info_request("x", 100);
  out = send(encode_request(3, 3, RequestPdu{0, 1, srvsvc_opnum::kNetrServerGetInfo, {}, stub}));
  ASSERT_EQ(decode_pdu_header(out.at(0))->type, PduType::Response);
}

TEST_F(Association, RequestFragmentsAreReassembledAndResponsesFragmented) {
  auto ack = bind_ok({{0, echo(), {ndr20_syntax()}}}, 2048);
  EXPECT_EQ(ack.max_xmit_frag, 2048);
  std::vector<std::byte> stub(9000);
  for (size_t i = 0; i < stub.size(); ++i) stub[i] = static_cast<std::byte>(i * 13);
  auto frags = fragment_request(7, 0, 1, stub, 1432);
  ASSERT_GT(frags.size(), 5u);
  Pdus out;
  for (size_t i = 0; i < frags.size(); ++i) {
    bool keep = false;
    out = send(frags[i], &keep);
    EXPECT_TRUE(keep);
    if (i + 1 < frags.size()) {
      EXPECT_TRUE(out.empty());
    }
  }
  ASSERT_GT(out.size(), 4u);
  std::vector<std::byte> joined;
  for (size_t i = 0; i < out.size(); ++i) {
    auto h = decode_pdu_header(out[i]);
    ASSERT_TRUE(h);
    EXPECT_LE(h->frag_length, 2048);
    EXPECT_EQ(h->call_id, 7u);
    EXPECT_EQ((h->flags & pfc::kLastFrag) != 0, i + 1 == out.size());
    auto r = decode_response(out[i]);
    ASSERT_TRUE(r);
    joined.insert(joined.end(), r->stub.begin(), r->stub.end());
  }
  EXPECT_EQ(joined, stub);
  // Two PDUs in one pipe message are both answered.
  auto a = encode_request(8, 3, RequestPdu{0, 0, 1, {}, std::span(stub).first(8)});
  auto b = encode_request(9, 3, RequestPdu{0, 0, 1, {}, std::span(stub).first(16)});
  a.insert(a.end(), b.begin(), b.end());
  out = send(a);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(decode_pdu_header(out[1])->call_id, 9u);
}

TEST_F(Association, FaultsForBadCalls) {
  bind_ok({{0, echo(), {ndr20_syntax()}}, {1, srvsvc_syntax(), {ndr20_syntax()}}});
  // Unknown opnum.
  auto out = send(encode_request(2, 3, RequestPdu{0, 0, 99, {}, {}}));
  EXPECT_EQ(fault_status(out.at(0)), fault::kOpRangeError);
  // Unknown context id.
  out = send(encode_request(3, 3, RequestPdu{0, 7, 1, {}, {}}));
  EXPECT_EQ(fault_status(out.at(0)), fault::kUnknownInterface);
  // A stub whose string count runs past the buffer.
  std::vector<std::byte> stub = {std::byte{1},    std::byte{0},    std::byte{2}, std::byte{0},
                                 std::byte{0xFF}, std::byte{0xFF}, std::byte{0}, std::byte{0},
                                 std::byte{0},    std::byte{0},    std::byte{0}, std::byte{0},
                                 std::byte{0xFF}, std::byte{0xFF}, std::byte{0}, std::byte{0}};
  bool keep = false;
  out = send(encode_request(4, 3, RequestPdu{0, 1, srvsvc_opnum::kNetrShareEnum, {}, stub}), &keep);
  EXPECT_EQ(fault_status(out.at(0)), fault::kBadStubData);
  EXPECT_TRUE(keep);
  // A middle fragment with no call in progress: protocol error, connection ends.
  out = send(encode_request(5, 0, RequestPdu{0, 0, 1, {}, {}}), &keep);
  EXPECT_EQ(fault_status(out.at(0)), fault::kProtocolError);
  EXPECT_FALSE(keep);
}

TEST_F(Association, MalformedPdusGetAFaultAndEndTheConnection) {
  bind_ok({{0, echo(), {ndr20_syntax()}}});
  auto good = encode_request(6, 3, RequestPdu{0, 0, 1, {}, {}});
  // frag_length beyond the message.
  auto bad = good;
  bad[8] = std::byte{200};
  bool keep = true;
  auto out = send(bad, &keep);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(fault_status(out[0]), fault::kProtocolError);
  EXPECT_EQ(decode_pdu_header(out[0])->call_id, 6u);
  EXPECT_FALSE(keep);
  // An auth_length that lies.
  bad = good;
  bad[10] = std::byte{100};
  out = send(bad, &keep);
  EXPECT_EQ(fault_status(out.at(0)), fault::kProtocolError);
  EXPECT_FALSE(keep);
  // Fewer than 16 bytes.
  out = send(std::span(good).first(10), &keep);
  EXPECT_EQ(fault_status(out.at(0)), fault::kProtocolError);
  // An unknown PDU type.
  bad = good;
  bad[2] = std::byte{42};
  out = send(bad, &keep);
  EXPECT_EQ(fault_status(out.at(0)), fault::kProtocolError);
  EXPECT_FALSE(keep);
}

TEST_F(Association, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  BindPdu b;
  b.contexts.push_back({0, echo(), {ndr20_syntax()}});
  auto bind = encode_bind(PduType::Bind, 1, b);
  auto req = encode_request(2, 3, RequestPdu{0, 0, 1, {}, bind});
  for (int i = 0; i < 3000; ++i) {
    auto msg = (i % 2) ? bind : req;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) msg[rng() % msg.size()] = static_cast<std::byte>(rng());
    msg.resize(rng() % (msg.size() + 1));
    RpcAssociation a(registry_, "\\PIPE\\echo");
    Pdus out;
    a.on_message(bind, &out);
    a.on_message(msg, &out);
  }
}

}  // namespace
}  // namespace lwsmb::rpc
