// SMB 3.x message encryption (MS-SMB2 3.1.4.3): AES-CCM and AES-GCM, 128- and 256-bit, over the
// message that follows a transform header, authenticated with the header's tail as AAD.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth {

enum class SmbCipher : uint16_t {  // values as in SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2)
  Aes128Ccm = 1,
  Aes128Gcm = 2,
  Aes256Ccm = 3,
  Aes256Gcm = 4,
};

// True for the four ciphers above.
bool is_known_cipher(uint16_t id);
// 16 or 32 bytes.
size_t cipher_key_size(SmbCipher c);
// The nonce bytes the cipher uses out of the 16-byte transform Nonce field: 11 for CCM, 12 for
// GCM (MS-SMB2 2.2.41); the rest of the field is zero.
size_t cipher_nonce_size(SmbCipher c);

using EncryptionTag = std::array<std::byte, 16>;

// Encrypts data in place and returns the 16-byte tag. nonce is cipher_nonce_size() bytes; aad is
// the transform header from Nonce to its end (32 bytes). STATUS_INVALID_PARAMETER on bad sizes.
Result<EncryptionTag> smb_encrypt(SmbCipher c, std::span<const std::byte> key,
                                  std::span<const std::byte> nonce, std::span<const std::byte> aad,
                                  std::span<std::byte> data);

// The same over a message held in several pieces (a response header and its READ data), as if
// they were one buffer: GCM only (CCM needs one piece; STATUS_INVALID_PARAMETER otherwise).
Result<EncryptionTag> smb_encrypt_parts(SmbCipher c, std::span<const std::byte> key,
                                        std::span<const std::byte> nonce,
                                        std::span<const std::byte> aad,
                                        std::span<const std::span<std::byte>> parts);

// Decrypts data in place; STATUS_ACCESS_DENIED when the tag does not verify (data is then
// garbage and must be dropped).
NtStatus smb_decrypt(SmbCipher c, std::span<const std::byte> key, std::span<const std::byte> nonce,
                     std::span<const std::byte> aad, std::span<std::byte> data,
                     const EncryptionTag& tag);

}  // namespace lwsmb::auth
