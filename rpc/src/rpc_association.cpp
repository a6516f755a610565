// One DCE/RPC association on a pipe: C706 12.6 and MS-RPCE 3.3.1.5 (bind, alter_context,
// request reassembly, response fragmentation, faults).
#include <algorithm>
#include <atomic>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/rpc/rpc_server.hpp"

namespace lwsmb::rpc {

namespace {

std::atomic<uint32_t> g_next_assoc_group{0x53f0};

std::vector<std::byte> fault_pdu(uint32_t call_id, uint16_t context_id, uint32_t status,
                                 bool did_not_execute) {
  FaultPdu f;
  f.context_id = context_id;
  f.status = status;
  uint8_t flags = pfc::kFirstFrag | pfc::kLastFrag | (did_not_execute ? pfc::kDidNotExecute : 0);
  return encode_fault(call_id, flags, f);
}

}  // namespace

void RpcInterfaceRegistry::add(std::shared_ptr<RpcInterface> iface) {
  interfaces_.push_back(std::move(iface));
}

std::shared_ptr<RpcInterface> RpcInterfaceRegistry::find(const SyntaxId& s) const {
  for (const auto& i : interfaces_) {
    auto mine = i->syntax();
    if (mine.uuid == s.uuid && mine.major == s.major && s.minor <= mine.minor) return i;
  }
  return nullptr;
}

bool RpcInterfaceRegistry::knows(const Uuid& uuid) const {
  return std::any_of(interfaces_.begin(), interfaces_.end(),
                     [&](const auto& i) { return i->syntax().uuid == uuid; });
}

RpcAssociation::RpcAssociation(std::shared_ptr<const RpcInterfaceRegistry> registry,
                               std::string secondary_address)
    : registry_(std::move(registry)), secondary_address_(std::move(secondary_address)) {}

bool RpcAssociation::on_message(std::span<const std::byte> message,
                                std::vector<std::vector<std::byte>>* out) {
  while (!message.empty()) {
    auto h = decode_pdu_header(message);
    if (!h) {
      // Unparseable, or a frag_length beyond the message: answer with a protocol-error fault
      // for whatever call id the bytes name, and end the connection (C706 12.6.3.7).
      auto peek = peek_pdu_header(message);
      log::debug("rpc: malformed PDU (", ntstatus_name(h.status()), ")");
      out->push_back(fault_pdu(peek ? peek->call_id : 0, 0, fault::kProtocolError, true));
      return false;
    }
    if (h->frag_length > kMaxFrag && h->frag_length > max_recv_) {
      out->push_back(fault_pdu(h->call_id, 0, fault::kProtocolError, true));
      return false;
    }
    if (!on_pdu(message.first(h->frag_length), *h, out)) return false;
    message = message.subspan(h->frag_length);
  }
  return true;
}

bool RpcAssociation::on_pdu(std::span<const std::byte> pdu, const PduHeader& h,
                            std::vector<std::vector<std::byte>>* out) {
  switch (h.type) {
    case PduType::Bind:
    case PduType::AlterContext:
      on_bind(pdu, h, out);
      return true;
    case PduType::Request:
      return on_request(pdu, h, out);
    case PduType::Auth3:
      return true;  // only in authenticated binds, which are refused anyway
    case PduType::CoCancel:
    case PduType::Orphaned:
      // The client gave up on the call being sent: drop it, say nothing (C706 12.6.4.6).
      if (in_call_ && h.call_id == call_id_) {
        in_call_ = false;
        call_stub_.clear();
      }
      return true;
    default:
      out->push_back(fault_pdu(h.call_id, 0, fault::kProtocolError, true));
      return false;
  }
}

void RpcAssociation::on_bind(std::span<const std::byte> pdu, const PduHeader& h,
                             std::vector<std::vector<std::byte>>* out) {
  const bool alter = h.type == PduType::AlterContext;
  auto b = decode_bind(pdu);
  auto nak = [&](uint16_t reason) {
    if (alter) {
      // There is no alter_context_nak: a fault answers (MS-RPCE 3.3.1.5.6).
      out->push_back(fault_pdu(h.call_id, 0, fault::kProtocolError, true));
    } else {
      out->push_back(encode_bind_nak(h.call_id, BindNakPdu{reason}));
    }
  };
  if (!b) {
    nak(bind_nak_reason::kNotSpecified);
    return;
  }
  if (!alter && bound()) {
    nak(bind_nak_reason::kNotSpecified);  // a second bind on one association
    return;
  }
  if (alter && !bound()) {
    nak(bind_nak_reason::kNotSpecified);
    return;
  }
  if (h.auth_length != 0) {
    // Only unauthenticated binds: the SMB session already authenticated the pipe's user.
    nak(bind_nak_reason::kAuthenticationTypeNotRecognized);
    return;
  }
  if (b->contexts.empty()) {
    nak(bind_nak_reason::kNotSpecified);
    return;
  }
  if (!alter) {
    if (b->max_xmit_frag < kMinFragSize || b->max_recv_frag < kMinFragSize) {
      nak(bind_nak_reason::kLocalLimitExceeded);
      return;
    }
    // We send at most what the client takes, and take at most what it sends (C706 12.6.3.4).
    max_xmit_ = std::min(b->max_recv_frag, kMaxFrag);
    max_recv_ = std::min(b->max_xmit_frag, kMaxFrag);
    assoc_group_ = b->assoc_group_id ? b->assoc_group_id : g_next_assoc_group.fetch_add(1);
  }
  BindAckPdu ack;
  ack.max_xmit_frag = max_xmit_;
  ack.max_recv_frag = max_recv_;
  ack.assoc_group_id = assoc_group_;
  if (!alter) ack.secondary_address = secondary_address_;
  for (const auto& c : b->contexts) {
    ContextResult r;
    r.result = context_result::kProviderRejection;
    uint64_t features = 0;
    bool negotiation =
        std::any_of(c.transfer_syntaxes.begin(), c.transfer_syntaxes.end(),
                    [&](const SyntaxId& t) { return is_bind_time_feature_syntax(t, &features); });
    auto iface = registry_->find(c.abstract_syntax);
    bool ndr20 = std::find(c.transfer_syntaxes.begin(), c.transfer_syntaxes.end(),
                           ndr20_syntax()) != c.transfer_syntaxes.end();
    if (negotiation) {
      // MS-RPCE 3.3.1.5.3: negotiate_ack, reason = the features we take. We keep the
      // connection when a call is orphaned anyway (0x2); security context multiplexing
      // (0x1) needs authentication, which we do not do.
      r.result = context_result::kNegotiateAck;
      r.reason = static_cast<uint16_t>(features & 0x2);
    } else if (!iface) {
      r.reason = context_reason::kAbstractSyntaxNotSupported;
    } else if (!ndr20) {
      r.reason = context_reason::kTransferSyntaxesNotSupported;  // NDR64 alone, say
    } else if (contexts_.count(c.context_id) && contexts_[c.context_id] != iface) {
      // A context id keeps its interface for the association's life.
      r.reason = context_reason::kNotSpecified;
    } else {
      r.result = context_result::kAcceptance;
      r.transfer_syntax = ndr20_syntax();
      contexts_[c.context_id] = iface;
    }
    ack.results.push_back(r);
  }
  out->push_back(
      encode_bind_ack(alter ? PduType::AlterContextResp : PduType::BindAck, h.call_id, ack));
}

bool RpcAssociation::on_request(std::span<const std::byte> pdu, const PduHeader& h,
                                std::vector<std::vector<std::byte>>* out) {
  if (!bound()) {
    out->push_back(fault_pdu(h.call_id, 0, fault::kProtocolError, true));
    return false;
  }
  auto q = decode_request(pdu);
  if (!q) {
    out->push_back(fault_pdu(h.call_id, 0, fault::kProtocolError, true));
    return false;
  }
  if (h.auth_length != 0) {
    in_call_ = false;
    call_stub_.clear();
    out->push_back(fault_pdu(h.call_id, q->context_id, fault::kAccessDenied, true));
    return true;
  }
  const bool first = h.flags & pfc::kFirstFrag;
  if (first) {
    if (in_call_) {
      // A new call while the last one is still arriving.
      in_call_ = false;
      call_stub_.clear();
      out->push_back(fault_pdu(h.call_id, q->context_id, fault::kProtocolError, true));
      return false;
    }
    in_call_ = true;
    call_id_ = h.call_id;
    call_context_ = q->context_id;
    call_opnum_ = q->opnum;
    call_stub_.clear();
  } else if (!in_call_ || h.call_id != call_id_ || q->context_id != call_context_) {
    in_call_ = false;
    call_stub_.clear();
    out->push_back(fault_pdu(h.call_id, q->context_id, fault::kProtocolError, true));
    return false;
  }
  if (call_stub_.size() + q->stub.size() > kMaxRequestStub) {
    in_call_ = false;
    call_stub_.clear();
    out->push_back(fault_pdu(h.call_id, q->context_id, fault::kRemoteNoMemory, true));
    return false;
  }
  call_stub_.insert(call_stub_.end(), q->stub.begin(), q->stub.end());
  if (h.flags & pfc::kLastFrag) run_call(out);
  return true;
}

void RpcAssociation::run_call(std::vector<std::vector<std::byte>>* out) {
  in_call_ = false;
  std::vector<std::byte> stub = std::move(call_stub_);
  call_stub_.clear();
  auto it = contexts_.find(call_context_);
  if (it == contexts_.end()) {
    out->push_back(fault_pdu(call_id_, call_context_, fault::kUnknownInterface, true));
    return;
  }
  NdrWriter w;
  uint32_t status = it->second->invoke(call_opnum_, stub, w);
  if (status != 0) {
    log::debug("rpc: ", it->second->name(), " opnum ", call_opnum_, " fault 0x", std::hex, status);
    out->push_back(fault_pdu(call_id_, call_context_, status,
                             status == fault::kOpRangeError || status == fault::kBadStubData));
    return;
  }
  for (auto& f : fragment_response(call_id_, call_context_, w.data(), max_xmit_)) {
    out->push_back(std::move(f));
  }
}

}  // namespace lwsmb::rpc
