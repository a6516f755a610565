// Private OpenSSL 3 EVP wrappers used by NTLMSSP: MD4, MD5, HMAC-MD5, RC4 (legacy provider) and
// the CSPRNG. Every primitive is fetched through EVP; nothing is hand-rolled.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth::evp {

using Digest16 = std::array<std::byte, 16>;

// Loads OpenSSL's "legacy" and "default" providers into the default library context, once and
// thread-safely. Returns false when the legacy provider is missing (MD4/RC4 then fail).
bool ensure_legacy_provider();

Result<Digest16> md4(std::span<const std::byte> data);
Result<Digest16> md5(std::span<const std::byte> a, std::span<const std::byte> b = {});
// HMAC-MD5 over the concatenation of up to three parts.
Result<Digest16> hmac_md5(std::span<const std::byte> key, std::span<const std::byte> a,
                          std::span<const std::byte> b = {}, std::span<const std::byte> c = {});
// RAND_bytes; false on failure.
bool random_bytes(std::span<std::byte> out);

// An RC4 keystream that keeps its state across calls (MS-NLMP 3.4: sealing handles).
class Rc4 {
 public:
  Rc4();
  ~Rc4();
  Rc4(Rc4&&) noexcept;
  Rc4& operator=(Rc4&&) noexcept;
  NtStatus init(std::span<const std::byte> key);
  // XORs data with the next keystream bytes, in place.
  NtStatus apply(std::span<std::byte> data);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// One-shot RC4 of data under key.
Result<std::vector<std::byte>> rc4(std::span<const std::byte> key, std::span<const std::byte> data);

}  // namespace lwsmb::auth::evp
