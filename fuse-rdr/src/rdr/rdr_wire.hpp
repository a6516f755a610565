// Pure wire helpers of the rdr driver: building NEGOTIATE, checking the server's answer,
// encrypting requests into transform messages and taking received frames apart. No sockets:
// everything here is unit-tested with truncated and garbage input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/smb2.hpp"

namespace lwsmb::fuse_rdr {

namespace smb2 = proto::smb2;

// What the client offers in NEGOTIATE.
struct NegotiateOffer {
  uint16_t min_dialect = smb2::dialect::kSmb202;
  uint16_t max_dialect = smb2::dialect::kSmb311;
  bool require_signing = false;
  smb2::Guid client_guid{};
  std::vector<std::byte> salt;  // 32 random bytes for the 3.1.1 preauth context
};

// The dialects of {2.0.2, 2.1, 3.0, 3.0.2, 3.1.1} inside [min, max].
std::vector<uint16_t> offered_dialects(uint16_t min_dialect, uint16_t max_dialect);
// STATUS_INVALID_PARAMETER when no dialect lies inside the range.
Result<smb2::NegotiateRequest> build_negotiate_request(const NegotiateOffer& offer);

// The parts of the NEGOTIATE response the connection keeps (MS-SMB2 3.2.5.2).
struct Negotiated {
  uint16_t dialect = 0;
  uint16_t security_mode = 0;
  smb2::Guid server_guid{};
  uint32_t capabilities = 0;
  uint32_t max_transact_size = 0;
  uint32_t max_read_size = 0;
  uint32_t max_write_size = 0;
  uint16_t cipher = 0;  // 0: no encryption
  auth::SigningAlgorithm signing = auth::SigningAlgorithm::HmacSha256;
  std::vector<std::byte> security_buffer;  // the server's SPNEGO hint
  bool multi_credit() const {
    return dialect >= smb2::dialect::kSmb210 && (capabilities & smb2::capability::kLargeMtu);
  }
};
// Checks one NEGOTIATE response message against what was offered: a dialect we did not offer,
// a 3.1.1 answer without a SHA-512 preauth context, an unknown cipher or signing algorithm,
// or a malformed message give STATUS_INVALID_NETWORK_RESPONSE; a failing header status is
// returned as is (STATUS_NOT_SUPPORTED when there is no common dialect).
Result<Negotiated> accept_negotiate_response(std::span<const std::byte> msg,
                                             const NegotiateOffer& offer);

// FSCTL_VALIDATE_NEGOTIATE_INFO (MS-SMB2 3.2.5.5, 3.0 and 3.0.2 only): the request payload
// repeating what NEGOTIATE offered, and the check of the server's answer against what it
// negotiated (STATUS_ACCESS_DENIED on any difference or a malformed payload).
std::vector<std::byte> validate_negotiate_payload(const NegotiateOffer& offer);
NtStatus check_validate_negotiate(std::span<const std::byte> output, const Negotiated& n);

// Wraps one plain message (or compound chain) into a transform message (MS-SMB2 3.2.4.1.8).
Result<std::vector<std::byte>> encrypt_message(uint16_t cipher, std::span<const std::byte> key,
                                               uint64_t session_id,
                                               std::span<const std::byte> plain);
// Unwraps a transform message. key_for(session_id) gives the server-to-client key (empty when
// the session is unknown). STATUS_INVALID_NETWORK_RESPONSE on a malformed header, unknown
// session or wrong size; STATUS_ACCESS_DENIED when the tag does not verify.
Result<std::vector<std::byte>> decrypt_message(
    uint16_t cipher, std::span<const std::byte> frame,
    const std::function<std::span<const std::byte>(uint64_t session_id)>& key_for);

// One response message taken out of a (plain) frame.
struct IncomingMessage {
  smb2::Header header;
  std::span<const std::byte> bytes;  // header and body, a view into the frame
};
// Splits a plain frame into its compound messages and decodes each header; requests (no
// SERVER_TO_REDIR flag) and malformed chains give STATUS_INVALID_NETWORK_RESPONSE.
Result<std::vector<IncomingMessage>> split_responses(std::span<const std::byte> frame);

// Message id of an unsolicited oplock / lease break notification (MS-SMB2 3.2.5.19).
inline constexpr uint64_t kBreakMessageId = ~uint64_t{0};

}  // namespace lwsmb::fuse_rdr
