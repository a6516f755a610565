// SMB 3.x encryption through OpenSSL 3 EVP AEAD ciphers (MS-SMB2 3.1.4.3).
#include "lwsmb/auth/smb_encryption.hpp"

#include <openssl/evp.h>

#include <array>
#include <limits>
#include <memory>

namespace lwsmb::auth {
namespace {

struct Free {
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};

bool is_ccm(SmbCipher c) {
  return c == SmbCipher::Aes128Ccm || c == SmbCipher::Aes256Ccm;
}

const char* evp_name(SmbCipher c) {
  switch (c) {
    case SmbCipher::Aes128Ccm:
      return "AES-128-CCM";
    case SmbCipher::Aes128Gcm:
      return "AES-128-GCM";
    case SmbCipher::Aes256Ccm:
      return "AES-256-CCM";
    case SmbCipher::Aes256Gcm:
      return "AES-256-GCM";
  }
  return "";
}

const unsigned char* u8(std::span<const std::byte> s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* u8(std::span<std::byte> s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// One AEAD pass. On decrypt, tag is the expected tag; on encrypt it receives the computed one.
// The fetched cipher, once per process: EVP_CIPHER_fetch walks the provider tables, which a
// small message would otherwise pay for every time. Fetched ciphers are safe to share.
const EVP_CIPHER* fetched(SmbCipher c) {
  static const std::array<std::unique_ptr<EVP_CIPHER, Free>, 5> table = [] {
    std::array<std::unique_ptr<EVP_CIPHER, Free>, 5> t;
    for (uint16_t id = 1; id <= 4; ++id) {
      t[id].reset(EVP_CIPHER_fetch(nullptr, evp_name(static_cast<SmbCipher>(id)), nullptr));
    }
    return t;
  }();
  return table[static_cast<uint16_t>(c)].get();
}

// One AEAD pass over the parts in order, as if they were one buffer. On decrypt, tag is the
// expected tag; on encrypt it receives the computed one.
NtStatus aead(bool encrypt, SmbCipher c, std::span<const std::byte> key,
              std::span<const std::byte> nonce, std::span<const std::byte> aad,
              std::span<const std::span<std::byte>> parts, EncryptionTag& tag) {
  size_t total = 0;
  for (auto p : parts) total += p.size();
  if (!is_known_cipher(static_cast<uint16_t>(c)) || key.size() != cipher_key_size(c) ||
      total == 0 || nonce.size() != cipher_nonce_size(c) ||
      total > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      aad.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return NtStatus::InvalidParameter;
  }
  const EVP_CIPHER* cipher = fetched(c);
  if (!cipher) return NtStatus::NotSupported;
  std::unique_ptr<EVP_CIPHER_CTX, Free> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return NtStatus::NoMemory;
  const int enc = encrypt ? 1 : 0;
  const bool ccm = is_ccm(c);
  // Cipher first, then nonce and tag lengths, then key and nonce (the order CCM requires).
  if (EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, enc, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1) {
    return NtStatus::InternalError;
  }
  if (ccm && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16,
                                 encrypt ? nullptr : tag.data()) != 1) {
    return NtStatus::InternalError;
  }
  if (EVP_CipherInit_ex2(ctx.get(), nullptr, u8(key), u8(nonce), enc, nullptr) != 1) {
    return NtStatus::InternalError;
  }
  int outl = 0;
  // CCM needs the total length before any AAD.
  if (ccm && EVP_CipherUpdate(ctx.get(), nullptr, &outl, nullptr, static_cast<int>(total)) != 1) {
    return NtStatus::InternalError;
  }
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &outl, u8(aad), static_cast<int>(aad.size())) != 1) {
    return NtStatus::InternalError;
  }
  if (!encrypt && !ccm &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag.data()) != 1) {
    return NtStatus::InternalError;
  }
  // CCM takes the whole message in one update (and verifies the tag there): parts are only
  // for GCM, which streams.
  if (ccm && parts.size() != 1) return NtStatus::InvalidParameter;
  for (auto data : parts) {
    if (data.empty()) continue;
    if (EVP_CipherUpdate(ctx.get(), u8(data), &outl, u8(std::span<const std::byte>(data)),
                         static_cast<int>(data.size())) != 1) {
      return encrypt ? NtStatus::InternalError : NtStatus::AccessDenied;
    }
  }
  if (!ccm) {
    unsigned char final_block[16];
    if (EVP_CipherFinal_ex(ctx.get(), final_block, &outl) != 1) {
      return encrypt ? NtStatus::InternalError : NtStatus::AccessDenied;
    }
  }
  if (encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, tag.data()) != 1) {
    return NtStatus::InternalError;
  }
  return NtStatus::Success;
}

}  // namespace

bool is_known_cipher(uint16_t id) {
  return id >= 1 && id <= 4;
}

size_t cipher_key_size(SmbCipher c) {
  return c == SmbCipher::Aes256Ccm || c == SmbCipher::Aes256Gcm ? 32 : 16;
}

size_t cipher_nonce_size(SmbCipher c) {
  return is_ccm(c) ? 11 : 12;
}

Result<EncryptionTag> smb_encrypt(SmbCipher c, std::span<const std::byte> key,
                                  std::span<const std::byte> nonce, std::span<const std::byte> aad,
                                  std::span<std::byte> data) {
  return smb_encrypt_parts(c, key, nonce, aad, std::span<const std::span<std::byte>>(&data, 1));
}

Result<EncryptionTag> smb_encrypt_parts(SmbCipher c, std::span<const std::byte> key,
                                        std::span<const std::byte> nonce,
                                        std::span<const std::byte> aad,
                                        std::span<const std::span<std::byte>> parts) {
  EncryptionTag tag{};
  NtStatus st = aead(true, c, key, nonce, aad, parts, tag);
  if (st != NtStatus::Success) return st;
  return tag;
}

NtStatus smb_decrypt(SmbCipher c, std::span<const std::byte> key, std::span<const std::byte> nonce,
                     std::span<const std::byte> aad, std::span<std::byte> data,
                     const EncryptionTag& tag) {
  EncryptionTag expected = tag;
  return aead(false, c, key, nonce, aad, std::span<const std::span<std::byte>>(&data, 1), expected);
}

}  // namespace lwsmb::auth
