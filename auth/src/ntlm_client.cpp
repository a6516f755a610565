// NTLMSSP client (MS-NLMP 3.1.5): NTLMv2 response, key exchange and MIC.
#include <algorithm>

#include "evp.hpp"
#include "lwsmb/auth/ntlmssp.hpp"
#include "ntlm_core.hpp"

namespace lwsmb::auth {

using ntlm::AvId;
using ntlm::AvPair;
using wire::Bytes;
using wire::ByteSpan;

namespace {

constexpr uint32_t kClientFlags =
    ntlm_flag::kUnicode | ntlm_flag::kRequestTarget | ntlm_flag::kNtlm | ntlm_flag::kAlwaysSign |
    ntlm_flag::kExtendedSessionSecurity | ntlm_flag::kVersion | ntlm_flag::k128 |
    ntlm_flag::kKeyExch | ntlm_flag::k56 | ntlm_flag::kSign | ntlm_flag::kSeal;

}  // namespace

struct NtlmClient::State {
  Bytes negotiate;
  uint32_t flags = 0;
  SessionKey session_key{};
  std::unique_ptr<NtlmSecurityContext> gss;
  std::optional<std::array<std::byte, 8>> test_client_challenge;
  std::optional<SessionKey> test_session_key;
  uint64_t test_time = 0;
};

NtlmClient::NtlmClient() : s_(std::make_unique<State>()) {}
NtlmClient::~NtlmClient() = default;
NtlmClient::NtlmClient(NtlmClient&&) noexcept = default;
NtlmClient& NtlmClient::operator=(NtlmClient&&) noexcept = default;

const SessionKey& NtlmClient::session_key() const {
  return s_->session_key;
}
uint32_t NtlmClient::negotiated_flags() const {
  return s_->flags;
}
NtlmSecurityContext* NtlmClient::security_context() {
  return s_->gss.get();
}

void NtlmClient::set_test_randomness(std::array<std::byte, 8> client_challenge,
                                     SessionKey random_session_key, uint64_t filetime) {
  s_->test_client_challenge = client_challenge;
  s_->test_session_key = random_session_key;
  s_->test_time = filetime;
}

std::vector<std::byte> NtlmClient::negotiate() {
  // NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1) with empty domain/workstation and our Version.
  Bytes out;
  wire::put_bytes(out, ntlm::kSignature);
  wire::put_u32(out, ntlm::kNegotiateType);
  wire::put_u32(out, kClientFlags);
  for (int i = 0; i < 2; ++i) {
    wire::put_u32(out, 0);   // Len, MaxLen
    wire::put_u32(out, 40);  // Offset: end of the header
  }
  wire::put_bytes(out, ntlm::kVersion);
  s_->negotiate = out;
  return out;
}

namespace {

struct ChallengeFields {
  uint32_t flags = 0;
  ByteSpan server_challenge;
  std::vector<AvPair> target_info;
};

Result<ChallengeFields> parse_challenge(ByteSpan msg) {
  ChallengeFields c;
  if (!ntlm::has_header(msg, ntlm::kChallengeType) || msg.size() < 48 ||
      !wire::get_u32(msg, 20, c.flags) || !ntlm::read_field(msg, 12)) {
    return NtStatus::InvalidParameter;
  }
  c.server_challenge = msg.subspan(24, 8);
  auto info = ntlm::read_field(msg, 40);
  if (!info) return NtStatus::InvalidParameter;
  if (!info->empty()) {
    auto pairs = ntlm::parse_av_pairs(*info);
    if (!pairs) return NtStatus::InvalidParameter;
    c.target_info = std::move(*pairs);
  }
  return c;
}

// Appends one payload field: writes Len/MaxLen/Offset at header offset `at`.
void add_field(Bytes& msg, size_t at, ByteSpan data) {
  wire::set_u16(msg, at, static_cast<uint16_t>(data.size()));
  wire::set_u16(msg, at + 2, static_cast<uint16_t>(data.size()));
  wire::set_u32(msg, at + 4, static_cast<uint32_t>(msg.size()));
  wire::put_bytes(msg, data);
}

Bytes authenticate_header(uint32_t flags) {
  Bytes msg(ntlm::kAuthHeaderWithMic, std::byte{0});
  std::copy(ntlm::kSignature.begin(), ntlm::kSignature.end(), msg.begin());
  wire::set_u32(msg, 8, ntlm::kAuthenticateType);
  wire::set_u32(msg, ntlm::kAuthFlags, flags);
  std::copy(ntlm::kVersion.begin(), ntlm::kVersion.end(), msg.begin() + ntlm::kAuthVersion);
  return msg;
}

}  // namespace

Result<std::vector<std::byte>> NtlmClient::authenticate(std::span<const std::byte> challenge_msg,
                                                        const NtlmCredentials& cred) {
  auto ch = parse_challenge(challenge_msg);
  if (!ch) return ch.status();
  if (!(ch->flags & ntlm_flag::kUnicode)) return NtStatus::NotSupported;
  s_->flags = ch->flags & (kClientFlags | ntlm_flag::kTargetInfo | ntlm_flag::kTargetTypeServer |
                           ntlm_flag::kTargetTypeDomain);

  NtHash hash{};
  if (cred.nt_hash) {
    hash = *cred.nt_hash;
  } else {
    auto h = nt_hash(cred.password.value_or(u""));
    if (!h) return h.status();
    hash = *h;
  }

  // With a server MsvAvTimestamp the client uses that time, sends Z(24) as the LM response and
  // protects the exchange with a MIC announced in MsvAvFlags (MS-NLMP 3.1.5.1.2).
  std::vector<AvPair> pairs = ch->target_info;
  uint64_t time = s_->test_client_challenge ? s_->test_time : ntlm::filetime_now();
  bool use_mic = false;
  if (const AvPair* ts = ntlm::find_av(pairs, AvId::Timestamp)) {
    if (!wire::get_u64(ts->value, 0, time)) return NtStatus::InvalidParameter;
    use_mic = true;
    Bytes mic_flag;
    wire::put_u32(mic_flag, ntlm::kAvFlagMicPresent);
    if (auto it = std::find_if(pairs.begin(), pairs.end(),
                               [](const AvPair& p) { return p.id == AvId::Flags; });
        it != pairs.end()) {
      uint32_t v = 0;
      wire::get_u32(it->value, 0, v);
      it->value.clear();
      wire::put_u32(it->value, v | ntlm::kAvFlagMicPresent);
    } else {
      pairs.push_back({AvId::Flags, mic_flag});
    }
  }

  std::array<std::byte, 8> cc{};
  if (s_->test_client_challenge) {
    cc = *s_->test_client_challenge;
  } else if (!evp::random_bytes(cc)) {
    return NtStatus::InternalError;
  }
  auto key = ntlm::ntowfv2(hash, cred.user, cred.domain);
  if (!key) return key.status();
  Bytes blob = ntlm::ntlmv2_blob(time, cc, ntlm::build_av_pairs(pairs));
  auto resp = ntlm::compute_ntlmv2(*key, ch->server_challenge, cc, blob);
  if (!resp) return resp.status();
  if (use_mic) resp->lm_response.assign(24, std::byte{0});

  SessionKey exported = resp->session_base_key;
  Bytes enc_key;
  if (s_->flags & ntlm_flag::kKeyExch) {
    if (s_->test_session_key) {
      exported = *s_->test_session_key;
    } else if (!evp::random_bytes(exported)) {
      return NtStatus::InternalError;
    }
    auto e = evp::rc4(resp->session_base_key, exported);
    if (!e) return e.status();
    enc_key = std::move(*e);
  }

  Bytes domain = wire::utf16le(cred.domain), user = wire::utf16le(cred.user),
        ws = wire::utf16le(cred.workstation);
  for (const Bytes* b : {&domain, &user, &ws, &resp->lm_response, &resp->nt_response}) {
    if (b->size() > 0xFFFF) return NtStatus::InvalidParameter;
  }
  Bytes msg = authenticate_header(s_->flags);
  add_field(msg, ntlm::kAuthDomainField, domain);
  add_field(msg, ntlm::kAuthUserField, user);
  add_field(msg, ntlm::kAuthWorkstationField, ws);
  add_field(msg, ntlm::kAuthLmField, resp->lm_response);
  add_field(msg, ntlm::kAuthNtField, resp->nt_response);
  add_field(msg, ntlm::kAuthSessionKeyField, enc_key);
  if (use_mic) {
    auto mic = evp::hmac_md5(exported, s_->negotiate, challenge_msg, msg);
    if (!mic) return mic.status();
    std::copy(mic->begin(), mic->end(), msg.begin() + ntlm::kAuthMic);
  }

  s_->session_key = exported;
  if (s_->flags & ntlm_flag::kExtendedSessionSecurity) {
    auto gss = NtlmSecurityContext::create(exported, s_->flags, false);
    if (gss) s_->gss = std::move(*gss);
  }
  return msg;
}

Result<std::vector<std::byte>> NtlmClient::authenticate_anonymous(
    std::span<const std::byte> challenge_msg) {
  auto ch = parse_challenge(challenge_msg);
  if (!ch) return ch.status();
  s_->flags = (ch->flags & kClientFlags & ~ntlm_flag::kKeyExch) | ntlm_flag::kAnonymous;
  Bytes msg = authenticate_header(s_->flags);
  const Bytes lm(1, std::byte{0});  // Z(1)
  add_field(msg, ntlm::kAuthDomainField, {});
  add_field(msg, ntlm::kAuthUserField, {});
  add_field(msg, ntlm::kAuthWorkstationField, {});
  add_field(msg, ntlm::kAuthLmField, lm);
  add_field(msg, ntlm::kAuthNtField, {});
  add_field(msg, ntlm::kAuthSessionKeyField, {});
  s_->session_key = {};
  return msg;
}

}  // namespace lwsmb::auth
