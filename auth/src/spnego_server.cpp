// SPNEGO acceptor over NTLMSSP and krb5 for SMB2 SESSION_SETUP (RFC 4178 5, MS-SPNG 3.2.5).
#include <algorithm>

#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::auth {

using Bytes = std::vector<std::byte>;

namespace {

AuthResult from_ntlm(NtlmAuthResult r) {
  AuthResult a;
  a.user = std::move(r.user);
  a.domain = std::move(r.domain);
  a.workstation = std::move(r.workstation);
  a.guest = r.guest;
  a.anonymous = r.anonymous;
  a.session_key.assign(r.session_key.begin(), r.session_key.end());
  return a;
}

AuthResult from_kerberos(KerberosAuthResult r) {
  AuthResult a;
  a.user = proto::fscc::utf8_to_utf16(r.user).value_or(u"");
  a.domain = proto::fscc::utf8_to_utf16(r.realm).value_or(u"");
  a.session_key = std::move(r.session_key);
  a.kerberos = true;
  a.lifetime_seconds = r.lifetime_seconds;
  return a;
}

bool is_krb5(const Oid& o) {
  return o == oid_kerberos5() || o == oid_ms_kerberos5();
}

}  // namespace

struct SpnegoServer::State {
  State(NtlmServerConfig cfg, std::optional<KerberosAcceptorConfig> k) : ntlm(std::move(cfg)) {
    if (k) krb5.emplace(std::move(*k));
  }
  NtlmServer ntlm;
  std::optional<KerberosAcceptor> krb5;
  enum class Phase { Start, AwaitNegotiate, AwaitAuthenticate, Done } phase = Phase::Start;
  bool raw = false;           // bare NTLMSSP, no SPNEGO framing
  bool mic_required = false;  // NTLMSSP was not the initiator's first choice (RFC 4178 5)
  Bytes mech_types_der;
};

SpnegoServer::SpnegoServer(NtlmServerConfig config, std::optional<KerberosAcceptorConfig> kerberos)
    : s_(std::make_unique<State>(std::move(config), std::move(kerberos))) {}
SpnegoServer::~SpnegoServer() = default;
SpnegoServer::SpnegoServer(SpnegoServer&&) noexcept = default;
SpnegoServer& SpnegoServer::operator=(SpnegoServer&&) noexcept = default;

std::vector<std::byte> SpnegoServer::negotiate_token(bool kerberos) {
  if (kerberos) return spnego_neg_token_init({oid_ms_kerberos5(), oid_kerberos5(), oid_ntlmssp()});
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
      if (s_->krb5 && !mechs.empty() && is_krb5(mechs.front()) && init->mech_token) {
        // The AP-REQ came as the optimistic token of the client's first choice.
        auto k = s_->krb5->step(*init->mech_token);
        if (!k) return k.status();
        if (!k->done) return kStatusLogonFailure;  // multi-leg krb5 (DCE style) is not spoken
        NegTokenResp resp;
        resp.neg_state = NegState::AcceptCompleted;
        resp.supported_mech = mechs.front();
        resp.response_token = std::move(k->output);
        // A client mechListMIC is optional here (krb5 was its first choice) but checked if sent.
        if (init->mech_list_mic &&
            !s_->krb5->verify_mic(init->mech_types_der, *init->mech_list_mic)) {
          return kStatusLogonFailure;
        }
        s_->phase = State::Phase::Done;
        out.output = spnego_neg_token_resp(resp);
        out.done = true;
        out.result = from_kerberos(std::move(*k->result));
        return out;
      }
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
        out.result = from_ntlm(std::move(*result));
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
      out.result = from_ntlm(std::move(*result));
      return out;
    }
    case State::Phase::Done:
      break;
  }
  return NtStatus::InvalidParameter;
}

}  // namespace lwsmb::auth
