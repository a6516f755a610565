// OPLOCK_BREAK forms (MS-SMB2 2.2.23 notification, 2.2.24 acknowledgment, 2.2.25 response):
// oplock (StructureSize 24), lease break notification (44), lease ack/response (36).
#include "lwsmb/proto/smb2_query.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {

using detail::kBad;

Result<OplockBreak> decode_oplock_break(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kOplockBreakStructureSize, r)) return kBad;
  OplockBreak v;
  r.read_u8(v.oplock_level);
  r.skip(5);  // Reserved, Reserved2
  detail::read_file_id(r, v.file_id);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const OplockBreak& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kOplockBreakStructureSize);
  auto& w = b.w();
  w.write_u16(kOplockBreakStructureSize);
  w.write_u8(v.oplock_level);
  w.write_zeros(5);
  detail::write_file_id(w, v.file_id);
  return NtStatus::Success;
}

Result<LeaseBreakNotification> decode_lease_break_notification(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kLeaseBreakNotificationStructureSize, r)) return kBad;
  LeaseBreakNotification v;
  r.read_u16(v.new_epoch);
  r.read_u32(v.flags);
  detail::read_guid(r, v.lease_key);
  r.read_u32(v.current_lease_state);
  r.read_u32(v.new_lease_state);
  r.read_u32(v.break_reason);
  r.read_u32(v.access_mask_hint);
  r.read_u32(v.share_mask_hint);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const LeaseBreakNotification& v, std::vector<std::byte>& out,
                     size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kLeaseBreakNotificationStructureSize);
  auto& w = b.w();
  w.write_u16(kLeaseBreakNotificationStructureSize);
  w.write_u16(v.new_epoch);
  w.write_u32(v.flags);
  detail::write_guid(w, v.lease_key);
  w.write_u32(v.current_lease_state);
  w.write_u32(v.new_lease_state);
  w.write_u32(v.break_reason);
  w.write_u32(v.access_mask_hint);
  w.write_u32(v.share_mask_hint);
  return NtStatus::Success;
}

Result<LeaseBreakAck> decode_lease_break_ack(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kLeaseBreakAckStructureSize, r)) return kBad;
  LeaseBreakAck v;
  r.skip(2);
  r.read_u32(v.flags);
  detail::read_guid(r, v.lease_key);
  r.read_u32(v.lease_state);
  r.read_u64(v.lease_duration);
  if (!r.ok()) return kBad;
  return v;
}

NtStatus encode_body(const LeaseBreakAck& v, std::vector<std::byte>& out, size_t msg_start) {
  detail::BodyWriter b(out, msg_start, kLeaseBreakAckStructureSize);
  auto& w = b.w();
  w.write_u16(kLeaseBreakAckStructureSize);
  w.write_u16(0);
  w.write_u32(v.flags);
  detail::write_guid(w, v.lease_key);
  w.write_u32(v.lease_state);
  w.write_u64(v.lease_duration);
  return NtStatus::Success;
}

}  // namespace lwsmb::proto::smb2
