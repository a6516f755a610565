#include "lwsmb/auth/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

namespace lwsmb::auth {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};

template <size_t N>
Result<std::array<std::byte, N>> mac(const char* algorithm, OSSL_PARAM* params,
                                     std::span<const std::byte> key,
                                     std::span<const std::byte> data) {
  std::unique_ptr<EVP_MAC, MacDeleter> m(EVP_MAC_fetch(nullptr, algorithm, nullptr));
  if (!m) return NtStatus::NotSupported;
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(EVP_MAC_CTX_new(m.get()));
  if (!ctx) return NtStatus::NoMemory;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), k, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1) {
    return NtStatus::InvalidParameter;
  }
  std::array<std::byte, N> out{};
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, N) != 1 ||
      len != N) {
    return NtStatus::InternalError;
  }
  return out;
}

}  // namespace

Result<Sha512Digest> sha512(std::span<const std::byte> data) {
  std::unique_ptr<EVP_MD, MacDeleter> md(EVP_MD_fetch(nullptr, "SHA512", nullptr));
  std::unique_ptr<EVP_MD_CTX, MacDeleter> ctx(EVP_MD_CTX_new());
  if (!md || !ctx) return NtStatus::NoMemory;
  Sha512Digest out{};
  unsigned len = 0;
  if (EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size()) {
    return NtStatus::InternalError;
  }
  return out;
}

Result<Sha256Mac> hmac_sha256(std::span<const std::byte> key, std::span<const std::byte> data) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  return mac<32>("HMAC", params, key, data);
}

Result<Aes128Mac> aes128_cmac(std::span<const std::byte> key, std::span<const std::byte> data) {
  if (key.size() != 16) return NtStatus::InvalidParameter;
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  return mac<16>("CMAC", params, key, data);
}

}  // namespace lwsmb::auth
