// SMB 3.x encrypted messages on the server side: unwrapping a request's transform header
// (MS-SMB2 3.3.5.2.1.1) and wrapping a response in one (MS-SMB2 3.3.4.1.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "srv/smb_state.hpp"

namespace lwsmb::server {

// A decrypted request and what its response needs to be encrypted the same way. The key is a
// copy: the session may be gone (LOGOFF) by the time the response is sent.
struct DecryptedRequest {
  std::vector<std::byte> message;  // the SMB2 message or compound chain inside
  uint64_t session_id = 0;
  uint16_t cipher = 0;
  std::vector<std::byte> response_key;  // Session.EncryptionKey
};

// nullopt when the message must end the connection: unknown session, no cipher, bad sizes or a
// tag that does not verify.
std::optional<DecryptedRequest> decrypt_request(const ConnectionState& st,
                                                std::span<const std::byte> msg);

// The transform message carrying plain (a response or compound chain), under a fresh random
// nonce, after `headroom` zero bytes (room for the Direct TCP header: the one copy of plain is
// into the send buffer, sealed there in place). nullopt only when the cipher fails.
std::optional<std::vector<std::byte>> encrypt_response(const DecryptedRequest& req,
                                                       std::span<const std::byte> plain,
                                                       size_t headroom = 0);

// Seals a response where it lies: buf is 52 bytes of room for the transform header, then the
// response; `more` (may be empty) is the rest of it held elsewhere, which needs a GCM cipher.
// False when the cipher fails (the connection then ends).
bool encrypt_response_in_place(const DecryptedRequest& req, std::span<std::byte> buf,
                               std::span<std::byte> more = {});

}  // namespace lwsmb::server
