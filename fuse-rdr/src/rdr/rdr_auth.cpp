#include "rdr/rdr_auth.hpp"

#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::fuse_rdr {

namespace {

std::u16string u16(const std::string& s) {
  return proto::fscc::utf8_to_utf16(s).value_or(std::u16string());
}

class NtlmAuthenticator : public RdrAuthenticator {
 public:
  explicit NtlmAuthenticator(const RdrCredentials& c)
      : anonymous_(c.user.empty()), spnego_(credentials(c), c.user.empty()) {}

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
  static auth::NtlmCredentials credentials(const RdrCredentials& c) {
    auth::NtlmCredentials n;
    n.user = u16(c.user);
    n.domain = u16(c.domain);
    n.workstation = u"LWSMB";
    n.password = u16(c.password);
    return n;
  }
  bool anonymous_;
  auth::SpnegoClient spnego_;
};

}  // namespace

std::unique_ptr<RdrAuthenticator> make_ntlm_authenticator(const RdrCredentials& credentials) {
  return std::make_unique<NtlmAuthenticator>(credentials);
}

std::unique_ptr<RdrAuthenticator> make_kerberos_authenticator(const RdrCredentials&,
                                                              const std::string&) {
  return nullptr;  // the GSSAPI client arrives with the Kerberos work in auth/
}

}  // namespace lwsmb::fuse_rdr
