#include "rdr/rdr_auth.hpp"

#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::fuse_rdr {

namespace {

std::u16string u16(const std::string& s) {
  return proto::fscc::utf8_to_utf16(s).value_or(std::u16string());
}

auth::NtlmCredentials ntlm_credentials(const RdrCredentials& c) {
  auth::NtlmCredentials n;
  n.user = u16(c.user);
  n.domain = u16(c.domain);
  n.workstation = u"LWSMB";
  n.password = u16(c.password);
  return n;
}

class NtlmAuthenticator : public RdrAuthenticator {
 public:
  explicit NtlmAuthenticator(const RdrCredentials& c)
      : anonymous_(c.user.empty()), spnego_(ntlm_credentials(c), c.user.empty()) {}

  Result<std::vector<std::byte>> initial(std::span<const std::byte> hint) override {
    auto tok = spnego_.initial(hint);
    // A server hint that lists no NTLMSSP (a Kerberos-only hint) is not binding: offer it anyway.
    if (!tok) tok = spnego_.initial({});
    return tok;
  }
  Result<std::vector<std::byte>> step(std::span<const std::byte> token) override {
    return spnego_.step(token);
  }
  bool done() const override { return spnego_.done(); }
  std::vector<std::byte> session_key() const override {
    const auto& k = spnego_.session_key();
    return {k.begin(), k.end()};
  }
  bool anonymous() const override { return anonymous_; }

 private:
  bool anonymous_;
  auth::SpnegoClient spnego_;
};

// SPNEGO preferring krb5 (an AP-REQ for cifs/SERVER from the default credential cache,
// KRB5CCNAME) and, when credentials.ntlm allows it, falling back to NTLMSSP when there is no
// ticket or the server does not take krb5. Without the fallback, anything but a completed
// Kerberos exchange is STATUS_LOGON_FAILURE.
class KerberosAuthenticator : public RdrAuthenticator {
 public:
  KerberosAuthenticator(const RdrCredentials& c, const std::string& server)
      : fallback_(c.ntlm), spnego_(ntlm_credentials(c), false, krb5_config(c, server)) {}

  Result<std::vector<std::byte>> initial(std::span<const std::byte> hint) override {
    auto tok = spnego_.initial(hint);
    if (!tok && hint.empty()) return tok;
    if (!tok) tok = spnego_.initial({});  // a hint without krb5 is not binding either
    if (!tok) return tok;
    if (!spnego_.used_kerberos()) {
      if (!fallback_) {
        log::info("rdr: no Kerberos ticket for cifs/", server_name_,
                  " in the credential cache (kinit first), and NTLM fallback is off");
        return NtStatus::LogonFailure;
      }
      log::debug("rdr: no Kerberos ticket, falling back to NTLMSSP");
    }
    return tok;
  }
  Result<std::vector<std::byte>> step(std::span<const std::byte> token) override {
    auto out = spnego_.step(token);
    if (out && !spnego_.used_kerberos() && !fallback_) {
      log::info("rdr: the server chose NTLMSSP over Kerberos, and NTLM fallback is off");
      return NtStatus::LogonFailure;
    }
    return out;
  }
  bool done() const override { return spnego_.done(); }
  std::vector<std::byte> session_key() const override {
    const auto& k = spnego_.session_key();
    return {k.begin(), k.end()};
  }
  bool anonymous() const override { return false; }
  bool kerberos() const override { return spnego_.used_kerberos(); }

 private:
  auth::KerberosInitiatorConfig krb5_config(const RdrCredentials& c, const std::string& server) {
    server_name_ = server;
    auth::KerberosInitiatorConfig k;
    k.target_host = server;
    k.service = "cifs";
    k.ccache = c.ccache;
    return k;
  }
  std::string server_name_;
  bool fallback_;
  auth::SpnegoClient spnego_;
};

}  // namespace

std::unique_ptr<RdrAuthenticator> make_ntlm_authenticator(const RdrCredentials& credentials) {
  return std::make_unique<NtlmAuthenticator>(credentials);
}

std::unique_ptr<RdrAuthenticator> make_kerberos_authenticator(const RdrCredentials& credentials,
                                                              const std::string& server) {
  if (!credentials.kerberos || server.empty()) return nullptr;
  return std::make_unique<KerberosAuthenticator>(credentials, server);
}

}  // namespace lwsmb::fuse_rdr
