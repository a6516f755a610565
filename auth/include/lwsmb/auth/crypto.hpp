// Hashes and MACs for SMB signing and key derivation, all through OpenSSL 3 EVP.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth {

using Sha512Digest = std::array<std::byte, 64>;
using Sha256Mac = std::array<std::byte, 32>;
using Aes128Mac = std::array<std::byte, 16>;

// SHA-512 (the SMB 3.1.1 preauth integrity hash, MS-SMB2 3.3.5.4).
Result<Sha512Digest> sha512(std::span<const std::byte> data);
// HMAC-SHA256 (SMB 2.x signing, MS-SMB2 3.1.4.1).
Result<Sha256Mac> hmac_sha256(std::span<const std::byte> key, std::span<const std::byte> data);
// AES-128-CMAC (SMB 3.x signing, MS-SMB2 3.1.4.1). The key must be 16 bytes.
Result<Aes128Mac> aes128_cmac(std::span<const std::byte> key, std::span<const std::byte> data);

}  // namespace lwsmb::auth
