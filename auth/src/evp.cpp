#include "evp.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <limits>
#include <mutex>

namespace lwsmb::auth::evp {
namespace {

struct Free {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};

const unsigned char* u8(std::span<const std::byte> s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<Digest16> digest(const char* name, std::span<const std::byte> a,
                        std::span<const std::byte> b) {
  if (!ensure_legacy_provider()) return NtStatus::NotSupported;
  std::unique_ptr<EVP_MD, Free> md(EVP_MD_fetch(nullptr, name, nullptr));
  if (!md) return NtStatus::NotSupported;
  std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  if (!ctx) return NtStatus::NoMemory;
  Digest16 out{};
  unsigned len = 0;
  if (EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size()) {
    return NtStatus::InternalError;
  }
  return out;
}

}  // namespace

bool ensure_legacy_provider() {
  // Loaded once (thread-safe static init) for the life of the process and unloaded at exit,
  // before OPENSSL_cleanup runs. Explicitly loading any provider disables the implicit default
  // one, so "default" is loaded too (OpenSSL 3 provider(7)).
  struct Providers {
    OSSL_PROVIDER* def = OSSL_PROVIDER_load(nullptr, "default");
    OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(nullptr, "legacy");
    Providers() = default;
    Providers(const Providers&) = delete;
    Providers& operator=(const Providers&) = delete;
    ~Providers() {
      if (legacy) OSSL_PROVIDER_unload(legacy);
      if (def) OSSL_PROVIDER_unload(def);
    }
  };
  static const Providers providers;
  return providers.def != nullptr && providers.legacy != nullptr;
}

Result<Digest16> md4(std::span<const std::byte> data) {
  return digest("MD4", data, {});
}

Result<Digest16> md5(std::span<const std::byte> a, std::span<const std::byte> b) {
  return digest("MD5", a, b);
}

Result<Digest16> hmac_md5(std::span<const std::byte> key, std::span<const std::byte> a,
                          std::span<const std::byte> b, std::span<const std::byte> c) {
  if (!ensure_legacy_provider()) return NtStatus::NotSupported;
  std::unique_ptr<EVP_MAC, Free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return NtStatus::NotSupported;
  std::unique_ptr<EVP_MAC_CTX, Free> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return NtStatus::NoMemory;
  char md[] = "MD5";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md, 0),
                         OSSL_PARAM_construct_end()};
  Digest16 out{};
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), u8(key), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), u8(a), a.size()) != 1 ||
      EVP_MAC_update(ctx.get(), u8(b), b.size()) != 1 ||
      EVP_MAC_update(ctx.get(), u8(c), c.size()) != 1 ||
      EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) !=
          1 ||
      len != out.size()) {
    return NtStatus::InternalError;
  }
  return out;
}

bool random_bytes(std::span<std::byte> out) {
  if (out.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return false;
  return RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) ==
         1;
}

struct Rc4::Ctx {
  std::unique_ptr<EVP_CIPHER_CTX, Free> ctx;
};

Rc4::Rc4() = default;
Rc4::~Rc4() = default;
Rc4::Rc4(Rc4&&) noexcept = default;
Rc4& Rc4::operator=(Rc4&&) noexcept = default;

NtStatus Rc4::init(std::span<const std::byte> key) {
  if (key.empty() || key.size() > 256) return NtStatus::InvalidParameter;
  if (!ensure_legacy_provider()) return NtStatus::NotSupported;
  std::unique_ptr<EVP_CIPHER, Free> cipher(EVP_CIPHER_fetch(nullptr, "RC4", nullptr));
  if (!cipher) return NtStatus::NotSupported;
  auto c = std::make_unique<Ctx>();
  c->ctx.reset(EVP_CIPHER_CTX_new());
  if (!c->ctx) return NtStatus::NoMemory;
  // The key length is variable (5, 7 or 16 bytes for NTLM sealing keys): set it before the key.
  if (EVP_EncryptInit_ex2(c->ctx.get(), cipher.get(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_key_length(c->ctx.get(), static_cast<int>(key.size())) != 1 ||
      EVP_EncryptInit_ex2(c->ctx.get(), nullptr, u8(key), nullptr, nullptr) != 1) {
    return NtStatus::InternalError;
  }
  ctx_ = std::move(c);
  return NtStatus::Success;
}

NtStatus Rc4::apply(std::span<std::byte> data) {
  if (!ctx_) return NtStatus::InvalidParameter;
  if (data.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return NtStatus::InvalidParameter;
  }
  auto* p = reinterpret_cast<unsigned char*>(data.data());
  int outl = 0;
  if (EVP_EncryptUpdate(ctx_->ctx.get(), p, &outl, p, static_cast<int>(data.size())) != 1 ||
      static_cast<size_t>(outl) != data.size()) {
    return NtStatus::InternalError;
  }
  return NtStatus::Success;
}

Result<std::vector<std::byte>> rc4(std::span<const std::byte> key,
                                   std::span<const std::byte> data) {
  Rc4 r;
  if (auto st = r.init(key); st != NtStatus::Success) return st;
  std::vector<std::byte> out(data.begin(), data.end());
  if (auto st = r.apply(out); st != NtStatus::Success) return st;
  return out;
}

}  // namespace lwsmb::auth::evp
