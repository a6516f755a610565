// SMB2/3 signing and SMB 3.x key derivation (MS-SMB2 3.1.4.1, 3.1.4.2, 3.2.5.3, 3.3.5.5.3),
// all through OpenSSL 3 EVP.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lwsmb/auth/crypto.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth {

// SP800-108 KDF in counter mode with HMAC-SHA256, r = 32, as MS-SMB2 3.1.4.2 uses it:
// K(i) = HMAC(key, [i]_4 || label || 0x00 || context || [L]_4). The caller passes the label and
// context *with* their trailing NUL as MS-SMB2 3.3.5.5.3 spells them ("SMB2AESCMAC\0"); the
// 0x00 separator is added here. out_len_bits must be a positive multiple of 8.
Result<std::vector<std::byte>> kdf_sp800_108_ctr_hmac_sha256(std::span<const std::byte> key,
                                                             std::span<const std::byte> label,
                                                             std::span<const std::byte> context,
                                                             uint32_t out_len_bits);

inline constexpr uint16_t kSmbDialect202 = 0x0202;
inline constexpr uint16_t kSmbDialect210 = 0x0210;
inline constexpr uint16_t kSmbDialect300 = 0x0300;
inline constexpr uint16_t kSmbDialect302 = 0x0302;
inline constexpr uint16_t kSmbDialect311 = 0x0311;

enum class SmbCipherKeyBits : uint16_t { Aes128 = 128, Aes256 = 256 };

// Keys for one SMB 3.x session. The server encrypts with server_to_client ("ServerOut",
// "SMBS2CCipherKey") and decrypts with client_to_server ("ServerIn ", "SMBC2SCipherKey"); a
// client the other way round. Signing and application keys are 16 bytes; cipher keys 16 or 32.
struct SmbKeys {
  std::vector<std::byte> signing;
  std::vector<std::byte> client_to_server;
  std::vector<std::byte> server_to_client;
  std::vector<std::byte> application;
};

// MS-SMB2 3.3.5.5.3 / 3.2.5.3.1. session_key is Session.FullSessionKey (16 bytes for NTLM, may
// be 32 for Kerberos); signing/application keys use its first 16 bytes (Session.SessionKey),
// 256-bit cipher keys use all of it. preauth_hash is the 64-byte Session.PreauthIntegrityHashValue
// and is required for 3.1.1 only. Dialects below 3.0 give STATUS_INVALID_PARAMETER.
Result<SmbKeys> derive_smb3_keys(std::span<const std::byte> session_key, uint16_t dialect,
                                 std::span<const std::byte> preauth_hash = {},
                                 SmbCipherKeyBits cipher_bits = SmbCipherKeyBits::Aes128);

// SMB 3.1.1 preauth integrity hash (MS-SMB2 3.3.5.4, 3.3.5.5): starts at 64 zero bytes;
// update(m) sets H = SHA-512(H || m).
class PreauthHash {
 public:
  PreauthHash() = default;
  NtStatus update(std::span<const std::byte> message);
  const Sha512Digest& value() const { return h_; }
  void reset() { h_ = {}; }

 private:
  Sha512Digest h_{};
};

enum class SigningAlgorithm : uint16_t {  // values as in SMB2_SIGNING_CAPABILITIES
                                          // (MS-SMB2 2.2.3.1.7)
  HmacSha256 = 0,
  AesCmac = 1,
  AesGmac = 2,
};

inline constexpr size_t kSmb2HeaderSize = 64;
inline constexpr size_t kSmb2SignatureOffset = 48;

// Signs one SMB2 message (header and body, the span ending where the next compound message or
// the frame begins): zeroes Signature (header offset 48, 16 bytes), computes the MAC over the
// whole message and writes it there (MS-SMB2 3.1.4.1). HMAC-SHA256 is truncated to 16 bytes;
// the key for HMAC-SHA256 is the session key (first 16 bytes; shorter keys zero-padded), for
// AES-CMAC/GMAC the 16-byte signing key. AES-GMAC uses AES-128-GCM with the message as AAD and
// the nonce MessageId (8 bytes LE) || uint32 LE with bit 0 = SMB2_FLAGS_SERVER_TO_REDIR and bit 1
// = (Command == SMB2 CANCEL), read from the header. Messages shorter than 64 bytes give
// STATUS_INVALID_PARAMETER.
NtStatus sign_message(std::span<std::byte> message, std::span<const std::byte> key,
                      SigningAlgorithm algorithm);
// The same for a message in two pieces, `message` (at least the header) followed by `tail` (a
// READ response's data in its own buffer), so that the data need not be copied to be signed.
NtStatus sign_message(std::span<std::byte> message, std::span<const std::byte> tail,
                      std::span<const std::byte> key, SigningAlgorithm algorithm);

// Recomputes the signature of message (left unchanged) and compares it in constant time.
bool verify_message(std::span<const std::byte> message, std::span<const std::byte> key,
                    SigningAlgorithm algorithm);

// AES-128-GMAC (AES-GCM with empty plaintext), 12-byte nonce, 16-byte tag.
Result<Aes128Mac> aes128_gmac(std::span<const std::byte> key, std::span<const std::byte> nonce,
                              std::span<const std::byte> aad);

}  // namespace lwsmb::auth
