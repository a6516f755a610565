// Connection- and session-level SMB2 messages: NEGOTIATE with negotiate contexts (MS-SMB2 2.2.3,
// 2.2.4), SESSION_SETUP (2.2.5, 2.2.6), LOGOFF (2.2.7, 2.2.8), TREE_CONNECT (2.2.9, 2.2.10),
// TREE_DISCONNECT (2.2.11, 2.2.12), ECHO (2.2.28, 2.2.29) and CANCEL (2.2.30).
// See smb2_header.hpp for the decoder/encoder conventions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/smb2_constants.hpp"
#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::proto::smb2 {

// ---- Negotiate contexts (MS-SMB2 2.2.3.1) -------------------------------------------------------
// One context as on the wire; data is owned (contexts are small).
struct NegotiateContext {
  uint16_t type = 0;
  std::vector<std::byte> data;
  friend bool operator==(const NegotiateContext&, const NegotiateContext&) = default;
};

struct PreauthIntegrityCapabilities {  // 2.2.3.1.1
  std::vector<uint16_t> hash_algorithms;
  std::vector<std::byte> salt;
  friend bool operator==(const PreauthIntegrityCapabilities&,
                         const PreauthIntegrityCapabilities&) = default;
};
struct EncryptionCapabilities {  // 2.2.3.1.2
  std::vector<uint16_t> ciphers;
  friend bool operator==(const EncryptionCapabilities&, const EncryptionCapabilities&) = default;
};
struct CompressionCapabilities {  // 2.2.3.1.3
  uint32_t flags = 0;
  std::vector<uint16_t> algorithms;
  friend bool operator==(const CompressionCapabilities&, const CompressionCapabilities&) = default;
};
struct NetnameContext {  // 2.2.3.1.4
  std::u16string net_name;
  friend bool operator==(const NetnameContext&, const NetnameContext&) = default;
};
struct TransportCapabilities {  // 2.2.3.1.5
  uint32_t flags = 0;
  friend bool operator==(const TransportCapabilities&, const TransportCapabilities&) = default;
};
struct RdmaTransformCapabilities {  // 2.2.3.1.6
  std::vector<uint16_t> transform_ids;
  friend bool operator==(const RdmaTransformCapabilities&,
                         const RdmaTransformCapabilities&) = default;
};
struct SigningCapabilities {  // 2.2.3.1.7
  std::vector<uint16_t> algorithms;
  friend bool operator==(const SigningCapabilities&, const SigningCapabilities&) = default;
};

// Typed context <-> raw context. Counts and lengths are 16-bit on the wire: keep arrays, salt
// and names below 65536 entries / bytes. The decoders check the context data length covers
// the counted arrays (trailing bytes are tolerated); counts of zero are rejected where the spec
// requires at least one entry.
NegotiateContext to_context(const PreauthIntegrityCapabilities& v);
NegotiateContext to_context(const EncryptionCapabilities& v);
NegotiateContext to_context(const CompressionCapabilities& v);
NegotiateContext to_context(const NetnameContext& v);
NegotiateContext to_context(const TransportCapabilities& v);
NegotiateContext to_context(const RdmaTransformCapabilities& v);
NegotiateContext to_context(const SigningCapabilities& v);
Result<PreauthIntegrityCapabilities> decode_preauth_integrity(std::span<const std::byte> data);
Result<EncryptionCapabilities> decode_encryption_capabilities(std::span<const std::byte> data);
Result<CompressionCapabilities> decode_compression_capabilities(std::span<const std::byte> data);
Result<NetnameContext> decode_netname(std::span<const std::byte> data);
Result<TransportCapabilities> decode_transport_capabilities(std::span<const std::byte> data);
Result<RdmaTransformCapabilities> decode_rdma_transform_capabilities(
    std::span<const std::byte> data);
Result<SigningCapabilities> decode_signing_capabilities(std::span<const std::byte> data);

// First context of the given type, or nullptr.
const NegotiateContext* find_context(const std::vector<NegotiateContext>& list, uint16_t type);

// ---- NEGOTIATE
// ------------------------------------------------------------------------------------
struct NegotiateRequest {  // 2.2.3, StructureSize 36
  uint16_t security_mode = 0;
  uint32_t capabilities = 0;
  Guid client_guid{};
  uint64_t client_start_time = 0;  // dialects without 3.1.1 only (else context offset/count)
  std::vector<uint16_t> dialects;
  std::vector<NegotiateContext> contexts;  // only when dialects contains 0x0311
  friend bool operator==(const NegotiateRequest&, const NegotiateRequest&) = default;
};
struct NegotiateResponse {  // 2.2.4, StructureSize 65
  uint16_t security_mode = 0;
  uint16_t dialect_revision = 0;
  Guid server_guid{};
  uint32_t capabilities = 0;
  uint32_t max_transact_size = 0;
  uint32_t max_read_size = 0;
  uint32_t max_write_size = 0;
  uint64_t system_time = 0;  // FILETIME
  uint64_t server_start_time = 0;
  std::span<const std::byte> security_buffer;  // SPNEGO init token
  std::vector<NegotiateContext> contexts;      // only when dialect_revision is 0x0311
};
Result<NegotiateRequest> decode_negotiate_request(std::span<const std::byte> msg);
Result<NegotiateResponse> decode_negotiate_response(std::span<const std::byte> msg);
NtStatus encode_body(const NegotiateRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const NegotiateResponse& v, std::vector<std::byte>& out, size_t msg_start);

// ---- SESSION_SETUP
// --------------------------------------------------------------------------------
struct SessionSetupRequest {  // 2.2.5, StructureSize 25
  uint8_t flags = 0;          // session_setup_flag
  uint8_t security_mode = 0;  // security_mode (8-bit here)
  uint32_t capabilities = 0;
  uint32_t channel = 0;
  uint64_t previous_session_id = 0;
  std::span<const std::byte> security_buffer;
};
struct SessionSetupResponse {  // 2.2.6, StructureSize 9
  uint16_t session_flags = 0;
  std::span<const std::byte> security_buffer;
};
Result<SessionSetupRequest> decode_session_setup_request(std::span<const std::byte> msg);
Result<SessionSetupResponse> decode_session_setup_response(std::span<const std::byte> msg);
NtStatus encode_body(const SessionSetupRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const SessionSetupResponse& v, std::vector<std::byte>& out, size_t msg_start);

// ---- Messages with only StructureSize 4 + Reserved ---------------------------------------------
struct LogoffRequest {};           // 2.2.7
struct LogoffResponse {};          // 2.2.8
struct TreeDisconnectRequest {};   // 2.2.11
struct TreeDisconnectResponse {};  // 2.2.12
struct EchoRequest {};             // 2.2.28
struct EchoResponse {};            // 2.2.29
struct CancelRequest {};           // 2.2.30 (no response)
struct FlushResponse {};           // 2.2.18
struct LockResponse {};            // 2.2.27
Result<LogoffRequest> decode_logoff_request(std::span<const std::byte> msg);
Result<LogoffResponse> decode_logoff_response(std::span<const std::byte> msg);
Result<TreeDisconnectRequest> decode_tree_disconnect_request(std::span<const std::byte> msg);
Result<TreeDisconnectResponse> decode_tree_disconnect_response(std::span<const std::byte> msg);
Result<EchoRequest> decode_echo_request(std::span<const std::byte> msg);
Result<EchoResponse> decode_echo_response(std::span<const std::byte> msg);
Result<CancelRequest> decode_cancel_request(std::span<const std::byte> msg);
Result<FlushResponse> decode_flush_response(std::span<const std::byte> msg);
Result<LockResponse> decode_lock_response(std::span<const std::byte> msg);
NtStatus encode_body(const LogoffRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const LogoffResponse& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const TreeDisconnectRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const TreeDisconnectResponse& v, std::vector<std::byte>& out,
                     size_t msg_start);
NtStatus encode_body(const EchoRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const EchoResponse& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const CancelRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const FlushResponse& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const LockResponse& v, std::vector<std::byte>& out, size_t msg_start);

// ---- TREE_CONNECT
// ---------------------------------------------------------------------------------
struct TreeConnectRequest {  // 2.2.9, StructureSize 9
  uint16_t flags = 0;        // tree_connect_flag; the 3.1.1 extension is not parsed
  std::u16string path;       // "\\server\share"
  friend bool operator==(const TreeConnectRequest&, const TreeConnectRequest&) = default;
};
struct TreeConnectResponse {  // 2.2.10, StructureSize 16
  uint8_t share_type = share_type::kDisk;
  uint32_t share_flags = 0;
  uint32_t capabilities = 0;
  uint32_t maximal_access = 0;
  friend bool operator==(const TreeConnectResponse&, const TreeConnectResponse&) = default;
};
Result<TreeConnectRequest> decode_tree_connect_request(std::span<const std::byte> msg);
Result<TreeConnectResponse> decode_tree_connect_response(std::span<const std::byte> msg);
NtStatus encode_body(const TreeConnectRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const TreeConnectResponse& v, std::vector<std::byte>& out, size_t msg_start);

}  // namespace lwsmb::proto::smb2
