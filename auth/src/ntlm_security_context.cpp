// NT hash and the NTLM GSS MIC (MS-NLMP 3.3.1, 3.4.4.2).
#include <openssl/crypto.h>

#include "evp.hpp"
#include "lwsmb/auth/ntlmssp.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "ntlm_core.hpp"

namespace lwsmb::auth {

Result<NtHash> nt_hash(std::u16string_view password) {
  wire::Bytes data = wire::utf16le(password);
  return evp::md4(data);
}

Result<NtHash> nt_hash_from_utf8(std::string_view password) {
  auto u16 = proto::fscc::utf8_to_utf16(password);
  if (!u16) return NtStatus::InvalidParameter;
  return nt_hash(*u16);
}

struct NtlmSecurityContext::Keys {
  uint32_t flags = 0;
  SessionKey out_sign{}, in_sign{};
  evp::Rc4 out_seal, in_seal;
  uint32_t out_seq = 0, in_seq = 0;
};

NtlmSecurityContext::NtlmSecurityContext() = default;
NtlmSecurityContext::~NtlmSecurityContext() = default;

Result<std::unique_ptr<NtlmSecurityContext>> NtlmSecurityContext::create(
    const SessionKey& exported_key, uint32_t flags, bool is_server) {
  // Only the extended-session-security MAC is implemented (MS-NLMP 3.4.4.2); every NTLMv2 peer
  // we talk to negotiates it.
  if (!(flags & ntlm_flag::kExtendedSessionSecurity)) return NtStatus::NotSupported;
  using ntlm::Direction;
  const Direction out = is_server ? Direction::ServerToClient : Direction::ClientToServer;
  const Direction in = is_server ? Direction::ClientToServer : Direction::ServerToClient;
  auto ctx = std::make_unique<NtlmSecurityContext>();
  ctx->k_ = std::make_unique<Keys>();
  ctx->k_->flags = flags;
  auto os = ntlm::sign_key(exported_key, out);
  auto is = ntlm::sign_key(exported_key, in);
  auto oz = ntlm::seal_key(exported_key, flags, out);
  auto iz = ntlm::seal_key(exported_key, flags, in);
  if (!os || !is || !oz || !iz) return NtStatus::InternalError;
  ctx->k_->out_sign = *os;
  ctx->k_->in_sign = *is;
  if (auto st = ctx->k_->out_seal.init(*oz); st != NtStatus::Success) return st;
  if (auto st = ctx->k_->in_seal.init(*iz); st != NtStatus::Success) return st;
  return ctx;
}

namespace {

// MAC(Handle, SigningKey, SeqNum, Message) with extended session security (MS-NLMP 3.4.4.2).
Result<std::array<std::byte, 16>> mac(const SessionKey& key, evp::Rc4& seal, uint32_t flags,
                                      uint32_t seq, std::span<const std::byte> message) {
  wire::Bytes seq_le;
  wire::put_u32(seq_le, seq);
  auto h = evp::hmac_md5(key, seq_le, message);
  if (!h) return h.status();
  std::array<std::byte, 16> sig{};
  sig[0] = std::byte{1};  // Version
  std::copy_n(h->begin(), 8, sig.begin() + 4);
  if (flags & ntlm_flag::kKeyExch) {
    if (auto st = seal.apply(std::span(sig).subspan(4, 8)); st != NtStatus::Success) return st;
  }
  std::copy(seq_le.begin(), seq_le.end(), sig.begin() + 12);
  return sig;
}

}  // namespace

Result<std::array<std::byte, 16>> NtlmSecurityContext::get_mic(std::span<const std::byte> message) {
  if (!k_) return NtStatus::InvalidParameter;
  auto sig = mac(k_->out_sign, k_->out_seal, k_->flags, k_->out_seq, message);
  if (sig) ++k_->out_seq;
  return sig;
}

bool NtlmSecurityContext::verify_mic(std::span<const std::byte> message,
                                     std::span<const std::byte> signature) {
  if (!k_ || signature.size() != 16) return false;
  auto expect = mac(k_->in_sign, k_->in_seal, k_->flags, k_->in_seq, message);
  if (!expect) return false;
  ++k_->in_seq;
  return CRYPTO_memcmp(expect->data(), signature.data(), 16) == 0;
}

}  // namespace lwsmb::auth
