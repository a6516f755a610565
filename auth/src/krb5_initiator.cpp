// Kerberos initiator over MIT GSSAPI (RFC 4121) for the rdr client: a ticket for cifs/HOST from
// a credential cache, mutual authentication, and the SSPI session key (MS-SMB2 3.2.5.3.1).
#include "gss_util.hpp"
#include "lwsmb/auth/kerberos.hpp"
#include "lwsmb/iocore/log.hpp"

namespace lwsmb::auth {

struct KerberosInitiator::State {
  KerberosInitiatorConfig cfg;
  gss::Cred cred;
  gss::Name target;
  gss::Context ctx;
  enum class Phase { Start, Continue, Done, Failed } phase = Phase::Start;
  std::vector<std::byte> key;
};

KerberosInitiator::KerberosInitiator(KerberosInitiatorConfig config)
    : s_(std::make_unique<State>()) {
  s_->cfg = std::move(config);
}
KerberosInitiator::~KerberosInitiator() = default;
KerberosInitiator::KerberosInitiator(KerberosInitiator&&) noexcept = default;
KerberosInitiator& KerberosInitiator::operator=(KerberosInitiator&&) noexcept = default;

bool KerberosInitiator::done() const {
  return s_ && s_->phase == State::Phase::Done;
}

const std::vector<std::byte>& KerberosInitiator::session_key() const {
  return s_->key;
}

Result<std::vector<std::byte>> KerberosInitiator::step(std::span<const std::byte> input) {
  if (!s_) return NtStatus::InvalidParameter;
  OM_uint32 minor = 0, major = 0;
  if (s_->phase == State::Phase::Start) {
    if (!input.empty() || s_->cfg.target_host.empty()) return NtStatus::InvalidParameter;
    std::string hbs = s_->cfg.service + "@" + s_->cfg.target_host;
    gss_buffer_desc nb{hbs.size(), hbs.data()};
    major = gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, s_->target.out());
    if (GSS_ERROR(major)) return NtStatus::InvalidParameter;
    gss_key_value_element_desc cc{"ccache", s_->cfg.ccache.c_str()};
    gss_key_value_set_desc store{1, &cc};
    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, gss::krb5_mech_set(),
                                  GSS_C_INITIATE, s_->cfg.ccache.empty() ? nullptr : &store,
                                  s_->cred.out(), nullptr, nullptr);
    if (GSS_ERROR(major)) {
      log::info("kerberos: no credentials: ", gss::status_text(major, minor));
      s_->phase = State::Phase::Failed;
      return NtStatus::LogonFailure;
    }
  } else if (s_->phase != State::Phase::Continue) {
    return NtStatus::InvalidParameter;
  }
  gss_buffer_desc in = gss::view(input);
  gss::OwnedBuffer out;
  OM_uint32 ret_flags = 0;
  const OM_uint32 want = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG |
                         GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG;
  major = gss_init_sec_context(
      &minor, s_->cred.get(), s_->ctx.out(), s_->target.get(), const_cast<gss_OID>(gss_mech_krb5),
      want, s_->cfg.lifetime_seconds ? s_->cfg.lifetime_seconds : GSS_C_INDEFINITE,
      GSS_C_NO_CHANNEL_BINDINGS, s_->phase == State::Phase::Start ? GSS_C_NO_BUFFER : &in, nullptr,
      out.get(), &ret_flags, nullptr);
  if (GSS_ERROR(major)) {
    log::info("kerberos: cannot authenticate to ", s_->cfg.service, "/", s_->cfg.target_host, ": ",
              gss::status_text(major, minor));
    s_->phase = State::Phase::Failed;
    return NtStatus::LogonFailure;
  }
  if (major & GSS_S_CONTINUE_NEEDED) {
    s_->phase = State::Phase::Continue;
    return out.bytes();
  }
  auto key = gss::session_key(s_->ctx.get());
  if (!key) {
    s_->phase = State::Phase::Failed;
    return key.status();
  }
  s_->key = std::move(*key);
  s_->phase = State::Phase::Done;
  return out.bytes();
}

Result<std::vector<std::byte>> KerberosInitiator::get_mic(std::span<const std::byte> message) {
  if (!done()) return NtStatus::InvalidParameter;
  return gss::get_mic(s_->ctx.get(), message);
}

bool KerberosInitiator::verify_mic(std::span<const std::byte> message,
                                   std::span<const std::byte> mic) {
  return done() && gss::verify_mic(s_->ctx.get(), message, mic);
}

}  // namespace lwsmb::auth
