// Oplocks in srv: the requested level to pvfs, break notifications (MS-SMB2 3.3.4.6) from a
// pending FsControl IRP per open, and acknowledgments (3.3.5.22.1).
#include "srv/srv_oplock.hpp"

#include <array>

#include "lwsmb/auth/smb_transform.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/smb2_query.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

bool exclusive_level(uint8_t level) {
  return level == smb2::oplock_level::kExclusive || level == smb2::oplock_level::kBatch;
}

// MS-SMB2 3.3.4.6: the notification is an unsolicited message: MessageId all ones, no
// session, no tree, no credits. It is encrypted when the open's session or share asks for
// encryption (3.3.4.1.4), under the session's key.
void send_break_notification(SmbConnection& conn, const Open& open, uint8_t level) {
  smb2::Header h;
  h.command = smb2::Command::OplockBreak;
  h.flags = smb2::header_flag::kServerToRedir;
  h.message_id = ~uint64_t{0};
  std::vector<std::byte> msg;
  smb2::append_header(h, msg);
  smb2::OplockBreak body;
  body.oplock_level = level;
  body.file_id = {open.persistent_id, open.volatile_id};
  if (!nt_success(smb2::encode_body(body, msg, 0))) return;
  log::debug("connection ", conn.id(), ": oplock break of fid ", open.volatile_id, " to ",
             static_cast<int>(level));
  const ConnectionState& st = conn.state();
  auto sit = st.sessions.find(open.session_id);
  if (st.cipher != 0 && sit != st.sessions.end() && !sit->second->encryption_key.empty()) {
    const Session& s = *sit->second;
    auto tit = s.trees.find(open.tree_id);
    const bool share_encrypts = tit != s.trees.end() && tit->second.encrypt_data;
    if (s.encrypt_data || share_encrypts) {
      auto sealed = auth::seal_message(static_cast<auth::SmbCipher>(st.cipher), s.encryption_key,
                                       s.session_id, msg, 4);
      if (sealed) conn.send_framed(std::move(*sealed));
      return;
    }
  }
  conn.send_message(std::move(msg));
}

// On the connection's loop: pvfs broke the oplock of open `vid` to `level`.
void on_break(SmbConnection& conn, uint64_t vid, NtStatus status, uint8_t level) {
  if (!nt_success(status)) return;  // the open closed or holds nothing
  auto& opens = conn.state().opens;
  auto it = opens.find(vid);
  if (it == opens.end()) return;
  Open& open = *it->second;
  if (exclusive_level(open.oplock_level)) {
    open.oplock_breaking = true;  // the client acknowledges (MS-SMB2 3.3.5.22.1)
  } else {
    open.oplock_level = smb2::oplock_level::kNone;  // Level II to none needs no answer
  }
  send_break_notification(conn, open, level);
}

}  // namespace

uint8_t oplock_request_level(uint8_t requested) {
  switch (requested) {
    case smb2::oplock_level::kII:
      return oplock_level::kLevelII;
    case smb2::oplock_level::kExclusive:
      return oplock_level::kExclusive;
    case smb2::oplock_level::kBatch:
      return oplock_level::kBatch;
    default:
      return oplock_level::kNone;
  }
}

bool is_internal_fsctl(uint32_t code) {
  return code == oplock_fsctl::kAcknowledge || code == oplock_fsctl::kWaitForBreak;
}

void watch_oplock_break(SmbConnection& conn, const Open& open) {
  auto out = std::make_shared<std::array<std::byte, 1>>();
  std::weak_ptr<SmbConnection> weak = conn.shared_from_this();
  EventLoop& loop = conn.loop();
  const uint64_t vid = open.volatile_id;
  conn.server().io().call(open.handle,
                          FsControlArgs{oplock_fsctl::kWaitForBreak, {}, std::span(*out)},
                          [weak, out, vid, &loop](Irp& irp) {
                            const NtStatus st = irp.status_block().status;
                            const auto level = std::to_integer<uint8_t>((*out)[0]);
                            loop.post([weak, vid, st, level] {
                              auto conn = weak.lock();
                              if (conn && !conn->closed()) on_break(*conn, vid, st, level);
                            });
                          });
}

Task<NtStatus> handle_oplock_break(SmbRequest& req) {
  auto& conn = req.conn;
  auto size = smb2::peek_structure_size(req.msg);
  if (!size) co_return size.status();
  if (*size == smb2::kLeaseBreakAckStructureSize) {
    // No leases are granted, so no lease key is known (MS-SMB2 3.3.5.22.2).
    if (conn.state().dialect == smb2::dialect::kSmb202) co_return NtStatus::InvalidParameter;
    co_return NtStatus::ObjectNameNotFound;
  }
  auto r = smb2::decode_oplock_break(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  // MS-SMB2 3.3.5.22.1 says STATUS_INVALID_DEVICE_STATE; Windows answers an acknowledgment of
  // an oplock already gone (a Level II broken to none) with STATUS_INVALID_OPLOCK_PROTOCOL
  // (smbtorture oplock.levelii500).
  if (!o->oplock_breaking) {
    co_return o->oplock_level == smb2::oplock_level::kNone ? NtStatus::InvalidOplockProtocol
                                                           : NtStatus::InvalidDeviceState;
  }
  // MS-SMB2 3.3.5.22.1: a level the break does not allow ends the oplock with an error.
  const uint8_t ack = r->oplock_level;
  uint8_t accept = oplock_request_level(ack);
  NtStatus refused = NtStatus::Success;
  if (ack == smb2::oplock_level::kLease) {
    accept = oplock_level::kNone;
    refused = NtStatus::InvalidParameter;
  } else if (ack != smb2::oplock_level::kII && ack != smb2::oplock_level::kNone) {
    accept = oplock_level::kNone;
    refused = NtStatus::InvalidOplockProtocol;
  }
  std::array<std::byte, 1> in{static_cast<std::byte>(accept)};
  std::array<std::byte, 1> out{};
  const uint64_t vid = o->volatile_id;
  auto res = co_await IrpAwaitable(conn.server().io(), o->handle,
                                   FsControlArgs{oplock_fsctl::kAcknowledge, in, out}, conn.loop());
  auto it = conn.state().opens.find(vid);  // a CLOSE may have run meanwhile
  if (it == conn.state().opens.end()) co_return NtStatus::FileClosed;
  Open& open = *it->second;
  open.oplock_breaking = false;
  open.oplock_level = nt_success(res.status) ? std::to_integer<uint8_t>(out[0]) : uint8_t{0};
  if (!nt_success(refused)) co_return refused;
  if (!nt_success(res.status)) co_return res.status;
  if (open.oplock_level != smb2::oplock_level::kNone) watch_oplock_break(conn, open);
  smb2::OplockBreak resp;
  resp.oplock_level = open.oplock_level;
  resp.file_id = r->file_id;
  co_return smb2::encode_body(resp, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
