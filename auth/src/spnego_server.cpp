// SPNEGO acceptor over NTLMSSP for SMB2 SESSION_SETUP (RFC 4178 5, MS-SPNG 3.2.5).
#include <algorithm>

#include "lwsmb/auth/spnego.hpp"

namespace lwsmb::auth {

using Bytes = std::vector<std::byte>;

struct SpnegoServer::State {
  explicit State(NtlmServerConfig cfg) : ntlm(std::move(cfg)) {}
  NtlmServer ntlm;
  enum class Phase { Start, AwaitNegotiate, AwaitAuthenticate, Done } phase = Phase::Start;
  bool raw = false;           // bare NTLMSSP, no SPNEGO framing
  bool mic_required = false;  // NTLMSSP was not the initiator's first choice (RFC 4178 5)
  Bytes mech_types_der;
};

SpnegoServer::SpnegoServer(NtlmServerConfig config)
    : s_(std::make_unique<State>(std::move(config))) {}
SpnegoServer::~SpnegoServer() = default;
SpnegoServer::SpnegoServer(SpnegoServer&&) noexcept = default;
SpnegoServer& SpnegoServer::operator=(SpnegoServer&&) noexcept = default;

std::vector<std::byte> SpnegoServer::negotiate_token() {
  return spnego_neg_token_init({oid_ntlmssp()});
}

Result<SpnegoServer::Step> SpnegoServer::step(std::span<const std::byte> input) {
  if (!s_) return NtStatus::InvalidParameter;
  Step out;
  switch (s_->phase) {
    case State::Phase::Start: {
      auto init = parse_neg_token_init(input);
      if (!init) return init.status();
      s_->raw = init->raw_ntlmssp;
      if (s_->raw) {
        auto ch = s_->ntlm.challenge(*init->mech_token);
        if (!ch) return ch.status();
        out.output = std::move(*ch);
        s_->phase = State::Phase::AwaitAuthenticate;
        return out;
      }
      const auto& mechs = init->mech_types;
      if (std::find(mechs.begin(), mechs.end(), oid_ntlmssp()) == mechs.end()) {
        return kStatusLogonFailure;
      }
      s_->mech_types_der = init->mech_types_der;
      s_->mic_required = mechs.front() != oid_ntlmssp();
      NegTokenResp resp;
      resp.supported_mech = oid_ntlmssp();
      if (!s_->mic_required && init->mech_token) {
        // The optimistic token is NTLMSSP's NEGOTIATE: answer with the CHALLENGE.
        auto ch = s_->ntlm.challenge(*init->mech_token);
        if (!ch) return ch.status();
        resp.neg_state = NegState::AcceptIncomplete;
        resp.response_token = std::move(*ch);
        s_->phase = State::Phase::AwaitAuthenticate;
      } else {
        // Another mech's optimistic token (or none): select NTLMSSP and wait for its NEGOTIATE.
        resp.neg_state = s_->mic_required ? NegState::RequestMic : NegState::AcceptIncomplete;
        s_->phase = State::Phase::AwaitNegotiate;
      }
      out.output = spnego_neg_token_resp(resp);
      return out;
    }
    case State::Phase::AwaitNegotiate: {
      auto resp = parse_neg_token_resp(input);
      if (!resp) return resp.status();
      if (!resp->response_token || resp->raw_ntlmssp) return NtStatus::InvalidParameter;
      auto ch = s_->ntlm.challenge(*resp->response_token);
      if (!ch) return ch.status();
      NegTokenResp r;
      r.neg_state = NegState::AcceptIncomplete;
      r.response_token = std::move(*ch);
      out.output = spnego_neg_token_resp(r);
      s_->phase = State::Phase::AwaitAuthenticate;
      return out;
    }
    case State::Phase::AwaitAuthenticate: {
      s_->phase = State::Phase::Done;
      auto resp = parse_neg_token_resp(input);
      if (!resp) return resp.status();
      if (!resp->response_token || resp->raw_ntlmssp != s_->raw) return NtStatus::InvalidParameter;
      auto result = s_->ntlm.authenticate(*resp->response_token);
      if (!result) return result.status();
      out.done = true;
      if (s_->raw) {
        out.result = std::move(*result);
        return out;
      }
      // mechListMIC (RFC 4178 5, MS-SPNG 3.3.5.1): verify the initiator's when sent, and answer
      // with ours; it is mandatory when NTLMSSP was not the initiator's first choice. Guest and
      // anonymous logons have no key to MIC with.
      NegTokenResp r;
      r.neg_state = NegState::AcceptCompleted;
      NtlmSecurityContext* gss = s_->ntlm.security_context();
      if (resp->mech_list_mic && gss) {
        if (!gss->verify_mic(s_->mech_types_der, *resp->mech_list_mic)) {
          return kStatusLogonFailure;
        }
        auto mic = gss->get_mic(s_->mech_types_der);
        if (!mic) return mic.status();
        r.mech_list_mic = Bytes(mic->begin(), mic->end());
      } else if (s_->mic_required && gss) {
        return kStatusLogonFailure;
      }
      out.output = spnego_neg_token_resp(r);
      out.result = std::move(*result);
      return out;
    }
    case State::Phase::Done:
      break;
  }
  return NtStatus::InvalidParameter;
}

}  // namespace lwsmb::auth
