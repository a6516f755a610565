// Kerberos 5 for SMB through MIT GSSAPI (RFC 4121): the acceptor lwserver runs inside SPNEGO and
// the initiator the rdr client uses. The GSS tokens are what SPNEGO carries as mechToken /
// responseToken (the RFC 2743 InitialContextToken with the krb5 OID around the AP-REQ).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth {

struct KerberosAcceptorConfig {
  // Keytab file with the service keys; empty: the default keytab (KRB5_KTNAME or krb5.conf).
  // Any service principal in it is accepted as long as it is cifs/* (MS-SMB2 3.3.5.5.3 leaves
  // the name to the server; clients ask for cifs/HOST).
  std::string keytab;
  // Client principals must be in this realm (case-insensitive); empty: any realm.
  std::string realm;
  // Decides whether the local account exists (user@REALM maps to "user"); unset: every user.
  std::function<bool(std::string_view user)> user_exists;
};

struct KerberosAuthResult {
  std::string user;       // the principal's single name component, e.g. "alice"
  std::string realm;      // e.g. "EXAMPLE.COM"
  std::string principal;  // "alice@EXAMPLE.COM"
  std::string service;    // the ticket's server principal, e.g. "cifs/host@EXAMPLE.COM"
  // GSS_C_INQ_SSPI_SESSION_KEY: the context's (sub)session key, 16 or 32 bytes for AES.
  std::vector<std::byte> session_key;
  // Seconds the context (the ticket) stays valid from acceptance; nullopt: no limit given.
  std::optional<uint32_t> lifetime_seconds;
};

class KerberosAcceptor {
 public:
  struct Step {
    std::vector<std::byte> output;  // AP-REP (mutual authentication) or empty
    bool done = false;
    std::optional<KerberosAuthResult> result;  // set when done
  };

  explicit KerberosAcceptor(KerberosAcceptorConfig config);
  ~KerberosAcceptor();
  KerberosAcceptor(KerberosAcceptor&&) noexcept;
  KerberosAcceptor& operator=(KerberosAcceptor&&) noexcept;

  // One initiator token in. A ticket that does not decrypt with the keytab, an expired or
  // replayed one, a non-cifs service, a foreign realm or an unknown user give
  // STATUS_LOGON_FAILURE; a token that is not Kerberos at all STATUS_INVALID_PARAMETER.
  Result<Step> step(std::span<const std::byte> input);

  // After done: MICs over the SPNEGO mechList with the context's keys (RFC 4178 5).
  Result<std::vector<std::byte>> get_mic(std::span<const std::byte> message);
  bool verify_mic(std::span<const std::byte> message, std::span<const std::byte> mic);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

struct KerberosInitiatorConfig {
  // "cifs/HOST" is asked for as the GSS host-based name cifs@HOST.
  std::string target_host;
  std::string service = "cifs";
  // Credential cache, e.g. "FILE:/tmp/krb5cc_0"; empty: the default (KRB5CCNAME).
  std::string ccache;
  // Context lifetime to ask for in seconds; 0: as long as the ticket allows.
  uint32_t lifetime_seconds = 0;
};

class KerberosInitiator {
 public:
  explicit KerberosInitiator(KerberosInitiatorConfig config);
  ~KerberosInitiator();
  KerberosInitiator(KerberosInitiator&&) noexcept;
  KerberosInitiator& operator=(KerberosInitiator&&) noexcept;

  // First call with an empty input gives the AP-REQ token; later calls take the acceptor's
  // token (the AP-REP) and give the next one (usually empty, with done() true). No ticket in
  // the cache, an unknown service or a bad AP-REP give STATUS_LOGON_FAILURE.
  Result<std::vector<std::byte>> step(std::span<const std::byte> input);
  bool done() const;
  // After done: the GSS_C_INQ_SSPI_SESSION_KEY key, as the acceptor sees it.
  const std::vector<std::byte>& session_key() const;

  Result<std::vector<std::byte>> get_mic(std::span<const std::byte> message);
  bool verify_mic(std::span<const std::byte> message, std::span<const std::byte> mic);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace lwsmb::auth
