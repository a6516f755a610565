// NTLMSSP (MS-NLMP): server and client, NTLMv2 only. Every hash and MAC goes through OpenSSL 3
// EVP (MD4 and RC4 come from OpenSSL's "legacy" provider, loaded once on first use).
#pragma once

#include <array>
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

// NTSTATUS values auth needs that iocore's enum does not list yet (MS-ERREF 2.3.1).
inline constexpr NtStatus kStatusLogonFailure = static_cast<NtStatus>(0xC000006DU);
inline constexpr NtStatus kStatusMoreProcessingRequired = static_cast<NtStatus>(0xC0000016U);

using NtHash = std::array<std::byte, 16>;
using SessionKey = std::array<std::byte, 16>;

// NT one-way function v1: MD4(UTF-16LE(password)) (MS-NLMP 3.3.1).
Result<NtHash> nt_hash(std::u16string_view password);
// Same, from a UTF-8 password; invalid UTF-8 gives STATUS_INVALID_PARAMETER.
Result<NtHash> nt_hash_from_utf8(std::string_view password);

// NEGOTIATE flags (MS-NLMP 2.2.2.5).
namespace ntlm_flag {
inline constexpr uint32_t kUnicode = 0x00000001;
inline constexpr uint32_t kOem = 0x00000002;
inline constexpr uint32_t kRequestTarget = 0x00000004;
inline constexpr uint32_t kSign = 0x00000010;
inline constexpr uint32_t kSeal = 0x00000020;
inline constexpr uint32_t kLmKey = 0x00000080;
inline constexpr uint32_t kNtlm = 0x00000200;
inline constexpr uint32_t kAnonymous = 0x00000800;
inline constexpr uint32_t kAlwaysSign = 0x00008000;
inline constexpr uint32_t kTargetTypeDomain = 0x00010000;
inline constexpr uint32_t kTargetTypeServer = 0x00020000;
inline constexpr uint32_t kExtendedSessionSecurity = 0x00080000;
inline constexpr uint32_t kTargetInfo = 0x00800000;
inline constexpr uint32_t kVersion = 0x02000000;
inline constexpr uint32_t k128 = 0x20000000;
inline constexpr uint32_t kKeyExch = 0x40000000;
inline constexpr uint32_t k56 = 0x80000000;
}  // namespace ntlm_flag

struct NtlmServerConfig {
  std::u16string netbios_domain;    // MsvAvNbDomainName
  std::u16string netbios_computer;  // MsvAvNbComputerName, also the CHALLENGE TargetName
  std::u16string dns_domain;        // MsvAvDnsDomainName
  std::u16string dns_computer;      // MsvAvDnsComputerName
  // The user's NT hash (MD4 of the UTF-16LE password), or nullopt when the user is unknown.
  // Called with the user and domain exactly as the client sent them.
  std::function<std::optional<NtHash>(std::u16string_view user, std::u16string_view domain)>
      lookup_nt_hash;
  // "map to guest = bad user": an unknown user (lookup gives nullopt) and an anonymous logon are
  // accepted as guest/anonymous only when this is set. A known user with a wrong password is
  // always refused.
  bool allow_guest = false;
  // Anonymous (null session) logons are accepted even without allow_guest (Samba's default,
  // "restrict anonymous = 0"): what they may reach is decided by the caller.
  bool allow_anonymous = false;
  // Known-answer tests only: use this ServerChallenge instead of RAND_bytes.
  std::optional<std::array<std::byte, 8>> fixed_challenge;
};

struct NtlmAuthResult {
  std::u16string user, domain, workstation;  // as sent by the client
  bool guest = false;      // unknown user mapped to guest: no session key, never sign
  bool anonymous = false;  // null session: empty user and NT response; no session key
  // ExportedSessionKey (MS-NLMP 3.1.5.1.2, after KEY_EXCH); all zero for guest/anonymous.
  SessionKey session_key{};
  uint32_t negotiated_flags = 0;
};

class NtlmSecurityContext;

// One NTLM authentication on the server side: challenge() then authenticate(), once each.
class NtlmServer {
 public:
  explicit NtlmServer(NtlmServerConfig config);
  ~NtlmServer();
  NtlmServer(NtlmServer&&) noexcept;
  NtlmServer& operator=(NtlmServer&&) noexcept;

  // NEGOTIATE_MESSAGE in, CHALLENGE_MESSAGE out (MS-NLMP 3.2.5.1.1). A malformed message gives
  // STATUS_INVALID_PARAMETER; a client that cannot do NTLMv2 with Unicode gives
  // STATUS_NOT_SUPPORTED.
  Result<std::vector<std::byte>> challenge(std::span<const std::byte> negotiate_msg);

  // AUTHENTICATE_MESSAGE in (MS-NLMP 3.2.5.1.2). NTLMv1/LM-only responses, wrong passwords,
  // unknown users (unless allow_guest) and a bad MIC give kStatusLogonFailure; malformed
  // structure gives STATUS_INVALID_PARAMETER; calling out of order STATUS_INVALID_PARAMETER.
  Result<NtlmAuthResult> authenticate(std::span<const std::byte> authenticate_msg);

  // After a successful non-guest authenticate(): the GSS context for the SPNEGO mechListMIC.
  NtlmSecurityContext* security_context();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

struct NtlmCredentials {
  std::u16string user;
  std::u16string domain;
  std::u16string workstation;
  std::optional<std::u16string> password;  // used when nt_hash is not set
  std::optional<NtHash> nt_hash;
};

// NTLM client (for mount.lwsmb and the tests): negotiate(), then authenticate().
class NtlmClient {
 public:
  NtlmClient();
  ~NtlmClient();
  NtlmClient(NtlmClient&&) noexcept;
  NtlmClient& operator=(NtlmClient&&) noexcept;

  // NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1) asking for NTLMv2, 128-bit, KEY_EXCH, signing, sealing.
  std::vector<std::byte> negotiate();
  // CHALLENGE_MESSAGE in, AUTHENTICATE_MESSAGE out with an NTLMv2 response, the server's
  // MsvAvTimestamp (then LmChallengeResponse is Z(24)), a random ExportedSessionKey sent RC4-
  // encrypted with the KeyExchangeKey, and the MIC (MsvAvFlags 0x2).
  Result<std::vector<std::byte>> authenticate(std::span<const std::byte> challenge_msg,
                                              const NtlmCredentials& credentials);
  // Anonymous AUTHENTICATE (MS-NLMP 3.2.5.1.2 / 3.1.5.1.2: empty user, Z(1) LM, empty NT).
  Result<std::vector<std::byte>> authenticate_anonymous(std::span<const std::byte> challenge_msg);

  const SessionKey& session_key() const;
  uint32_t negotiated_flags() const;
  // After authenticate(): the GSS context for the SPNEGO mechListMIC.
  NtlmSecurityContext* security_context();

  // Known-answer tests only (MS-NLMP 4.2.4): fixed ClientChallenge, random session key and, when
  // the server sends no MsvAvTimestamp, the blob time.
  void set_test_randomness(std::array<std::byte, 8> client_challenge, SessionKey random_session_key,
                           uint64_t filetime);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// GSS_GetMIC / GSS_VerifyMIC for NTLM with extended session security (MS-NLMP 3.4.4.2), keyed
// from the ExportedSessionKey (3.4.5.2/3.4.5.3). Each direction keeps its own sequence number and
// RC4 state, as MS-NLMP 3.4 requires; SPNEGO uses it once per direction for the mechListMIC.
class NtlmSecurityContext {
 public:
  static Result<std::unique_ptr<NtlmSecurityContext>> create(const SessionKey& exported_key,
                                                             uint32_t flags, bool is_server);
  NtlmSecurityContext();  // unusable until create(); use create()
  ~NtlmSecurityContext();
  NtlmSecurityContext(const NtlmSecurityContext&) = delete;
  NtlmSecurityContext& operator=(const NtlmSecurityContext&) = delete;

  // 16-byte NTLMSSP_MESSAGE_SIGNATURE over message, with the outgoing key and sequence number.
  Result<std::array<std::byte, 16>> get_mic(std::span<const std::byte> message);
  // Checks a signature from the peer (constant-time); advances the incoming sequence number.
  bool verify_mic(std::span<const std::byte> message, std::span<const std::byte> signature);

 private:
  struct Keys;
  std::unique_ptr<Keys> k_;
};

}  // namespace lwsmb::auth
