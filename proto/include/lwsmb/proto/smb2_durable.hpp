// Durable handle create contexts (MS-SMB2 2.2.13.2.3, .4, .11, .12 and 2.2.14.2.3, .12): the
// request and reconnect payloads a client sends in CREATE and the server's answers. Only the
// context data is coded here; the 4-byte tags are in smb2_constants.hpp (create_context_tag).
// Decoders check the exact size the section gives and return STATUS_INVALID_PARAMETER otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/smb2_constants.hpp"
#include "lwsmb/proto/smb2_file.hpp"

namespace lwsmb::proto::smb2 {

// MS-SMB2 2.2.13.2.11 Flags of DH2Q / 2.2.14.2.12 Flags of its response.
namespace durable_flag {
inline constexpr uint32_t kPersistent = 0x00000002;
}

// DHnQ request data (2.2.13.2.3): 16 reserved bytes, all zero.
inline constexpr size_t kDurableRequestSize = 16;
// DHnQ response data (2.2.14.2.3): 8 reserved bytes.
inline constexpr size_t kDurableResponseSize = 8;
// DHnC data (2.2.13.2.4): the FileId of the open to reconnect.
inline constexpr size_t kDurableReconnectSize = 16;
// DH2Q request (2.2.13.2.11): Timeout, Flags, Reserved(8), CreateGuid.
inline constexpr size_t kDurableV2RequestSize = 32;
// DH2Q response (2.2.14.2.12): Timeout, Flags.
inline constexpr size_t kDurableV2ResponseSize = 8;
// DH2C (2.2.13.2.12): FileId, CreateGuid, Flags.
inline constexpr size_t kDurableV2ReconnectSize = 36;

struct DurableV2Request {
  uint32_t timeout_ms = 0;  // 0: the server's default
  uint32_t flags = 0;       // durable_flag
  Guid create_guid{};
  friend bool operator==(const DurableV2Request&, const DurableV2Request&) = default;
};
struct DurableV2Response {
  uint32_t timeout_ms = 0;
  uint32_t flags = 0;
  friend bool operator==(const DurableV2Response&, const DurableV2Response&) = default;
};
struct DurableV2Reconnect {
  FileId file_id;
  Guid create_guid{};
  uint32_t flags = 0;
  friend bool operator==(const DurableV2Reconnect&, const DurableV2Reconnect&) = default;
};

std::vector<std::byte> encode_durable_request();
// Any 16 bytes are accepted (the field is reserved; the server must ignore its content).
NtStatus decode_durable_request(std::span<const std::byte> data);
std::vector<std::byte> encode_durable_response();
NtStatus decode_durable_response(std::span<const std::byte> data);

std::vector<std::byte> encode_durable_reconnect(const FileId& id);
Result<FileId> decode_durable_reconnect(std::span<const std::byte> data);

std::vector<std::byte> encode_durable_v2_request(const DurableV2Request& v);
Result<DurableV2Request> decode_durable_v2_request(std::span<const std::byte> data);
std::vector<std::byte> encode_durable_v2_response(const DurableV2Response& v);
Result<DurableV2Response> decode_durable_v2_response(std::span<const std::byte> data);

std::vector<std::byte> encode_durable_v2_reconnect(const DurableV2Reconnect& v);
Result<DurableV2Reconnect> decode_durable_v2_reconnect(std::span<const std::byte> data);

}  // namespace lwsmb::proto::smb2
