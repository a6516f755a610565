// SPNEGO initiator over NTLMSSP (RFC 4178 5, MS-SPNG 3.1.5) for mount.lwsmb and the tests.
#include <algorithm>

#include "lwsmb/auth/spnego.hpp"

namespace lwsmb::auth {

using Bytes = std::vector<std::byte>;

struct SpnegoClient::State {
  NtlmClient ntlm;
  NtlmCredentials cred;
  bool anonymous = false;
  enum class Phase { Start, AwaitChallenge, AwaitFinal, Done } phase = Phase::Start;
  Bytes mech_types_der;
  bool sent_mic = false;
};

SpnegoClient::SpnegoClient(NtlmCredentials credentials, bool anonymous)
    : s_(std::make_unique<State>()) {
  s_->cred = std::move(credentials);
  s_->anonymous = anonymous;
}
SpnegoClient::~SpnegoClient() = default;
SpnegoClient::SpnegoClient(SpnegoClient&&) noexcept = default;
SpnegoClient& SpnegoClient::operator=(SpnegoClient&&) noexcept = default;

bool SpnegoClient::done() const {
  return s_->phase == State::Phase::Done;
}
const SessionKey& SpnegoClient::session_key() const {
  return s_->ntlm.session_key();
}

Result<std::vector<std::byte>> SpnegoClient::initial(std::span<const std::byte> server_hint) {
  if (s_->phase != State::Phase::Start) return NtStatus::InvalidParameter;
  if (!server_hint.empty()) {
    auto hint = parse_neg_token_init(server_hint);
    if (!hint) return hint.status();
    const auto& m = hint->mech_types;
    if (std::find(m.begin(), m.end(), oid_ntlmssp()) == m.end()) return NtStatus::NotSupported;
  }
  Bytes token = spnego_neg_token_init({oid_ntlmssp()}, s_->ntlm.negotiate());
  // Keep the MechTypeList exactly as encoded: the mechListMIC covers it.
  auto sent = parse_neg_token_init(token);
  if (!sent) return sent.status();
  s_->mech_types_der = std::move(sent->mech_types_der);
  s_->phase = State::Phase::AwaitChallenge;
  return token;
}

Result<std::vector<std::byte>> SpnegoClient::step(std::span<const std::byte> server_token) {
  auto resp = parse_neg_token_resp(server_token);
  if (!resp) return resp.status();
  if (resp->raw_ntlmssp || resp->neg_state == NegState::Reject) return kStatusLogonFailure;
  switch (s_->phase) {
    case State::Phase::AwaitChallenge: {
      s_->phase = State::Phase::AwaitFinal;
      if (!resp->response_token) return NtStatus::InvalidParameter;
      if (resp->supported_mech && *resp->supported_mech != oid_ntlmssp()) {
        return NtStatus::NotSupported;
      }
      auto auth = s_->anonymous ? s_->ntlm.authenticate_anonymous(*resp->response_token)
                                : s_->ntlm.authenticate(*resp->response_token, s_->cred);
      if (!auth) return auth.status();
      NegTokenResp r;
      r.response_token = std::move(*auth);
      if (NtlmSecurityContext* gss = s_->ntlm.security_context()) {
        auto mic = gss->get_mic(s_->mech_types_der);
        if (!mic) return mic.status();
        r.mech_list_mic = Bytes(mic->begin(), mic->end());
        s_->sent_mic = true;
      }
      return spnego_neg_token_resp(r);
    }
    case State::Phase::AwaitFinal: {
      s_->phase = State::Phase::Done;
      if (resp->neg_state != NegState::AcceptCompleted) return kStatusLogonFailure;
      NtlmSecurityContext* gss = s_->ntlm.security_context();
      if (resp->mech_list_mic && gss &&
          !gss->verify_mic(s_->mech_types_der, *resp->mech_list_mic)) {
        return kStatusLogonFailure;
      }
      return Bytes{};
    }
    default:
      return NtStatus::InvalidParameter;
  }
}

}  // namespace lwsmb::auth
