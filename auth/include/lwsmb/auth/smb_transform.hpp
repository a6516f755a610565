// Whole SMB 3 messages in and out of the SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41, 3.1.4.3), the
// same for both directions: the server seals responses with Session.EncryptionKey
// (server_to_client) and opens requests with Session.DecryptionKey (client_to_server); the rdr
// client the other way round.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth {

// TRANSFORM_HEADER + ciphertext of plain (one SMB2 message or compound chain) under key, with a
// fresh random nonce (CCM 11 bytes, GCM 12: collisions stay out of reach for any session).
// Empty or over-4-GiB input, or a key of the wrong size: STATUS_INVALID_PARAMETER. `headroom`
// zero bytes come first (room for the Direct TCP header): plain is copied once, into the buffer
// that is sent, and sealed there in place.
Result<std::vector<std::byte>> seal_message(SmbCipher cipher, std::span<const std::byte> key,
                                            uint64_t session_id, std::span<const std::byte> plain,
                                            size_t headroom = 0);

// The same without a copy: buf is kTransformHeaderSize bytes of room for the transform header
// followed by the start of the message, `more` the rest of it (or empty; two pieces need a GCM
// cipher). Both are encrypted where they are and the header is written into the room.
NtStatus seal_in_place(SmbCipher cipher, std::span<const std::byte> key, uint64_t session_id,
                       std::span<std::byte> buf, std::span<std::byte> more = {});

// The SessionId of a transform message, to pick the key with; STATUS_INVALID_PARAMETER when the
// frame is not a well-formed transform message (short, wrong ProtocolId, flags not 1, or
// OriginalMessageSize not the size of what follows or below an SMB2 header).
Result<uint64_t> transform_session_id(std::span<const std::byte> frame);

// Decrypts a transform message: the plain SMB2 message, or STATUS_INVALID_PARAMETER for a
// malformed frame and STATUS_ACCESS_DENIED when the tag does not verify (MS-SMB2 3.3.5.2.1.1
// and 3.2.5.1.1.1: the receiver then drops the connection).
Result<std::vector<std::byte>> open_message(SmbCipher cipher, std::span<const std::byte> key,
                                            std::span<const std::byte> frame);

}  // namespace lwsmb::auth
