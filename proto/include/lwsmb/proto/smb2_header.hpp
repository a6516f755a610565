// SMB2 message framing: the 64-byte header (MS-SMB2 2.2.1), the error response (2.2.2),
// compound chains (3.2.4.1.4 / 3.3.5.2.7), Direct TCP framing (2.1), the transform header
// (2.2.41) and the SMB1 NEGOTIATE recogniser used for the multi-protocol negotiate (3.3.5.3).
//
// Conventions for every smb2_*.hpp codec:
// - A decoder takes one whole SMB2 message starting at its header (offsets in SMB2 are relative
//   to the header start) and returns the body, or STATUS_INVALID_PARAMETER when the message is
//   too short, has the wrong StructureSize, or an offset/length pair leaves the message. Spans in
//   a decoded struct are views into the input: they live as long as the input buffer.
// - An encoder appends a body to `out`; `msg_start` is the index in `out` where this message's
//   header begins (offsets are computed from there). It returns STATUS_SUCCESS, or
//   STATUS_INVALID_PARAMETER when a field does not fit its wire width; `out` is then unchanged.
//   append_message() writes header and body in one go.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/ntstatus.hpp"
#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/smb2_constants.hpp"

namespace lwsmb::proto::smb2 {

inline constexpr size_t kHeaderSize = 64;

// MS-SMB2 2.2.1.1 / 2.2.1.2. `status` is ChannelSequence (low 16 bits) + Reserved in requests.
struct Header {
  uint16_t credit_charge = 0;
  uint32_t status = 0;
  Command command = Command::Negotiate;
  uint16_t credit_request_response = 0;
  uint32_t flags = 0;
  uint32_t next_command = 0;
  uint64_t message_id = 0;
  uint64_t async_id = 0;    // only when flags has kAsyncCommand
  uint32_t process_id = 0;  // sync form: Reserved (historically ProcessId)
  uint32_t tree_id = 0;     // sync form only
  uint64_t session_id = 0;
  std::array<std::byte, 16> signature{};

  bool is_response() const { return (flags & header_flag::kServerToRedir) != 0; }
  bool is_async() const { return (flags & header_flag::kAsyncCommand) != 0; }
  friend bool operator==(const Header&, const Header&) = default;
};

// Checks ProtocolId 0xFE 'S' 'M' 'B' and StructureSize 64. The command number is not
// range-checked (srv answers unknown commands with STATUS_INVALID_PARAMETER itself).
Result<Header> decode_header(std::span<const std::byte> msg);
// Writes exactly 64 bytes into out[0..64); out must be at least that long.
void encode_header(const Header& h, std::span<std::byte> out);
// Appends the 64-byte header to out.
void append_header(const Header& h, std::vector<std::byte>& out);

// Offsets of header fields a signer / compound builder patches in place.
inline constexpr size_t kHeaderFlagsOffset = 16;
inline constexpr size_t kHeaderNextCommandOffset = 20;
inline constexpr size_t kHeaderSignatureOffset = 48;

// StructureSize of a body (the two bytes after the header), for messages whose form depends on
// it (OPLOCK_BREAK). STATUS_INVALID_PARAMETER when the message is shorter than 66 bytes.
Result<uint16_t> peek_structure_size(std::span<const std::byte> msg);

// Writes a complete message: header then body, both appended to out. Body is any request or
// response struct with an encode_body() overload (smb2_session.hpp, smb2_file.hpp, ...).
template <class Body>
NtStatus append_message(const Header& h, const Body& body, std::vector<std::byte>& out) {
  const size_t start = out.size();
  append_header(h, out);
  NtStatus s = encode_body(body, out, start);
  if (s != NtStatus::Success) out.resize(start);
  return s;
}

// ---- Error response (MS-SMB2 2.2.2) -----------------------------------------------------------
struct ErrorResponse {
  uint8_t error_context_count = 0;        // 3.1.1 only
  std::span<const std::byte> error_data;  // ErrorData; one zero byte is sent when empty
};
Result<ErrorResponse> decode_error_response(std::span<const std::byte> msg);
NtStatus encode_body(const ErrorResponse& v, std::vector<std::byte>& out, size_t msg_start);

// MS-SMB2 2.2.2.1 error context (3.1.1): ErrorDataLength, ErrorId, data; 8-byte aligned.
struct ErrorContext {
  uint32_t error_id = 0;
  std::span<const std::byte> data;
};
Result<std::vector<ErrorContext>> decode_error_contexts(std::span<const std::byte> error_data,
                                                        uint8_t count);

// ---- Compound chains (MS-SMB2 3.3.5.2.7) --------------------------------------------------------
// Splits a received buffer into messages by NextCommand: each NextCommand is a multiple of 8, at
// least 64, inside the buffer; the last message has 0 and takes the rest. Every message must
// start with an SMB2 protocol id. STATUS_INVALID_PARAMETER otherwise.
Result<std::vector<std::span<const std::byte>>> split_compound(std::span<const std::byte> buf);

// Sender side: call after the message starting at prev_start is complete and before the next
// one is appended. Pads out with zeros to an 8-byte multiple counted from prev_start, patches
// the previous header's NextCommand, and returns the start of the next message (out.size()).
// Sign the previous message only after this (the padding is part of it).
size_t chain_next(std::vector<std::byte>& out, size_t prev_start);

// ---- Direct TCP transport (MS-SMB2 2.1) ---------------------------------------------------------
inline constexpr size_t kTransportHeaderSize = 4;
inline constexpr uint32_t kTransportMaxLength = 0x00FFFFFF;
// Writes 0x00 + 24-bit big-endian length. Returns false when length > 0xFFFFFF.
bool encode_transport_header(uint32_t length, std::span<std::byte, 4> out);
// Returns the stream-protocol length; STATUS_INVALID_PARAMETER when fewer than 4 bytes or the
// first byte is not zero. The caller enforces its own maximum message size.
Result<uint32_t> decode_transport_header(std::span<const std::byte> in);

// ---- Transform header (MS-SMB2 2.2.41) ----------------------------------------------------------
inline constexpr size_t kTransformHeaderSize = 52;
struct TransformHeader {
  std::array<std::byte, 16> signature{};
  std::array<std::byte, 16> nonce{};  // CCM uses the first 11 bytes, GCM the first 12
  uint32_t original_message_size = 0;
  uint16_t flags = transform_flag::kEncrypted;  // EncryptionAlgorithm in 3.0 / 3.0.2
  uint64_t session_id = 0;
  friend bool operator==(const TransformHeader&, const TransformHeader&) = default;
};
// Checks ProtocolId 0xFD 'S' 'M' 'B' and the 52-byte length.
Result<TransformHeader> decode_transform_header(std::span<const std::byte> in);
void encode_transform_header(const TransformHeader& h, std::span<std::byte> out);  // >= 52 bytes

// ProtocolId classifier for the first 4 bytes of a transport message.
enum class ProtocolKind { Smb1, Smb2, Transform, Compressed, Unknown };
ProtocolKind classify_protocol(std::span<const std::byte> msg);

// ---- SMB1 negotiate (MS-SMB 2.2.4.52.1, MS-SMB2 3.3.5.3) ----------------------------------------
// Given a message starting with 0xFF 'S' 'M' 'B' and command 0x72, returns the dialect strings
// (without the 0x02 buffer-format bytes and terminators). STATUS_INVALID_PARAMETER otherwise.
Result<std::vector<std::string>> decode_smb1_negotiate_dialects(std::span<const std::byte> msg);
// Builds an SMB1 NEGOTIATE request carrying the given dialects (used by tests and rdr probes).
std::vector<std::byte> encode_smb1_negotiate(const std::vector<std::string>& dialects);

}  // namespace lwsmb::proto::smb2
