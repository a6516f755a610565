#include "lwsmb/rpc/rpc_client.hpp"

#include <algorithm>

namespace lwsmb::rpc {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxResponseStub = 16 * 1024 * 1024;

}  // namespace

Result<std::vector<std::byte>> RpcClient::next_pdu() {
  for (;;) {
    if (inbox_.size() >= kPduHeaderSize) {
      auto h = decode_pdu_header(inbox_);
      if (h) {
        std::vector<std::byte> pdu(inbox_.begin(), inbox_.begin() + h->frag_length);
        inbox_.erase(inbox_.begin(), inbox_.begin() + h->frag_length);
        return pdu;
      }
      if (h.status() != NtStatus::BufferTooSmall) return NtStatus::RpcProtocolError;
    }
    std::vector<std::byte> buf(kReadChunk);
    auto st = io_.read_file(pipe_, buf, 0);
    if (!nt_success(st.status) && st.status != NtStatus::BufferOverflow) return st.status;
    inbox_.insert(inbox_.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(st.information));
    if (inbox_.size() > 2 * 65536) return NtStatus::RpcProtocolError;
  }
}

Result<std::vector<std::byte>> RpcClient::send(std::span<const std::byte> pdu, bool expect_answer) {
  if (expect_answer && use_transceive_ && inbox_.empty()) {
    std::vector<std::byte> out(kReadChunk);
    auto st = io_.fs_control(pipe_, fsctl_pipe::kTransceive, pdu, out);
    if (!nt_success(st.status) && st.status != NtStatus::BufferOverflow) return st.status;
    inbox_.insert(inbox_.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(st.information));
    return next_pdu();
  }
  auto st = io_.write_file(pipe_, pdu, 0);
  if (!nt_success(st.status)) return st.status;
  if (!expect_answer) return std::vector<std::byte>{};
  return next_pdu();
}

NtStatus RpcClient::bind(const SyntaxId& abstract_syntax) {
  BindPdu b;
  b.max_xmit_frag = 4280;
  b.max_recv_frag = 4280;
  b.contexts.push_back({0, abstract_syntax, {ndr20_syntax()}});
  auto answer = send(encode_bind(PduType::Bind, next_call_id_++, b), true);
  if (!answer) return answer.status();
  auto h = decode_pdu_header(*answer);
  if (!h) return NtStatus::RpcProtocolError;
  if (h->type == PduType::BindNak) {
    auto nak = decode_bind_nak(*answer);
    nak_reason_ = nak ? nak->reason : 0;
    return NtStatus::RpcProtocolError;
  }
  if (h->type != PduType::BindAck) return NtStatus::RpcProtocolError;
  auto ack = decode_bind_ack(*answer);
  if (!ack || ack->results.size() != 1) return NtStatus::RpcProtocolError;
  if (ack->results[0].result != context_result::kAcceptance) return NtStatus::RpcUnknownIf;
  if (!(ack->results[0].transfer_syntax == ndr20_syntax())) return NtStatus::RpcProtocolError;
  max_xmit_ = std::max(kMinFragSize, std::min<uint16_t>(ack->max_recv_frag, 4280));
  max_recv_ = ack->max_xmit_frag;
  bound_ = true;
  return NtStatus::Success;
}

Result<std::vector<std::byte>> RpcClient::call(uint16_t opnum, std::span<const std::byte> stub) {
  if (!bound_) return NtStatus::InvalidDeviceState;
  const uint32_t call_id = next_call_id_++;
  auto frags = fragment_request(call_id, 0, opnum, stub, max_xmit_);
  Result<std::vector<std::byte>> answer = NtStatus::RpcProtocolError;
  for (size_t i = 0; i < frags.size(); ++i) {
    answer = send(frags[i], i + 1 == frags.size());
    if (!answer) return answer.status();
  }
  std::vector<std::byte> out;
  for (bool first = true;; first = false) {
    if (!first) {
      answer = next_pdu();
      if (!answer) return answer.status();
    }
    auto h = decode_pdu_header(*answer);
    if (!h || h->call_id != call_id) return NtStatus::RpcProtocolError;
    if (h->type == PduType::Fault) {
      auto f = decode_fault(*answer);
      last_fault_ = f ? f->status : fault::kProtocolError;
      return NtStatus::RpcCallFailed;
    }
    if (h->type != PduType::Response) return NtStatus::RpcProtocolError;
    if (first != ((h->flags & pfc::kFirstFrag) != 0)) return NtStatus::RpcProtocolError;
    auto r = decode_response(*answer);
    if (!r) return r.status();
    if (out.size() + r->stub.size() > kMaxResponseStub) return NtStatus::RpcProtocolError;
    out.insert(out.end(), r->stub.begin(), r->stub.end());
    if (h->flags & pfc::kLastFrag) return out;
  }
}

}  // namespace lwsmb::rpc
