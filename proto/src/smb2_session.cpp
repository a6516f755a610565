// SESSION_SETUP (MS-SMB2 2.2.5, 2.2.6), TREE_CONNECT (2.2.9, 2.2.10) and the messages whose body
// is only StructureSize 4 + Reserved: LOGOFF, TREE_DISCONNECT, ECHO, CANCEL, FLUSH and LOCK
// responses (2.2.7, 2.2.8, 2.2.11, 2.2.12, 2.2.18, 2.2.27 - 2.2.30).
#include "lwsmb/proto/smb2_session.hpp"

#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using detail::kBad;

constexpr uint16_t kSessionSetupRequestSize = 25;
constexpr uint16_t kSessionSetupResponseSize = 9;
constexpr uint16_t kTreeConnectRequestSize = 9;
constexpr uint16_t kTreeConnectResponseSize = 16;
constexpr uint16_t kEmptyBodySize = 4;

template <class T>
Result<T> decode_empty(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kEmptyBodySize, r)) return kBad;
  return T{};
}

NtStatus encode_empty(std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kEmptyBodySize);
  b.w().write_u16(kEmptyBodySize);
  b.w().write_u16(0);
  return NtStatus::Success;
}

}  // namespace

// ---- SESSION_SETUP ------------------------------------------------------------------------------

Result<SessionSetupRequest> decode_session_setup_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kSessionSetupRequestSize, r)) return kBad;
  SessionSetupRequest v;
  uint16_t offset = 0;
  uint16_t length = 0;
  r.read_u8(v.flags);
  r.read_u8(v.security_mode);
  r.read_u32(v.capabilities);
  r.read_u32(v.channel);
  r.read_u16(offset);
  r.read_u16(length);
  r.read_u64(v.previous_session_id);
  if (!r.ok() || !detail::slice(msg, offset, length, r.offset(), v.security_buffer)) return kBad;
  return v;
}

NtStatus encode_body(const SessionSetupRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kSessionSetupRequestSize);
  if (v.security_buffer.size() > UINT16_MAX || rel0 + fixed > UINT16_MAX) return kBad;
  detail::BodyWriter b(
      out, msg_start, std::max<size_t>(kSessionSetupRequestSize, fixed + v.security_buffer.size()));
  auto& w = b.w();
  w.write_u16(kSessionSetupRequestSize);
  w.write_u8(v.flags);
  w.write_u8(v.security_mode);
  w.write_u32(v.capabilities);
  w.write_u32(v.channel);
  w.write_u16(static_cast<uint16_t>(rel0 + fixed));
  w.write_u16(static_cast<uint16_t>(v.security_buffer.size()));
  w.write_u64(v.previous_session_id);
  w.write_bytes(v.security_buffer);
  return NtStatus::Success;
}

Result<SessionSetupResponse> decode_session_setup_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kSessionSetupResponseSize, r)) return kBad;
  SessionSetupResponse v;
  uint16_t offset = 0;
  uint16_t length = 0;
  r.read_u16(v.session_flags);
  r.read_u16(offset);
  r.read_u16(length);
  if (!r.ok() || !detail::slice(msg, offset, length, r.offset(), v.security_buffer)) return kBad;
  return v;
}

NtStatus encode_body(const SessionSetupResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kSessionSetupResponseSize);
  if (v.security_buffer.size() > UINT16_MAX || rel0 + fixed > UINT16_MAX) return kBad;
  detail::BodyWriter b(
      out, msg_start,
      std::max<size_t>(kSessionSetupResponseSize, fixed + v.security_buffer.size()));
  auto& w = b.w();
  w.write_u16(kSessionSetupResponseSize);
  w.write_u16(v.session_flags);
  w.write_u16(static_cast<uint16_t>(rel0 + fixed));
  w.write_u16(static_cast<uint16_t>(v.security_buffer.size()));
  w.write_bytes(v.security_buffer);
  return NtStatus::Success;
}

// ---- StructureSize-4 bodies ---------------------------------------------------------------------

Result<LogoffRequest> decode_logoff_request(std::span<const std::byte> msg) {
  return decode_empty<LogoffRequest>(msg);
}
Result<LogoffResponse> decode_logoff_response(std::span<const std::byte> msg) {
  return decode_empty<LogoffResponse>(msg);
}
Result<TreeDisconnectRequest> decode_tree_disconnect_request(std::span<const std::byte> msg) {
  return decode_empty<TreeDisconnectRequest>(msg);
}
Result<TreeDisconnectResponse> decode_tree_disconnect_response(std::span<const std::byte> msg) {
  return decode_empty<TreeDisconnectResponse>(msg);
}
Result<EchoRequest> decode_echo_request(std::span<const std::byte> msg) {
  return decode_empty<EchoRequest>(msg);
}
Result<EchoResponse> decode_echo_response(std::span<const std::byte> msg) {
  return decode_empty<EchoResponse>(msg);
}
Result<CancelRequest> decode_cancel_request(std::span<const std::byte> msg) {
  return decode_empty<CancelRequest>(msg);
}
Result<FlushResponse> decode_flush_response(std::span<const std::byte> msg) {
  return decode_empty<FlushResponse>(msg);
}
Result<LockResponse> decode_lock_response(std::span<const std::byte> msg) {
  return decode_empty<LockResponse>(msg);
}

NtStatus encode_body(const LogoffRequest&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const LogoffResponse&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const TreeDisconnectRequest&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const TreeDisconnectResponse&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const EchoRequest&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const EchoResponse&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const CancelRequest&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const FlushResponse&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}
NtStatus encode_body(const LockResponse&, std::vector<std::byte>& out, size_t msg_start) {
  return encode_empty(out, msg_start);
}

// ---- TREE_CONNECT -------------------------------------------------------------------------------

Result<TreeConnectRequest> decode_tree_connect_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kTreeConnectRequestSize, r)) return kBad;
  TreeConnectRequest v;
  uint16_t offset = 0;
  uint16_t length = 0;
  r.read_u16(v.flags);
  r.read_u16(offset);
  r.read_u16(length);
  std::span<const std::byte> path;
  if (!r.ok() || !detail::slice(msg, offset, length, r.offset(), path)) return kBad;
  LeReader p(path);
  if (!p.read_utf16(path.size(), v.path)) return kBad;  // odd length
  return v;
}

NtStatus encode_body(const TreeConnectRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kTreeConnectRequestSize);
  const size_t path_len = 2 * v.path.size();
  if (path_len > UINT16_MAX || rel0 + fixed > UINT16_MAX) return kBad;
  detail::BodyWriter b(out, msg_start, std::max<size_t>(kTreeConnectRequestSize, fixed + path_len));
  auto& w = b.w();
  w.write_u16(kTreeConnectRequestSize);
  w.write_u16(v.flags);
  w.write_u16(static_cast<uint16_t>(rel0 + fixed));
  w.write_u16(static_cast<uint16_t>(path_len));
  w.write_utf16(v.path);
  return NtStatus::Success;
}

Result<TreeConnectResponse> decode_tree_connect_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kTreeConnectResponseSize, r)) return kBad;
  TreeConnectResponse v;
  r.read_u8(v.share_type);
  r.skip(1);
  r.read_u32(v.share_flags);
  r.read_u32(v.capabilities);
  r.read_u32(v.maximal_access);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const TreeConnectResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kTreeConnectResponseSize);
  auto& w = b.w();
  w.write_u16(kTreeConnectResponseSize);
  w.write_u8(v.share_type);
  w.write_u8(0);
  w.write_u32(v.share_flags);
  w.write_u32(v.capabilities);
  w.write_u32(v.maximal_access);
  return NtStatus::Success;
}

}  // namespace lwsmb::proto::smb2
