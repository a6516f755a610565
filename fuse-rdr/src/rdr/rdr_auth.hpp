// The security mechanism behind SESSION_SETUP (MS-SMB2 3.2.4.2.3, 3.2.5.3): SPNEGO tokens in,
// SPNEGO tokens out, a session key at the end: NTLMSSP, or Kerberos (GSSAPI) through
// make_kerberos_authenticator().
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb::fuse_rdr {

class RdrAuthenticator {
 public:
  virtual ~RdrAuthenticator() = default;
  // The first SESSION_SETUP token; server_hint is the NEGOTIATE response's security buffer.
  virtual Result<std::vector<std::byte>> initial(std::span<const std::byte> server_hint) = 0;
  // The server's token in (from STATUS_MORE_PROCESSING_REQUIRED, or the final success, which
  // carries the mechListMIC); the next token out (empty when there is nothing more to send).
  virtual Result<std::vector<std::byte>> step(std::span<const std::byte> server_token) = 0;
  virtual bool done() const = 0;
  // Session.FullSessionKey: 16 bytes for NTLM, up to 32 for Kerberos.
  virtual std::vector<std::byte> session_key() const = 0;
  // True for an anonymous logon (no key, no signing).
  virtual bool anonymous() const = 0;
  // True when Kerberos logged on: the session then ends with the ticket and is re-authenticated.
  virtual bool kerberos() const { return false; }
};

// SPNEGO over NTLMSSP (auth::SpnegoClient); anonymous when the user name is empty.
std::unique_ptr<RdrAuthenticator> make_ntlm_authenticator(const RdrCredentials& credentials);

// sec=krb5 (credentials.kerberos): SPNEGO offering {MS-krb5, krb5, NTLMSSP} with an AP-REQ for
// cifs/SERVER from credentials.ccache (default: KRB5CCNAME). Without a ticket, or when the server
// picks NTLMSSP, it continues with NTLMSSP if credentials.ntlm allows it and otherwise fails
// with STATUS_LOGON_FAILURE. nullptr when credentials.kerberos is not set.
std::unique_ptr<RdrAuthenticator> make_kerberos_authenticator(const RdrCredentials& credentials,
                                                              const std::string& server);

}  // namespace lwsmb::fuse_rdr
