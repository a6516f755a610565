// NTLMSSP building blocks shared by the client, the server and the tests (MS-NLMP 2.2, 3.3.2,
// 3.4.5). Private to auth; the tests include it for the MS-NLMP 4.2.4 known answers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/auth/ntlmssp.hpp"
#include "lwsmb/iocore/result.hpp"
#include "wire.hpp"

namespace lwsmb::auth::ntlm {

using wire::Bytes;
using wire::ByteSpan;

inline constexpr std::array<std::byte, 8> kSignature = {
    std::byte{'N'}, std::byte{'T'}, std::byte{'L'}, std::byte{'M'},
    std::byte{'S'}, std::byte{'S'}, std::byte{'P'}, std::byte{0}};
inline constexpr uint32_t kNegotiateType = 1;
inline constexpr uint32_t kChallengeType = 2;
inline constexpr uint32_t kAuthenticateType = 3;

// AUTHENTICATE_MESSAGE layout (MS-NLMP 2.2.1.3).
inline constexpr size_t kAuthLmField = 12;
inline constexpr size_t kAuthNtField = 20;
inline constexpr size_t kAuthDomainField = 28;
inline constexpr size_t kAuthUserField = 36;
inline constexpr size_t kAuthWorkstationField = 44;
inline constexpr size_t kAuthSessionKeyField = 52;
inline constexpr size_t kAuthFlags = 60;
inline constexpr size_t kAuthVersion = 64;
inline constexpr size_t kAuthMic = 72;
inline constexpr size_t kAuthHeaderWithMic = 88;

// AV_PAIR ids (MS-NLMP 2.2.2.1).
enum class AvId : uint16_t {
  Eol = 0,
  NbComputerName = 1,
  NbDomainName = 2,
  DnsComputerName = 3,
  DnsDomainName = 4,
  DnsTreeName = 5,
  Flags = 6,
  Timestamp = 7,
  SingleHost = 8,
  TargetName = 9,
  ChannelBindings = 10,
};
inline constexpr uint32_t kAvFlagMicPresent = 0x00000002;

struct AvPair {
  AvId id;
  Bytes value;
};

// Parses an AV_PAIR list up to MsvAvEOL. Missing EOL, a pair running past the end or a
// duplicate EOL-less tail gives nullopt. Bytes after EOL are ignored (the blob's trailing Z(4)).
std::optional<std::vector<AvPair>> parse_av_pairs(ByteSpan data);
Bytes build_av_pairs(const std::vector<AvPair>& pairs);  // appends MsvAvEOL
const AvPair* find_av(const std::vector<AvPair>& pairs, AvId id);

// A payload field (Len, MaxLen, Offset) at header offset `at`; nullopt when the header is too
// short or the field does not fit in the message.
std::optional<ByteSpan> read_field(ByteSpan msg, size_t at);
// Offset of a payload field (0 when the header is too short).
uint32_t field_offset(ByteSpan msg, size_t at);

// Uppercase for NTOWFv2 (MS-NLMP 3.3.2 Uppercase): ASCII, Latin-1, Greek and Cyrillic basic
// letters. Other characters are left unchanged.
std::u16string uppercase(std::u16string_view s);

// NTOWFv2 = HMAC_MD5(NT hash, UNICODE(Uppercase(User) || UserDom)) (MS-NLMP 3.3.2).
Result<NtHash> ntowfv2(const NtHash& nt_hash, std::u16string_view user, std::u16string_view domain);

// The NTLMv2 client blob "temp" (MS-NLMP 2.2.2.7 / 3.3.2): 0x01 0x01 Z(6) Time ClientChallenge
// Z(4) AvPairs Z(4), with av_pairs already ending in MsvAvEOL.
Bytes ntlmv2_blob(uint64_t filetime, ByteSpan client_challenge, ByteSpan av_pairs);

struct Ntlmv2Response {
  Bytes nt_response;  // NTProofStr || blob
  Bytes lm_response;  // LMv2: HMAC_MD5(NTOWFv2, SC || CC) || CC
  SessionKey session_base_key;
};
Result<Ntlmv2Response> compute_ntlmv2(const NtHash& response_key, ByteSpan server_challenge,
                                      ByteSpan client_challenge, ByteSpan blob);

// MS-NLMP 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY (extended session security).
enum class Direction { ClientToServer, ServerToClient };
Result<SessionKey> sign_key(const SessionKey& exported, Direction dir);
Result<std::vector<std::byte>> seal_key(const SessionKey& exported, uint32_t flags, Direction dir);

// Current time as a FILETIME (100 ns ticks since 1601-01-01 UTC).
uint64_t filetime_now();

// The VERSION structure we send (MS-NLMP 2.2.2.10): 6.1 build 7600, NTLMSSP_REVISION_W2K3.
inline constexpr std::array<std::byte, 8> kVersion = {
    std::byte{6}, std::byte{1}, std::byte{0xb0}, std::byte{0x1d},
    std::byte{0}, std::byte{0}, std::byte{0},    std::byte{0x0f}};

// Checks "NTLMSSP\0" and the message type; false when the buffer is shorter than 12 bytes.
bool has_header(ByteSpan msg, uint32_t type);

}  // namespace lwsmb::auth::ntlm
