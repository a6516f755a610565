// SMB2 query and notification messages: QUERY_DIRECTORY (MS-SMB2 2.2.33, 2.2.34),
// CHANGE_NOTIFY (2.2.35, 2.2.36) with FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1), QUERY_INFO
// (2.2.37, 2.2.38), SET_INFO (2.2.39, 2.2.40) and the OPLOCK_BREAK forms (2.2.23 - 2.2.25).
// See smb2_header.hpp for the decoder/encoder conventions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/smb2_constants.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::proto::smb2 {

// ---- QUERY_DIRECTORY
// ------------------------------------------------------------------------------
struct QueryDirectoryRequest {         // 2.2.33, StructureSize 33
  uint8_t file_information_class = 0;  // lwsmb::FileInfoClass value
  uint8_t flags = 0;                   // lwsmb::query_directory_flag
  uint32_t file_index = 0;
  FileId file_id;
  std::u16string file_name;  // search pattern, e.g. u"*"
  uint32_t output_buffer_length = 0;
  friend bool operator==(const QueryDirectoryRequest&, const QueryDirectoryRequest&) = default;
};
// QUERY_DIRECTORY, CHANGE_NOTIFY and QUERY_INFO responses share one layout (StructureSize 9,
// OutputBufferOffset, OutputBufferLength, Buffer).
struct OutputBufferResponse {
  std::span<const std::byte> output;
};
using QueryDirectoryResponse = OutputBufferResponse;  // 2.2.34
using ChangeNotifyResponse = OutputBufferResponse;    // 2.2.36
using QueryInfoResponse = OutputBufferResponse;       // 2.2.38
Result<QueryDirectoryRequest> decode_query_directory_request(std::span<const std::byte> msg);
Result<OutputBufferResponse> decode_output_buffer_response(std::span<const std::byte> msg);
inline Result<OutputBufferResponse> decode_query_directory_response(
    std::span<const std::byte> msg) {
  return decode_output_buffer_response(msg);
}
inline Result<OutputBufferResponse> decode_change_notify_response(std::span<const std::byte> msg) {
  return decode_output_buffer_response(msg);
}
inline Result<OutputBufferResponse> decode_query_info_response(std::span<const std::byte> msg) {
  return decode_output_buffer_response(msg);
}
NtStatus encode_body(const QueryDirectoryRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const OutputBufferResponse& v, std::vector<std::byte>& out, size_t msg_start);
// Zero-copy path: 8 fixed bytes with OutputBufferOffset 0x48 and OutputBufferLength
// output_length; the caller places the data right after (message offset
// kOutputBufferDataOffset). With output_length 0 the caller must still append one zero byte.
inline constexpr size_t kOutputBufferDataOffset = kHeaderSize + 8;
void encode_output_buffer_response_fixed(uint32_t output_length, std::span<std::byte, 8> out);

// ---- CHANGE_NOTIFY
// --------------------------------------------------------------------------------
struct ChangeNotifyRequest {  // 2.2.35, StructureSize 32
  uint16_t flags = 0;         // change_notify_flag
  uint32_t output_buffer_length = 0;
  FileId file_id;
  uint32_t completion_filter = 0;
  friend bool operator==(const ChangeNotifyRequest&, const ChangeNotifyRequest&) = default;
};
Result<ChangeNotifyRequest> decode_change_notify_request(std::span<const std::byte> msg);
NtStatus encode_body(const ChangeNotifyRequest& v, std::vector<std::byte>& out, size_t msg_start);

// MS-FSCC 2.7.1 FILE_NOTIFY_INFORMATION entries (the CHANGE_NOTIFY output buffer).
namespace notify_action {
inline constexpr uint32_t kAdded = 1;
inline constexpr uint32_t kRemoved = 2;
inline constexpr uint32_t kModified = 3;
inline constexpr uint32_t kRenamedOldName = 4;
inline constexpr uint32_t kRenamedNewName = 5;
}  // namespace notify_action
struct FileNotifyInformation {
  uint32_t action = 0;
  std::u16string file_name;
  friend bool operator==(const FileNotifyInformation&, const FileNotifyInformation&) = default;
};
// Entries are 4-byte aligned with chained NextEntryOffset.
std::vector<std::byte> encode_file_notify_information(
    const std::vector<FileNotifyInformation>& list);
Result<std::vector<FileNotifyInformation>> decode_file_notify_information(
    std::span<const std::byte> buf);

// ---- QUERY_INFO / SET_INFO
// ------------------------------------------------------------------------
struct QueryInfoRequest {  // 2.2.37, StructureSize 41
  uint8_t info_type = info_type::kFile;
  uint8_t file_info_class = 0;
  uint32_t output_buffer_length = 0;
  uint32_t additional_information = 0;
  uint32_t flags = 0;  // query_info_flag
  FileId file_id;
  std::span<const std::byte> input;  // EA name list or quota SID list
};
struct SetInfoRequest {  // 2.2.39, StructureSize 33
  uint8_t info_type = info_type::kFile;
  uint8_t file_info_class = 0;
  uint32_t additional_information = 0;
  FileId file_id;
  std::span<const std::byte> buffer;
};
struct SetInfoResponse {};  // 2.2.40, StructureSize 2
Result<QueryInfoRequest> decode_query_info_request(std::span<const std::byte> msg);
Result<SetInfoRequest> decode_set_info_request(std::span<const std::byte> msg);
Result<SetInfoResponse> decode_set_info_response(std::span<const std::byte> msg);
NtStatus encode_body(const QueryInfoRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const SetInfoRequest& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const SetInfoResponse& v, std::vector<std::byte>& out, size_t msg_start);

// ---- OPLOCK_BREAK
// --------------------------------------------------------------------------------- The body's
// StructureSize tells the form apart (use peek_structure_size()):
//   24: oplock break notification (2.2.23.1), acknowledgment (2.2.24.1), response (2.2.25.1)
//   44: lease break notification (2.2.23.2)
//   36: lease break acknowledgment (2.2.24.2) and response (2.2.25.2)
inline constexpr uint16_t kOplockBreakStructureSize = 24;
inline constexpr uint16_t kLeaseBreakNotificationStructureSize = 44;
inline constexpr uint16_t kLeaseBreakAckStructureSize = 36;

struct OplockBreak {
  uint8_t oplock_level = oplock_level::kNone;
  FileId file_id;
  friend bool operator==(const OplockBreak&, const OplockBreak&) = default;
};
struct LeaseBreakNotification {
  uint16_t new_epoch = 0;
  uint32_t flags = 0;  // lease_break_flag
  Guid lease_key{};
  uint32_t current_lease_state = 0;
  uint32_t new_lease_state = 0;
  uint32_t break_reason = 0;
  uint32_t access_mask_hint = 0;
  uint32_t share_mask_hint = 0;
  friend bool operator==(const LeaseBreakNotification&, const LeaseBreakNotification&) = default;
};
struct LeaseBreakAck {  // acknowledgment and response
  uint32_t flags = 0;
  Guid lease_key{};
  uint32_t lease_state = 0;
  uint64_t lease_duration = 0;
  friend bool operator==(const LeaseBreakAck&, const LeaseBreakAck&) = default;
};
Result<OplockBreak> decode_oplock_break(std::span<const std::byte> msg);
Result<LeaseBreakNotification> decode_lease_break_notification(std::span<const std::byte> msg);
Result<LeaseBreakAck> decode_lease_break_ack(std::span<const std::byte> msg);
NtStatus encode_body(const OplockBreak& v, std::vector<std::byte>& out, size_t msg_start);
NtStatus encode_body(const LeaseBreakNotification& v, std::vector<std::byte>& out,
                     size_t msg_start);
NtStatus encode_body(const LeaseBreakAck& v, std::vector<std::byte>& out, size_t msg_start);

}  // namespace lwsmb::proto::smb2
