// NTLMSSP server (MS-NLMP 3.2.5.1): NTLMv2 only, MIC checked, key exchange.
#include <openssl/crypto.h>

#include <algorithm>

#include "evp.hpp"
#include "lwsmb/auth/ntlmssp.hpp"
#include "ntlm_core.hpp"

namespace lwsmb::auth {

using ntlm::AvId;
using ntlm::AvPair;
using wire::Bytes;
using wire::ByteSpan;

struct NtlmServer::State {
  NtlmServerConfig cfg;
  enum class Phase { Initial, Challenged, Done } phase = Phase::Initial;
  Bytes negotiate, challenge;
  std::array<std::byte, 8> server_challenge{};
  uint32_t flags = 0;
  std::unique_ptr<NtlmSecurityContext> gss;
};

NtlmServer::NtlmServer(NtlmServerConfig config) : s_(std::make_unique<State>()) {
  s_->cfg = std::move(config);
}
NtlmServer::~NtlmServer() = default;
NtlmServer::NtlmServer(NtlmServer&&) noexcept = default;
NtlmServer& NtlmServer::operator=(NtlmServer&&) noexcept = default;

NtlmSecurityContext* NtlmServer::security_context() {
  return s_ ? s_->gss.get() : nullptr;
}

namespace {

// Flags the server answers with (MS-NLMP 3.2.5.1.1): what we always do, plus the optional
// features the client asked for. Never LM_KEY, never OEM.
uint32_t choose_flags(uint32_t client) {
  using namespace ntlm_flag;
  constexpr uint32_t optional =
      kExtendedSessionSecurity | k128 | k56 | kKeyExch | kSign | kSeal | kAlwaysSign;
  uint32_t f = kUnicode | kNtlm | kTargetInfo | kTargetTypeServer | kVersion;
  if (client & kRequestTarget) f |= kRequestTarget;
  return f | (client & optional);
}

}  // namespace

Result<std::vector<std::byte>> NtlmServer::challenge(std::span<const std::byte> msg) {
  if (!s_ || s_->phase != State::Phase::Initial) return NtStatus::InvalidParameter;
  // NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1): header, flags, then two optional payload fields.
  uint32_t client_flags = 0;
  if (!ntlm::has_header(msg, ntlm::kNegotiateType) || !wire::get_u32(msg, 12, client_flags)) {
    return NtStatus::InvalidParameter;
  }
  if (msg.size() >= 32 && (!ntlm::read_field(msg, 16) || !ntlm::read_field(msg, 24))) {
    return NtStatus::InvalidParameter;
  }
  if (!(client_flags & ntlm_flag::kUnicode)) return NtStatus::NotSupported;

  if (s_->cfg.fixed_challenge) {
    s_->server_challenge = *s_->cfg.fixed_challenge;
  } else if (!evp::random_bytes(s_->server_challenge)) {
    return NtStatus::InternalError;
  }
  s_->flags = choose_flags(client_flags);

  Bytes ts;
  wire::put_u64(ts, ntlm::filetime_now());
  const auto& c = s_->cfg;
  Bytes target_info = ntlm::build_av_pairs({
      {AvId::NbDomainName, wire::utf16le(c.netbios_domain)},
      {AvId::NbComputerName, wire::utf16le(c.netbios_computer)},
      {AvId::DnsDomainName, wire::utf16le(c.dns_domain)},
      {AvId::DnsComputerName, wire::utf16le(c.dns_computer)},
      {AvId::Timestamp, ts},
  });
  Bytes target_name = wire::utf16le(c.netbios_computer);
  if (target_name.size() > 0xFFFF || target_info.size() > 0xFFFF) {
    return NtStatus::InvalidParameter;
  }

  // CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2): 56-byte header with Version, then the payload.
  constexpr uint32_t kPayload = 56;
  Bytes out;
  wire::put_bytes(out, ntlm::kSignature);
  wire::put_u32(out, ntlm::kChallengeType);
  wire::put_u16(out, static_cast<uint16_t>(target_name.size()));
  wire::put_u16(out, static_cast<uint16_t>(target_name.size()));
  wire::put_u32(out, kPayload);
  wire::put_u32(out, s_->flags);
  wire::put_bytes(out, s_->server_challenge);
  wire::put_u64(out, 0);  // Reserved
  wire::put_u16(out, static_cast<uint16_t>(target_info.size()));
  wire::put_u16(out, static_cast<uint16_t>(target_info.size()));
  wire::put_u32(out, kPayload + static_cast<uint32_t>(target_name.size()));
  wire::put_bytes(out, ntlm::kVersion);
  wire::put_bytes(out, target_name);
  wire::put_bytes(out, target_info);

  s_->negotiate.assign(msg.begin(), msg.end());
  s_->challenge = out;
  s_->phase = State::Phase::Challenged;
  return out;
}

namespace {

struct AuthFields {
  ByteSpan lm, nt, domain, user, workstation, enc_key;
  uint32_t flags = 0;
};

std::optional<AuthFields> parse_authenticate(ByteSpan msg) {
  AuthFields f;
  if (!ntlm::has_header(msg, ntlm::kAuthenticateType) ||
      !wire::get_u32(msg, ntlm::kAuthFlags, f.flags)) {
    return std::nullopt;
  }
  const std::pair<size_t, ByteSpan*> fields[] = {{ntlm::kAuthLmField, &f.lm},
                                                 {ntlm::kAuthNtField, &f.nt},
                                                 {ntlm::kAuthDomainField, &f.domain},
                                                 {ntlm::kAuthUserField, &f.user},
                                                 {ntlm::kAuthWorkstationField, &f.workstation},
                                                 {ntlm::kAuthSessionKeyField, &f.enc_key}};
  for (auto [at, dst] : fields) {
    auto v = ntlm::read_field(msg, at);
    if (!v) return std::nullopt;
    *dst = *v;
  }
  return f;
}

// Lowest offset of a non-empty payload field: the header ends there at the latest.
size_t payload_start(ByteSpan msg) {
  size_t lowest = msg.size();
  for (size_t at = ntlm::kAuthLmField; at <= ntlm::kAuthSessionKeyField; at += 8) {
    uint16_t len = 0;
    if (wire::get_u16(msg, at, len) && len > 0) {
      lowest = std::min<size_t>(lowest, ntlm::field_offset(msg, at));
    }
  }
  return lowest;
}

constexpr size_t kNtProofLen = 16;
constexpr size_t kBlobHeaderLen = 28;  // RespType .. Z(4) before the AV pairs

}  // namespace

Result<NtlmAuthResult> NtlmServer::authenticate(std::span<const std::byte> msg) {
  if (!s_ || s_->phase != State::Phase::Challenged) return NtStatus::InvalidParameter;
  s_->phase = State::Phase::Done;  // one AUTHENTICATE per challenge, right or wrong
  auto f = parse_authenticate(msg);
  if (!f) return NtStatus::InvalidParameter;
  auto user = wire::from_utf16le(f->user);
  auto domain = wire::from_utf16le(f->domain);
  auto workstation = wire::from_utf16le(f->workstation);
  if (!user || !domain || !workstation) return NtStatus::InvalidParameter;

  NtlmAuthResult r;
  r.user = *user;
  r.domain = *domain;
  r.workstation = *workstation;
  r.negotiated_flags = s_->flags & f->flags;

  // Anonymous (MS-NLMP 3.2.5.1.2): empty user, empty NT response, LM empty or Z(1).
  const bool lm_empty = f->lm.empty() || (f->lm.size() == 1 && f->lm[0] == std::byte{0});
  if (user->empty() && f->nt.empty() && lm_empty) {
    if (!s_->cfg.allow_guest && !s_->cfg.allow_anonymous) return kStatusLogonFailure;
    r.anonymous = true;
    return r;
  }
  // NTLMv2 only: a 24-byte NT response is NTLMv1 (or NTLM2 session response), an empty one is
  // LM/LMv2 only. Both are refused, as is anything too short to hold NTProofStr and a blob.
  if (f->nt.size() < kNtProofLen + kBlobHeaderLen + 4) return kStatusLogonFailure;
  const ByteSpan proof = f->nt.first(kNtProofLen);
  const ByteSpan blob = f->nt.subspan(kNtProofLen);
  if (blob[0] != std::byte{1} || blob[1] != std::byte{1}) return kStatusLogonFailure;
  // An NTLMv2 blob whose AV pair list does not parse is a malformed message, answered before
  // any password check as Windows and Samba do (Samba bug 14932).
  auto pairs = ntlm::parse_av_pairs(blob.subspan(kBlobHeaderLen));
  if (!pairs) return NtStatus::InvalidParameter;
  uint32_t av_flags = 0;
  if (const AvPair* p = ntlm::find_av(*pairs, AvId::Flags)) {
    if (!wire::get_u32(p->value, 0, av_flags)) return NtStatus::InvalidParameter;
  }

  if (!s_->cfg.lookup_nt_hash) return kStatusLogonFailure;
  auto hash = s_->cfg.lookup_nt_hash(*user, *domain);
  if (!hash) {
    // "map to guest = bad user": only an unknown user becomes guest.
    if (!s_->cfg.allow_guest) return kStatusLogonFailure;
    r.guest = true;
    return r;
  }

  // NTOWFv2 is keyed by the domain the client typed; accept its uppercase and empty forms too,
  // as Windows and Samba do for clients that normalise it differently.
  std::vector<std::u16string> domains = {*domain};
  if (auto up = ntlm::uppercase(*domain); up != *domain) domains.push_back(up);
  if (!domain->empty()) domains.emplace_back();
  std::optional<SessionKey> base;
  for (const auto& d : domains) {
    auto key = ntlm::ntowfv2(*hash, *user, d);
    if (!key) return key.status();
    auto expect = evp::hmac_md5(*key, s_->server_challenge, blob);
    if (!expect) return expect.status();
    if (CRYPTO_memcmp(expect->data(), proof.data(), kNtProofLen) == 0) {
      auto b = evp::hmac_md5(*key, proof);
      if (!b) return b.status();
      base = *b;
      break;
    }
  }
  if (!base) return kStatusLogonFailure;

  // KeyExchangeKey is SessionBaseKey for NTLMv2 (MS-NLMP 3.4.5.1); with KEY_EXCH the client sends
  // the ExportedSessionKey RC4-encrypted under it (3.2.5.1.2).
  SessionKey exported = *base;
  if ((r.negotiated_flags & ntlm_flag::kKeyExch) && !f->enc_key.empty()) {
    if (f->enc_key.size() != 16) return NtStatus::InvalidParameter;
    auto k = evp::rc4(*base, f->enc_key);
    if (!k) return k.status();
    std::copy(k->begin(), k->end(), exported.begin());
  }

  // MIC (MS-NLMP 3.2.5.1.2): present when the client's MsvAvFlags has bit 0x2.
  if (av_flags & ntlm::kAvFlagMicPresent) {
    if (msg.size() < ntlm::kAuthHeaderWithMic || payload_start(msg) < ntlm::kAuthHeaderWithMic) {
      return NtStatus::InvalidParameter;
    }
    Bytes zeroed(msg.begin(), msg.end());
    std::fill_n(zeroed.begin() + ntlm::kAuthMic, 16, std::byte{0});
    auto mic = evp::hmac_md5(exported, s_->negotiate, s_->challenge, zeroed);
    if (!mic) return mic.status();
    if (CRYPTO_memcmp(mic->data(), msg.data() + ntlm::kAuthMic, 16) != 0) {
      return kStatusLogonFailure;
    }
  }

  r.session_key = exported;
  if (r.negotiated_flags & ntlm_flag::kExtendedSessionSecurity) {
    auto gss = NtlmSecurityContext::create(exported, r.negotiated_flags, true);
    if (gss) s_->gss = std::move(*gss);
  }
  return r;
}

}  // namespace lwsmb::auth
