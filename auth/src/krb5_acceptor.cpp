// Kerberos acceptor over MIT GSSAPI (RFC 4121): keytab credentials, AP-REQ in, AP-REP out, the
// client principal mapped to a local user and the SSPI session key for SMB (MS-SMB2 3.3.5.5.3).
#include <krb5.h>
#include <profile.h>

#include <algorithm>
#include <cctype>

#include "gss_util.hpp"
#include "lwsmb/auth/kerberos.hpp"
#include "lwsmb/iocore/log.hpp"

namespace lwsmb::auth {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A GSS token for krb5 starts with [APPLICATION 0] (RFC 2743 3.1); anything else is not ours.
bool looks_like_gss_token(std::span<const std::byte> t) {
  return t.size() >= 2 && t[0] == std::byte{0x60};
}

// MIT reports an acceptor context's lifetime as the ticket's end time plus the allowed clock
// skew ("clockskew" in krb5.conf, 300 s by default). Session expiry wants the end time itself.
uint32_t clock_skew_seconds() {
  krb5_context kctx = nullptr;
  if (krb5_init_context(&kctx) != 0) return 300;
  int skew = 300;
  profile_t profile = nullptr;
  if (krb5_get_profile(kctx, &profile) == 0) {
    profile_get_integer(profile, "libdefaults", "clockskew", nullptr, 300, &skew);
    profile_release(profile);
  }
  krb5_free_context(kctx);
  return skew > 0 ? static_cast<uint32_t>(skew) : 0;
}

}  // namespace

struct KerberosAcceptor::State {
  KerberosAcceptorConfig cfg;
  gss::Cred cred;
  gss::Context ctx;
  bool have_cred = false;
  bool done = false;
  bool failed = false;
};

KerberosAcceptor::KerberosAcceptor(KerberosAcceptorConfig config) : s_(std::make_unique<State>()) {
  s_->cfg = std::move(config);
}
KerberosAcceptor::~KerberosAcceptor() = default;
KerberosAcceptor::KerberosAcceptor(KerberosAcceptor&&) noexcept = default;
KerberosAcceptor& KerberosAcceptor::operator=(KerberosAcceptor&&) noexcept = default;

Result<KerberosAcceptor::Step> KerberosAcceptor::step(std::span<const std::byte> input) {
  if (!s_ || s_->done || s_->failed) return NtStatus::InvalidParameter;
  if (!looks_like_gss_token(input)) {
    s_->failed = true;
    return NtStatus::InvalidParameter;
  }
  OM_uint32 minor = 0, major = 0;
  if (!s_->have_cred) {
    // GSS_C_NO_NAME: any key in the keytab; the service is checked after acceptance.
    gss_key_value_element_desc kt{"keytab", s_->cfg.keytab.c_str()};
    gss_key_value_set_desc store{1, &kt};
    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, gss::krb5_mech_set(),
                                  GSS_C_ACCEPT, s_->cfg.keytab.empty() ? nullptr : &store,
                                  s_->cred.out(), nullptr, nullptr);
    if (GSS_ERROR(major)) {
      log::warning("kerberos: cannot use keytab '", s_->cfg.keytab,
                   "': ", gss::status_text(major, minor));
      s_->failed = true;
      return NtStatus::LogonFailure;
    }
    s_->have_cred = true;
  }
  gss_buffer_desc in = gss::view(input);
  gss::Name client;
  gss::OwnedBuffer out;
  OM_uint32 flags = 0;
  major =
      gss_accept_sec_context(&minor, s_->ctx.out(), s_->cred.get(), &in, GSS_C_NO_CHANNEL_BINDINGS,
                             client.out(), nullptr, out.get(), &flags, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    log::info("kerberos: ticket refused: ", gss::status_text(major, minor));
    s_->failed = true;
    // A token that is not even a Kerberos message is malformed; everything else is a logon
    // failure (bad key, expired, replayed, skew).
    return major == GSS_S_DEFECTIVE_TOKEN && minor == 0 ? NtStatus::InvalidParameter
                                                        : NtStatus::LogonFailure;
  }
  Step step;
  step.output = out.bytes();
  if (major & GSS_S_CONTINUE_NEEDED) return step;

  KerberosAuthResult r;
  r.principal = client.display();
  gss::Name target;
  OM_uint32 lifetime = 0;
  if (GSS_ERROR(gss_inquire_context(&minor, s_->ctx.get(), nullptr, target.out(), &lifetime,
                                    nullptr, nullptr, nullptr, nullptr))) {
    s_->failed = true;
    return NtStatus::LogonFailure;
  }
  r.service = target.display();
  if (!r.service.starts_with("cifs/")) {
    log::info("kerberos: ticket for '", r.service, "' is not for a cifs service");
    s_->failed = true;
    return NtStatus::LogonFailure;
  }
  // user@REALM with a single name component: "host/x@R" or "a/admin@R" are not plain users.
  auto at = r.principal.rfind('@');
  if (at == std::string::npos || at == 0) {
    s_->failed = true;
    return NtStatus::LogonFailure;
  }
  r.user = r.principal.substr(0, at);
  r.realm = r.principal.substr(at + 1);
  if (r.user.find('/') != std::string::npos ||
      (!s_->cfg.realm.empty() && !iequals(r.realm, s_->cfg.realm)) ||
      (s_->cfg.user_exists && !s_->cfg.user_exists(r.user))) {
    log::info("kerberos: principal '", r.principal, "' has no local account");
    s_->failed = true;
    return NtStatus::LogonFailure;
  }
  auto key = gss::session_key(s_->ctx.get());
  if (!key) {
    s_->failed = true;
    return key.status();
  }
  r.session_key = std::move(*key);
  if (lifetime != GSS_C_INDEFINITE) {
    const uint32_t skew = clock_skew_seconds();
    r.lifetime_seconds = lifetime > skew ? lifetime - skew : 0;
  }
  step.done = true;
  step.result = std::move(r);
  s_->done = true;
  return step;
}

Result<std::vector<std::byte>> KerberosAcceptor::get_mic(std::span<const std::byte> message) {
  if (!s_ || !s_->done) return NtStatus::InvalidParameter;
  return gss::get_mic(s_->ctx.get(), message);
}

bool KerberosAcceptor::verify_mic(std::span<const std::byte> message,
                                  std::span<const std::byte> mic) {
  return s_ && s_->done && gss::verify_mic(s_->ctx.get(), message, mic);
}

}  // namespace lwsmb::auth
