// SMB2 messages on an open: CREATE with create contexts (MS-SMB2 2.2.13, 2.2.14), CLOSE (2.2.15,
// 2.2.16), FLUSH (2.2.17), READ (2.2.19, 2.2.20), WRITE (2.2.21, 2.2.22), LOCK (2.2.26) and
// IOCTL (2.2.31, 2.2.32) with VALIDATE_NEGOTIATE_INFO (2.2.31.4, 2.2.32.6).
// See smb2_header.hpp for the decoder/encoder conventions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/smb2_constants.hpp"
#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::proto::smb2 {

// MS-SMB2 2.2.14.1 SMB2_FILEID.
struct FileId {
  uint64_t persistent = 0;
  uint64_t volatile_id = 0;
  friend bool operator==(const FileId&, const FileId&) = default;
};
// The all-ones FileId that names "the previous open" in a related compound (3.3.5.2.7.2).
inline constexpr FileId kRelatedFileId{~uint64_t{0}, ~uint64_t{0}};

// ---- Create contexts (MS-SMB2 2.2.13.2) ---------------------------------------------------------
// name is the raw tag ("RqLs", or a 16-byte binary GUID); data is owned.
struct CreateContext {
  std::string name;
  std::vector<std::byte> data;
  friend bool operator==(const CreateContext&, const CreateContext&) = default;
};
// Parses a chain of create contexts (Next / NameOffset / DataOffset relative to each context,
// each context 8-byte aligned). STATUS_INVALID_PARAMETER on any bad offset or length.
Result<std::vector<CreateContext>> decode_create_contexts(std::span<const std::byte> buf);
// Appends the chain (8-byte aligned from the start of `out`'s current end, which the caller
// keeps 8-aligned relative to the message); returns the bytes appended.
size_t encode_create_contexts(const std::vector<CreateContext>& list, std::vector<std::byte>& out);
const CreateContext* find_create_context(const std::vector<CreateContext>& list,
                                         std::string_view name);

// RqLs data, 2.2.13.2.8 (v1, 32 bytes) and 2.2.13.2.10 (v2, 52 bytes); the same layout is sent
// back in the CREATE response (2.2.14.2.10 / 2.2.14.2.11).
struct LeaseContext {
  bool v2 = false;
  Guid lease_key{};
  uint32_t lease_state = 0;
  uint32_t lease_flags = 0;
  uint64_t lease_duration = 0;
  Guid parent_lease_key{};  // v2
  uint16_t epoch = 0;       // v2
  friend bool operator==(const LeaseContext&, const LeaseContext&) = default;
};
Result<LeaseContext> decode_lease_context(std::span<const std::byte> data);
std::vector<std::byte> encode_lease_context(const LeaseContext& v);

// MxAc response data (2.2.14.2.5); the request data is an optional 8-byte timestamp.
struct MaximalAccessResponse {
  uint32_t query_status = 0;
  uint32_t maximal_access = 0;
  friend bool operator==(const MaximalAccessResponse&, const MaximalAccessResponse&) = default;
};
Result<MaximalAccessResponse> decode_maximal_access_response(std::span<const std::byte> data);
std::vector<std::byte> encode_maximal_access_response(const MaximalAccessResponse& v);

// QFid response data (2.2.14.2.9): DiskFileId, VolumeId, 16 reserved bytes.
struct QueryOnDiskIdResponse {
  uint64_t disk_file_id = 0;
  uint64_t volume_id = 0;
  friend bool operator==(const QueryOnDiskIdResponse&, const QueryOnDiskIdResponse&) = default;
};
Result<QueryOnDiskIdResponse> decode_query_on_disk_id_response(std::span<const std::byte> data);
std::vector<std::byte> encode_query_on_disk_id_response(const QueryOnDiskIdResponse& v);

// ---- CREATE
// ---------------------------------------------------------------------------------------
struct CreateRequest {  // 2.2.13, StructureSize 57
  uint8_t security_flags = 0;
  uint8_t requested_oplock_level = oplock_level::kNone;
  uint32_t impersonation_level = impersonation_level::kImpersonation;
  uint64_t smb_create_flags = 0;
  uint32_t desired_access = 0;
  uint32_t file_attributes = 0;
  uint32_t share_access = 0;
  uint32_t create_disposition = 0;  // lwsmb::CreateDisposition values
  uint32_t create_options = 0;
  std::u16string name;  // relative to the share root, no leading backslash
  std::vector<CreateContext> contexts;
  friend bool operator==(const CreateRequest&, const CreateRequest&) = default;
};
struct CreateResponse {  // 2.2.14, StructureSize 89
  uint8_t oplock_level = oplock_level::kNone;
  uint8_t flags = 0;
  uint32_t create_action = 0;
  int64_t creation_time = 0;
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  int64_t allocation_size = 0;
  int64_t end_of_file = 0;
  uint32_t file_attributes = 0;
  FileId file_id;
  std::vector<CreateContext> contexts;
  friend bool operator==(const CreateResponse&, const CreateResponse&) = default;
};
Result<CreateRequest> decode_create_request(std::span<const std::byte> msg);
Result<CreateResponse> decode_create_response(std::span<const std::byte> msg);
NtStatus encode_body(const CreateRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const CreateResponse& v, std::vector<std::byte>& out, size_t msg_start);

// ---- CLOSE / FLUSH
// --------------------------------------------------------------------------------
struct CloseRequest {  // 2.2.15, StructureSize 24
  uint16_t flags = 0;  // close_flag
  FileId file_id;
  friend bool operator==(const CloseRequest&, const CloseRequest&) = default;
};
struct CloseResponse {  // 2.2.16, StructureSize 60; attributes valid with kPostqueryAttrib
  uint16_t flags = 0;
  int64_t creation_time = 0;
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  int64_t allocation_size = 0;
  int64_t end_of_file = 0;
  uint32_t file_attributes = 0;
  friend bool operator==(const CloseResponse&, const CloseResponse&) = default;
};
struct FlushRequest {  // 2.2.17, StructureSize 24 (response: FlushResponse in smb2_session.hpp)
  FileId file_id;
  friend bool operator==(const FlushRequest&, const FlushRequest&) = default;
};
Result<CloseRequest> decode_close_request(std::span<const std::byte> msg);
Result<CloseResponse> decode_close_response(std::span<const std::byte> msg);
Result<FlushRequest> decode_flush_request(std::span<const std::byte> msg);
NtStatus encode_body(const CloseRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const CloseResponse& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const FlushRequest& v, std::vector<std::byte>& out, size_t msg_start);

// ---- READ
// -----------------------------------------------------------------------------------------
struct ReadRequest {       // 2.2.19, StructureSize 49
  uint8_t padding = 0x50;  // where the client wants data placed in the response
  uint8_t flags = 0;       // read_flag
  uint32_t length = 0;
  uint64_t offset = 0;
  FileId file_id;
  uint32_t minimum_count = 0;
  uint32_t channel = channel::kNone;
  uint32_t remaining_bytes = 0;
  std::span<const std::byte> channel_info;  // ReadChannelInfo (RDMA only)
};
struct ReadResponse {  // 2.2.20, StructureSize 17
  uint32_t data_remaining = 0;
  uint32_t flags = 0;  // read_response_flag (3.1.1)
  std::span<const std::byte> data;
};
// Offset of READ response data from the message start when placed right after the fixed part.
inline constexpr size_t kReadResponseDataOffset = kHeaderSize + 16;
Result<ReadRequest> decode_read_request(std::span<const std::byte> msg);
Result<ReadResponse> decode_read_response(std::span<const std::byte> msg);
NtStatus encode_body(const ReadRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const ReadResponse& v, std::vector<std::byte>& out, size_t msg_start);
// Zero-copy path: writes only the 16 fixed bytes with DataOffset 0x50 and DataLength
// data_length (v.data is ignored); the caller places data_length bytes right after, at
// message offset kReadResponseDataOffset. Assumes the header is 64 bytes before this body.
void encode_read_response_fixed(const ReadResponse& v, uint32_t data_length,
                                std::span<std::byte, 16> out);

// ---- WRITE
// ----------------------------------------------------------------------------------------
struct WriteRequest {  // 2.2.21, StructureSize 49
  uint64_t offset = 0;
  FileId file_id;
  uint32_t channel = channel::kNone;
  uint32_t remaining_bytes = 0;
  uint32_t flags = 0;  // write_flag
  std::span<const std::byte> data;
  std::span<const std::byte> channel_info;  // WriteChannelInfo (RDMA only)
};
struct WriteResponse {  // 2.2.22, StructureSize 17
  uint32_t count = 0;
  uint32_t remaining = 0;
  friend bool operator==(const WriteResponse&, const WriteResponse&) = default;
};
inline constexpr size_t kWriteRequestDataOffset = kHeaderSize + 48;
Result<WriteRequest> decode_write_request(std::span<const std::byte> msg);
Result<WriteResponse> decode_write_response(std::span<const std::byte> msg);
NtStatus encode_body(const WriteRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const WriteResponse& v, std::vector<std::byte>& out, size_t msg_start);
// Zero-copy path for rdr: 48 fixed bytes, DataOffset 0x70, Length data_length (v.data and
// v.channel_info ignored); data goes at message offset kWriteRequestDataOffset.
void encode_write_request_fixed(const WriteRequest& v, uint32_t data_length,
                                std::span<std::byte, 48> out);

// ---- LOCK
// -----------------------------------------------------------------------------------------
struct LockElement {  // 2.2.26.1
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t flags = 0;  // lock_flag
  friend bool operator==(const LockElement&, const LockElement&) = default;
};
struct LockRequest {                 // 2.2.26, StructureSize 48; at least one element
  uint8_t lock_sequence_number = 0;  // 4 bits
  uint32_t lock_sequence_index = 0;  // 28 bits
  FileId file_id;
  std::vector<LockElement> locks;
  friend bool operator==(const LockRequest&, const LockRequest&) = default;
};
// (LockResponse is in smb2_session.hpp with the other 4-byte bodies.)
Result<LockRequest> decode_lock_request(std::span<const std::byte> msg);
NtStatus encode_body(const LockRequest& v, std::vector<std::byte>& out, size_t msg_start);

// ---- IOCTL
// ----------------------------------------------------------------------------------------
struct IoctlRequest {  // 2.2.31, StructureSize 57
  uint32_t ctl_code = 0;
  FileId file_id;
  uint32_t max_input_response = 0;
  uint32_t max_output_response = 0;
  uint32_t flags = ioctl_flag::kIsFsctl;
  std::span<const std::byte> input;
  std::span<const std::byte> output;  // almost always empty
};
struct IoctlResponse {  // 2.2.32, StructureSize 49
  uint32_t ctl_code = 0;
  FileId file_id;
  uint32_t flags = 0;
  std::span<const std::byte> input;
  std::span<const std::byte> output;
};
Result<IoctlRequest> decode_ioctl_request(std::span<const std::byte> msg);
Result<IoctlResponse> decode_ioctl_response(std::span<const std::byte> msg);
NtStatus encode_body(const IoctlRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const IoctlResponse& v, std::vector<std::byte>& out, size_t msg_start);

// FSCTL_VALIDATE_NEGOTIATE_INFO payloads (IOCTL input / output buffers).
struct ValidateNegotiateInfoRequest {  // 2.2.31.4
  uint32_t capabilities = 0;
  Guid guid{};
  uint16_t security_mode = 0;
  std::vector<uint16_t> dialects;
  friend bool operator==(const ValidateNegotiateInfoRequest&,
                         const ValidateNegotiateInfoRequest&) = default;
};
struct ValidateNegotiateInfoResponse {  // 2.2.32.6
  uint32_t capabilities = 0;
  Guid guid{};
  uint16_t security_mode = 0;
  uint16_t dialect = 0;
  friend bool operator==(const ValidateNegotiateInfoResponse&,
                         const ValidateNegotiateInfoResponse&) = default;
};
Result<ValidateNegotiateInfoRequest> decode_validate_negotiate_info_request(
    std::span<const std::byte> data);
Result<ValidateNegotiateInfoResponse> decode_validate_negotiate_info_response(
    std::span<const std::byte> data);
std::vector<std::byte> encode_validate_negotiate_info_request(
    const ValidateNegotiateInfoRequest& v);
std::vector<std::byte> encode_validate_negotiate_info_response(
    const ValidateNegotiateInfoResponse& v);

}  // namespace lwsmb::proto::smb2
