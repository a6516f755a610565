// LOCK (MS-SMB2 3.3.5.14): byte-range locks as LockControl IRPs to pvfs.
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

Task<NtStatus> handle_lock(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_lock_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  // MS-SMB2 3.3.5.14: either all elements unlock, or all lock; only a single lock may wait.
  const bool unlocking = (r->locks[0].flags & smb2::lock_flag::kUnlock) != 0;
  for (const auto& l : r->locks) {
    const uint32_t f = l.flags;
    if (unlocking) {
      if (f != smb2::lock_flag::kUnlock) co_return NtStatus::InvalidParameter;
    } else {
      const uint32_t kind = f & ~smb2::lock_flag::kFailImmediately;
      if (kind != smb2::lock_flag::kShared && kind != smb2::lock_flag::kExclusive) {
        co_return NtStatus::InvalidParameter;
      }
      if (r->locks.size() > 1 && !(f & smb2::lock_flag::kFailImmediately)) {
        co_return NtStatus::InvalidParameter;
      }
    }
  }
  auto& io = conn.server().io();
  const uint64_t vid = o->volatile_id;
  auto& opens = conn.state().opens;
  // Look the open up again after every wait: a CLOSE may have run meanwhile.
  auto current = [&]() -> Open* {
    auto it = opens.find(vid);
    return it == opens.end() ? nullptr : it->second.get();
  };
  std::vector<LockRange> taken;
  for (const auto& l : r->locks) {
    LockControlArgs a;
    a.range = {l.offset, l.length, (l.flags & smb2::lock_flag::kExclusive) != 0};
    a.operation = unlocking ? LockOperation::Unlock : LockOperation::Lock;
    a.fail_immediately = (l.flags & smb2::lock_flag::kFailImmediately) != 0;
    Open* cur = current();
    if (!cur) co_return NtStatus::FileClosed;
    auto st = co_await IrpAwaitable(io, cur->handle, a, conn.loop());
    if (!nt_success(st.status)) {
      // Undo the locks this request took before the failing one.
      for (const auto& range : taken) {
        LockControlArgs u;
        u.operation = LockOperation::Unlock;
        u.range = range;
        if (Open* again = current()) (void)co_await IrpAwaitable(io, again->handle, u, conn.loop());
      }
      co_return st.status == NtStatus::FileLockConflict && !unlocking ? NtStatus::LockNotGranted
                                                                      : st.status;
    }
    if (!unlocking) taken.push_back(a.range);
  }
  co_return smb2::encode_body(smb2::LockResponse{}, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
