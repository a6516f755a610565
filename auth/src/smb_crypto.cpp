// SMB2/3 signing and SMB 3.x key derivation (MS-SMB2 3.1.4.1, 3.1.4.2, 3.3.5.5.3).
#include "lwsmb/auth/smb_crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string_view>

#include "wire.hpp"

namespace lwsmb::auth {
namespace {

struct Free {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

void* vp(std::span<const std::byte> s) {
  return const_cast<std::byte*>(s.data());
}

// A label or context as MS-SMB2 3.3.5.5.3 spells it: the ASCII string plus its NUL.
std::span<const std::byte> cstr(std::string_view s) {
  return wire::as_span(std::string_view(s.data(), s.size() + 1));
}

constexpr uint16_t kSmb2FlagsServerToRedir = 0x0001;
constexpr uint16_t kSmb2Cancel = 0x000C;

}  // namespace

Result<std::vector<std::byte>> kdf_sp800_108_ctr_hmac_sha256(std::span<const std::byte> key,
                                                             std::span<const std::byte> label,
                                                             std::span<const std::byte> context,
                                                             uint32_t out_len_bits) {
  if (out_len_bits == 0 || out_len_bits % 8 != 0 || key.empty()) return NtStatus::InvalidParameter;
  std::unique_ptr<EVP_KDF, Free> kdf(EVP_KDF_fetch(nullptr, "KBKDF", nullptr));
  if (!kdf) return NtStatus::NotSupported;
  std::unique_ptr<EVP_KDF_CTX, Free> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return NtStatus::NoMemory;
  // OpenSSL's KBKDF counter mode defaults match MS-SMB2 3.1.4.2: r = 32-bit counter before the
  // fixed input, a 0x00 separator between Label and Context, and [L]_32 appended.
  char mode[] = "COUNTER", mac[] = "HMAC", digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, vp(key), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, vp(label), label.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, vp(context), context.size()),
      OSSL_PARAM_construct_end()};
  std::vector<std::byte> out(out_len_bits / 8);
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) !=
      1) {
    return NtStatus::InternalError;
  }
  return out;
}

Result<SmbKeys> derive_smb3_keys(std::span<const std::byte> session_key, uint16_t dialect,
                                 std::span<const std::byte> preauth_hash,
                                 SmbCipherKeyBits cipher_bits) {
  if (session_key.empty() || dialect < kSmbDialect300) return NtStatus::InvalidParameter;
  const bool v311 = dialect >= kSmbDialect311;
  if (v311 && preauth_hash.size() != 64) return NtStatus::InvalidParameter;
  const bool wide = cipher_bits == SmbCipherKeyBits::Aes256;
  // Session.SessionKey is the first 16 bytes of the full key, zero-padded if shorter
  // (MS-SMB2 3.3.5.5.3); 256-bit cipher keys are derived from the full key.
  std::array<std::byte, 16> short_key{};
  std::copy_n(session_key.begin(), std::min<size_t>(16, session_key.size()), short_key.begin());
  const std::span<const std::byte> cipher_kdk = wide ? session_key : std::span(short_key);
  const uint32_t cipher_len = wide ? 256 : 128;

  struct Spec {
    std::vector<std::byte>* out;
    std::span<const std::byte> kdk;
    std::string_view label;
    std::string_view context;  // 3.0.x only; 3.1.1 uses the preauth hash
    uint32_t bits;
  };
  SmbKeys k;
  const Spec specs[] = {
      {&k.signing, short_key, v311 ? "SMBSigningKey" : "SMB2AESCMAC", "SmbSign", 128},
      {&k.client_to_server, cipher_kdk, v311 ? "SMBC2SCipherKey" : "SMB2AESCCM", "ServerIn ",
       cipher_len},
      {&k.server_to_client, cipher_kdk, v311 ? "SMBS2CCipherKey" : "SMB2AESCCM", "ServerOut",
       cipher_len},
      {&k.application, short_key, v311 ? "SMBAppKey" : "SMB2APP", "SmbRpc", 128},
  };
  for (const auto& s : specs) {
    auto r = kdf_sp800_108_ctr_hmac_sha256(s.kdk, cstr(s.label),
                                           v311 ? preauth_hash : cstr(s.context), s.bits);
    if (!r) return r.status();
    *s.out = std::move(*r);
  }
  return k;
}

NtStatus PreauthHash::update(std::span<const std::byte> message) {
  std::vector<std::byte> buf;
  buf.reserve(h_.size() + message.size());
  buf.insert(buf.end(), h_.begin(), h_.end());
  buf.insert(buf.end(), message.begin(), message.end());
  auto d = sha512(buf);
  if (!d) return d.status();
  h_ = *d;
  return NtStatus::Success;
}

namespace {

// The signed data in parts so the message is never copied: header up to Signature, 16 zero
// bytes in place of Signature, the rest, and a tail kept in its own buffer (MS-SMB2 3.1.4.1).
using Parts = std::array<std::span<const std::byte>, 4>;
constexpr std::array<std::byte, 16> kZeroSignature{};

Parts signed_parts(std::span<const std::byte> message, std::span<const std::byte> tail = {}) {
  return {message.first(kSmb2SignatureOffset), std::span(kZeroSignature),
          message.subspan(kSmb2SignatureOffset + 16), tail};
}

// Fetched once per process: EVP_*_fetch walks the provider tables under a lock, which costs
// more than signing a small message.
const EVP_CIPHER* gcm_cipher() {
  static const std::unique_ptr<EVP_CIPHER, Free> c(
      EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr));
  return c.get();
}

EVP_MAC* fetched_mac(bool cmac) {
  static const std::unique_ptr<EVP_MAC, Free> cmac_alg(EVP_MAC_fetch(nullptr, "CMAC", nullptr));
  static const std::unique_ptr<EVP_MAC, Free> hmac_alg(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return cmac ? cmac_alg.get() : hmac_alg.get();
}

Result<Aes128Mac> gmac_parts(std::span<const std::byte> key, std::span<const std::byte> nonce,
                             const Parts& parts) {
  if (key.size() != 16 || nonce.size() != 12) return NtStatus::InvalidParameter;
  const EVP_CIPHER* cipher = gcm_cipher();
  if (!cipher) return NtStatus::NotSupported;
  // One context per thread, initialised afresh for each message.
  thread_local std::unique_ptr<EVP_CIPHER_CTX, Free> tls_ctx(EVP_CIPHER_CTX_new());
  EVP_CIPHER_CTX* ctx = tls_ctx.get();
  if (!ctx) return NtStatus::NoMemory;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  if (EVP_EncryptInit_ex2(ctx, cipher, k, iv, nullptr) != 1) {
    return NtStatus::InternalError;
  }
  // GMAC is GCM with everything as AAD and no plaintext.
  int outl = 0;
  for (auto part : parts) {
    if (part.empty()) continue;
    if (part.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
        EVP_EncryptUpdate(ctx, nullptr, &outl, reinterpret_cast<const unsigned char*>(part.data()),
                          static_cast<int>(part.size())) != 1) {
      return NtStatus::InternalError;
    }
  }
  unsigned char final_block[16];
  Aes128Mac tag{};
  if (EVP_EncryptFinal_ex(ctx, final_block, &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag.data()) != 1) {
    return NtStatus::InternalError;
  }
  return tag;
}

// HMAC-SHA256 (truncated) or AES-CMAC over the parts through EVP_MAC.
Result<Aes128Mac> mac_parts(bool cmac, std::span<const std::byte> key, const Parts& parts) {
  EVP_MAC* mac = fetched_mac(cmac);
  if (!mac) return NtStatus::NotSupported;
  std::unique_ptr<EVP_MAC_CTX, Free> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return NtStatus::NoMemory;
  char cipher[] = "AES-128-CBC", digest[] = "SHA256";
  OSSL_PARAM params[] = {cmac ? OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0)
                              : OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    return NtStatus::InvalidParameter;
  }
  for (auto part : parts) {
    if (!part.empty() &&
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                       part.size()) != 1) {
      return NtStatus::InternalError;
    }
  }
  unsigned char out[32];
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1 || len < 16) {
    return NtStatus::InternalError;
  }
  Aes128Mac r{};
  std::copy_n(reinterpret_cast<const std::byte*>(out), 16, r.begin());
  return r;
}

}  // namespace

Result<Aes128Mac> aes128_gmac(std::span<const std::byte> key, std::span<const std::byte> nonce,
                              std::span<const std::byte> aad) {
  return gmac_parts(key, nonce, Parts{aad, {}, {}, {}});
}

namespace {

Result<Aes128Mac> compute_signature(std::span<const std::byte> message,
                                    std::span<const std::byte> tail, std::span<const std::byte> key,
                                    SigningAlgorithm algorithm) {
  if (message.size() < kSmb2HeaderSize) return NtStatus::InvalidParameter;
  const Parts parts = signed_parts(message, tail);
  switch (algorithm) {
    case SigningAlgorithm::HmacSha256: {
      // SMB 2.x: keyed with Session.SessionKey, 16 bytes (zero-padded when shorter).
      if (key.empty()) return NtStatus::InvalidParameter;
      std::array<std::byte, 16> k{};
      std::copy_n(key.begin(), std::min<size_t>(16, key.size()), k.begin());
      return mac_parts(false, k, parts);
    }
    case SigningAlgorithm::AesCmac:
      if (key.size() != 16) return NtStatus::InvalidParameter;
      return mac_parts(true, key, parts);
    case SigningAlgorithm::AesGmac: {
      // Nonce: MessageId, then a 32-bit word with bit 0 = response, bit 1 = CANCEL.
      uint64_t message_id = 0;
      uint16_t command = 0;
      uint32_t flags = 0;
      wire::get_u64(message, 24, message_id);
      wire::get_u16(message, 12, command);
      wire::get_u32(message, 16, flags);
      uint32_t role = (flags & kSmb2FlagsServerToRedir) ? 1 : 0;
      if (command == kSmb2Cancel) role |= 2;
      wire::Bytes nonce;
      wire::put_u64(nonce, message_id);
      wire::put_u32(nonce, role);
      return gmac_parts(key, nonce, parts);
    }
  }
  return NtStatus::InvalidParameter;
}

}  // namespace

NtStatus sign_message(std::span<std::byte> message, std::span<const std::byte> key,
                      SigningAlgorithm algorithm) {
  return sign_message(message, {}, key, algorithm);
}

NtStatus sign_message(std::span<std::byte> message, std::span<const std::byte> tail,
                      std::span<const std::byte> key, SigningAlgorithm algorithm) {
  auto sig = compute_signature(message, tail, key, algorithm);
  if (!sig) return sig.status();
  std::copy(sig->begin(), sig->end(), message.begin() + kSmb2SignatureOffset);
  return NtStatus::Success;
}

bool verify_message(std::span<const std::byte> message, std::span<const std::byte> key,
                    SigningAlgorithm algorithm) {
  auto sig = compute_signature(message, {}, key, algorithm);
  return sig && CRYPTO_memcmp(sig->data(), message.data() + kSmb2SignatureOffset, 16) == 0;
}

}  // namespace lwsmb::auth
