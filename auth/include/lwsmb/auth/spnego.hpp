// SPNEGO (RFC 4178, MS-SPNG) tokens in hand-written, bounds-checked DER, plus the server and
// client session-setup exchanges over NTLMSSP with the mechListMIC (MS-SPNG 3.1.5.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/auth/kerberos.hpp"
#include "lwsmb/auth/ntlmssp.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth {

// An OBJECT IDENTIFIER kept as its DER content octets (no tag, no length).
struct Oid {
  std::vector<std::byte> der;
  bool operator==(const Oid&) const = default;
  std::string to_string() const;  // dotted form, "1.3.6.1.5.5.2"; "?" if malformed
};

Oid oid_spnego();        // 1.3.6.1.5.5.2
Oid oid_ntlmssp();       // 1.3.6.1.4.1.311.2.2.10
Oid oid_kerberos5();     // 1.2.840.113554.1.2.2
Oid oid_ms_kerberos5();  // 1.2.840.48018.1.2.2 (what Windows lists first)

// negState (RFC 4178 4.2.2).
enum class NegState : uint8_t {
  AcceptCompleted = 0,
  AcceptIncomplete = 1,
  Reject = 2,
  RequestMic = 3,
};

struct NegTokenInit {
  std::vector<Oid> mech_types;
  // The DER encoding of the MechTypeList (SEQUENCE OF OID) exactly as received: the mechListMIC
  // is computed over these bytes (RFC 4178 5).
  std::vector<std::byte> mech_types_der;
  std::optional<std::vector<std::byte>> mech_token;
  std::optional<std::vector<std::byte>> mech_list_mic;
  // The input was a bare NTLMSSP message ("NTLMSSP\0...") without SPNEGO: mech_token holds it
  // and mech_types is {NTLMSSP}.
  bool raw_ntlmssp = false;
};

struct NegTokenResp {
  std::optional<NegState> neg_state;
  std::optional<Oid> supported_mech;
  std::optional<std::vector<std::byte>> response_token;
  std::optional<std::vector<std::byte>> mech_list_mic;
  bool raw_ntlmssp = false;  // bare NTLMSSP input; response_token holds it
};

// GSS-API InitialContextToken ([APPLICATION 0] { SPNEGO OID, [0] negTokenInit }). With no
// mech_token this is what the server puts in the SMB2 NEGOTIATE response security buffer.
std::vector<std::byte> spnego_neg_token_init(const std::vector<Oid>& mechs,
                                             std::span<const std::byte> mech_token = {});
// Parses a client's first session-setup token (InitialContextToken or bare [0] negTokenInit) or a
// raw NTLMSSP message. Malformed DER gives STATUS_INVALID_PARAMETER.
Result<NegTokenInit> parse_neg_token_init(std::span<const std::byte> token);

// [1] negTokenResp with whichever fields are set.
std::vector<std::byte> spnego_neg_token_resp(const NegTokenResp& resp);
// Parses [1] negTokenResp, or a raw NTLMSSP message. Malformed gives STATUS_INVALID_PARAMETER.
Result<NegTokenResp> parse_neg_token_resp(std::span<const std::byte> token);

// What a finished SESSION_SETUP authentication gives the server, whichever mechanism ran.
struct AuthResult {
  std::u16string user, domain, workstation;  // Kerberos: user and realm of user@REALM
  bool guest = false;
  bool anonymous = false;
  // Session.FullSessionKey: NTLM's ExportedSessionKey (16 bytes, zero for guest/anonymous) or
  // the Kerberos GSS session key (16 or 32 bytes).
  std::vector<std::byte> session_key;
  bool kerberos = false;
  // Kerberos: seconds until the ticket expires (MS-SMB2 3.3.5.5.3 Session.ExpirationTime).
  std::optional<uint32_t> lifetime_seconds;
};

// One SMB2 SESSION_SETUP authentication on the server side, SPNEGO over NTLMSSP and, when a
// Kerberos config is given, krb5 through GSSAPI (MS-SMB2 3.3.5.5.1, MS-SPNG 3.2.5). Feed each
// client security buffer to step().
class SpnegoServer {
 public:
  struct Step {
    std::vector<std::byte> output;     // security buffer for the SESSION_SETUP response
    bool done = false;                 // false: answer STATUS_MORE_PROCESSING_REQUIRED
    std::optional<AuthResult> result;  // set when done
  };

  explicit SpnegoServer(NtlmServerConfig config,
                        std::optional<KerberosAcceptorConfig> kerberos = std::nullopt);
  ~SpnegoServer();
  SpnegoServer(SpnegoServer&&) noexcept;
  SpnegoServer& operator=(SpnegoServer&&) noexcept;

  // The NEGOTIATE response security buffer: a negTokenInit listing NTLMSSP, after the MS and
  // the standard krb5 OIDs when kerberos is set (the order Windows uses).
  static std::vector<std::byte> negotiate_token(bool kerberos = false);

  // Kerberos (configured, and krb5 in either OID is the client's first mech with its AP-REQ as
  // the optimistic token): one round, accept-completed with the AP-REP and the mech OID the
  // client listed; a bad ticket is kStatusLogonFailure (no fallback to NTLMSSP).
  // Errors: kStatusLogonFailure (bad credentials, bad mechListMIC, no NTLMSSP offered),
  // STATUS_INVALID_PARAMETER (malformed token or out of order). A client mechListMIC is always
  // verified and answered with the server's own in the final accept-completed; it is required
  // when NTLMSSP was not the client's first mech (RFC 4178 5: the server then answers
  // request-mic). Guest/anonymous logons have no key and carry no mechListMIC. A bare NTLMSSP
  // first token switches to raw mode: outputs are bare NTLMSSP too, the last one empty.
  Result<Step> step(std::span<const std::byte> input);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Client side of the same exchange (mount.lwsmb, tests). With a Kerberos config it offers
// {MS-krb5, krb5, NTLMSSP} and sends an AP-REQ first; when no ticket can be had (or the server
// does not list krb5) it falls back to NTLMSSP with the credentials.
class SpnegoClient {
 public:
  explicit SpnegoClient(NtlmCredentials credentials, bool anonymous = false,
                        std::optional<KerberosInitiatorConfig> kerberos = std::nullopt);
  ~SpnegoClient();
  SpnegoClient(SpnegoClient&&) noexcept;
  SpnegoClient& operator=(SpnegoClient&&) noexcept;

  // First SESSION_SETUP security buffer: negTokenInit {NTLMSSP} with the NEGOTIATE message.
  // server_hint is the NEGOTIATE response buffer (may be empty); it must offer NTLMSSP if given.
  Result<std::vector<std::byte>> initial(std::span<const std::byte> server_hint = {});
  // Server token in; next client token out (AUTHENTICATE + mechListMIC). On the server's final
  // accept-completed, verifies its mechListMIC and returns an empty buffer; done() is then true.
  Result<std::vector<std::byte>> step(std::span<const std::byte> server_token);
  bool done() const;
  // Session.FullSessionKey: 16 bytes for NTLM, 16 or 32 for Kerberos.
  const std::vector<std::byte>& session_key() const;
  bool used_kerberos() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace lwsmb::auth
