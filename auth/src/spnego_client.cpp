// SPNEGO initiator (RFC 4178 5, MS-SPNG 3.1.5) for mount.lwsmb and the tests: krb5 through
// GSSAPI first when configured and a ticket can be had, NTLMSSP otherwise or when the server
// picks it.
#include <algorithm>

#include "lwsmb/auth/spnego.hpp"

namespace lwsmb::auth {

using Bytes = std::vector<std::byte>;

namespace {

bool lists(const std::vector<Oid>& mechs, const Oid& o) {
  return std::find(mechs.begin(), mechs.end(), o) != mechs.end();
}

}  // namespace

struct SpnegoClient::State {
  NtlmClient ntlm;
  NtlmCredentials cred;
  bool anonymous = false;
  std::optional<KerberosInitiatorConfig> krb5_cfg;
  std::optional<KerberosInitiator> krb5;
  bool used_krb5 = false;
  enum class Phase { Start, AwaitKrb5, AwaitChallenge, AwaitFinal, Done } phase = Phase::Start;
  Bytes mech_types_der;
  Bytes key;
};

SpnegoClient::SpnegoClient(NtlmCredentials credentials, bool anonymous,
                           std::optional<KerberosInitiatorConfig> kerberos)
    : s_(std::make_unique<State>()) {
  s_->cred = std::move(credentials);
  s_->anonymous = anonymous;
  s_->krb5_cfg = std::move(kerberos);
}
SpnegoClient::~SpnegoClient() = default;
SpnegoClient::SpnegoClient(SpnegoClient&&) noexcept = default;
SpnegoClient& SpnegoClient::operator=(SpnegoClient&&) noexcept = default;

bool SpnegoClient::done() const {
  return s_->phase == State::Phase::Done;
}
const std::vector<std::byte>& SpnegoClient::session_key() const {
  return s_->key;
}
bool SpnegoClient::used_kerberos() const {
  return s_->used_krb5;
}

Result<std::vector<std::byte>> SpnegoClient::initial(std::span<const std::byte> server_hint) {
  if (s_->phase != State::Phase::Start) return NtStatus::InvalidParameter;
  bool server_ntlm = true, server_krb5 = true;
  if (!server_hint.empty()) {
    auto hint = parse_neg_token_init(server_hint);
    if (!hint) return hint.status();
    server_ntlm = lists(hint->mech_types, oid_ntlmssp());
    server_krb5 =
        lists(hint->mech_types, oid_kerberos5()) || lists(hint->mech_types, oid_ms_kerberos5());
  }
  Bytes token;
  if (s_->krb5_cfg && !s_->anonymous && server_krb5) {
    s_->krb5.emplace(*s_->krb5_cfg);
    auto ap_req = s_->krb5->step({});
    if (ap_req) {
      // Windows' order; NTLMSSP stays listed so the server may still pick it.
      token = spnego_neg_token_init({oid_ms_kerberos5(), oid_kerberos5(), oid_ntlmssp()}, *ap_req);
      s_->used_krb5 = true;
      s_->phase = State::Phase::AwaitKrb5;
    } else {
      s_->krb5.reset();  // no ticket: NTLMSSP
    }
  }
  if (!s_->used_krb5) {
    if (!server_ntlm) return NtStatus::NotSupported;
    token = spnego_neg_token_init({oid_ntlmssp()}, s_->ntlm.negotiate());
    s_->phase = State::Phase::AwaitChallenge;
  }
  // Keep the MechTypeList exactly as encoded: the mechListMIC covers it.
  auto sent = parse_neg_token_init(token);
  if (!sent) return sent.status();
  s_->mech_types_der = std::move(sent->mech_types_der);
  return token;
}

Result<std::vector<std::byte>> SpnegoClient::step(std::span<const std::byte> server_token) {
  auto resp = parse_neg_token_resp(server_token);
  if (!resp) return resp.status();
  if (resp->raw_ntlmssp || resp->neg_state == NegState::Reject) return kStatusLogonFailure;
  switch (s_->phase) {
    case State::Phase::AwaitKrb5: {
      if (resp->supported_mech && *resp->supported_mech == oid_ntlmssp()) {
        // The server chose NTLMSSP over our krb5: send its NEGOTIATE; the mechListMIC at the
        // end is then mandatory (RFC 4178 5).
        s_->used_krb5 = false;
        s_->krb5.reset();
        s_->phase = State::Phase::AwaitChallenge;
        NegTokenResp r;
        r.response_token = s_->ntlm.negotiate();
        return spnego_neg_token_resp(r);
      }
      s_->phase = State::Phase::Done;
      if (resp->neg_state != NegState::AcceptCompleted || !resp->response_token) {
        return kStatusLogonFailure;
      }
      auto more = s_->krb5->step(*resp->response_token);  // the AP-REP: mutual authentication
      if (!more) return more.status();
      if (!s_->krb5->done() || !more->empty()) return kStatusLogonFailure;
      if (resp->mech_list_mic && !s_->krb5->verify_mic(s_->mech_types_der, *resp->mech_list_mic)) {
        return kStatusLogonFailure;
      }
      s_->key = s_->krb5->session_key();
      return Bytes{};
    }
    case State::Phase::AwaitChallenge: {
      s_->phase = State::Phase::AwaitFinal;
      if (!resp->response_token) return NtStatus::InvalidParameter;
      if (resp->supported_mech && *resp->supported_mech != oid_ntlmssp()) {
        return NtStatus::NotSupported;
      }
      auto auth = s_->anonymous ? s_->ntlm.authenticate_anonymous(*resp->response_token)
                                : s_->ntlm.authenticate(*resp->response_token, s_->cred);
      if (!auth) return auth.status();
      const auto& k = s_->ntlm.session_key();
      s_->key.assign(k.begin(), k.end());
      NegTokenResp r;
      r.response_token = std::move(*auth);
      if (NtlmSecurityContext* gss = s_->ntlm.security_context()) {
        auto mic = gss->get_mic(s_->mech_types_der);
        if (!mic) return mic.status();
        r.mech_list_mic = Bytes(mic->begin(), mic->end());
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
