// LOCK (MS-SMB2 3.3.5.14): byte-range locks as LockControl IRPs to pvfs. A lock that has to
// wait goes async (srv_async.hpp) and may be cancelled. LockSequence replay detection
// (3.3.5.14) is not done: lwserver has no resilient, durable or persistent handles.
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_async.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

namespace lf = smb2::lock_flag;

// The flag combinations 2.2.26.1 defines for a lock element.
bool valid_lock_flags(uint32_t f) {
  const uint32_t kind = f & ~lf::kFailImmediately;
  return kind == lf::kShared || kind == lf::kExclusive;
}

// MS-SMB2 3.3.5.14.1: unlocks until the first failure; earlier ones stay done.
Task<NtStatus> process_unlocks(SmbRequest& req, const smb2::LockRequest& r, uint64_t vid) {
  auto& conn = req.conn;
  auto& io = conn.server().io();
  for (const auto& l : r.locks) {
    // Windows takes no other flag with UNLOCK, FAIL_IMMEDIATELY included (smbtorture
    // lock.valid-request), though the section lets a server ignore that one.
    if (l.flags != lf::kUnlock) co_return NtStatus::InvalidParameter;
    auto it = conn.state().opens.find(vid);  // a CLOSE may have run meanwhile
    if (it == conn.state().opens.end()) co_return NtStatus::FileClosed;
    LockControlArgs a;
    a.operation = LockOperation::Unlock;
    a.range = {l.offset, l.length, false};
    auto st = co_await IrpAwaitable(io, it->second->handle, a, conn.loop());
    if (!nt_success(st.status)) co_return st.status;
  }
  co_return NtStatus::Success;
}

// MS-SMB2 3.3.5.14.2: takes the locks in order. Only a lone lock without FAIL_IMMEDIATELY may
// wait. A lock that is not granted releases the ones this request took; an element with
// invalid flags ends the request without rolling back.
Task<NtStatus> process_locks(SmbRequest& req, const smb2::LockRequest& r, uint64_t vid) {
  auto& conn = req.conn;
  auto& io = conn.server().io();
  auto& opens = conn.state().opens;
  auto current = [&]() -> Open* {
    auto it = opens.find(vid);
    return it == opens.end() ? nullptr : it->second.get();
  };
  if (r.locks.size() > 1) {
    for (const auto& l : r.locks) {
      if (!(l.flags & lf::kFailImmediately)) co_return NtStatus::InvalidParameter;
    }
  }
  CancelRegistration reg(req);
  std::vector<LockRange> taken;
  NtStatus status = NtStatus::Success;
  for (const auto& l : r.locks) {
    if (!valid_lock_flags(l.flags)) co_return NtStatus::InvalidParameter;
    Open* o = current();
    if (!o) co_return NtStatus::FileClosed;
    LockControlArgs a;
    a.operation = LockOperation::Lock;
    a.range = {l.offset, l.length, (l.flags & lf::kExclusive) != 0};
    a.fail_immediately = (l.flags & lf::kFailImmediately) != 0;
    auto st = co_await PendableIrpAwaitable(reg, io, o->handle, a, conn.loop());
    if (!nt_success(st.status)) {
      status = st.status;
      // A waiting lock ends cancelled either by the client's CANCEL or because its open went
      // away (MS-FSA 2.1.5.4: the close cancels the open's waiting locks); Windows answers the
      // latter with STATUS_RANGE_NOT_LOCKED (smbtorture lock.cancel, "cancel by close").
      if (status == NtStatus::Cancelled && !reg.cancelled()) status = NtStatus::RangeNotLocked;
      break;
    }
    taken.push_back(a.range);
  }
  if (!nt_success(status)) {
    for (const auto& range : taken) {
      LockControlArgs u;
      u.operation = LockOperation::Unlock;
      u.range = range;
      if (Open* o = current()) (void)co_await IrpAwaitable(io, o->handle, u, conn.loop());
    }
  }
  co_return status;
}

}  // namespace

Task<NtStatus> handle_lock(SmbRequest& req) {
  auto r = smb2::decode_lock_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  if (log::enabled(log::Level::Debug)) {
    for (const auto& l : r->locks) {
      log::debug("lock mid ", req.hdr.message_id, " fid ", o->volatile_id, ": offset ", l.offset,
                 " length ", l.length, " flags 0x", std::hex, l.flags, std::dec);
    }
  }
  const bool unlocking = (r->locks[0].flags & lf::kUnlock) != 0;
  NtStatus st = unlocking ? co_await process_unlocks(req, *r, o->volatile_id)
                          : co_await process_locks(req, *r, o->volatile_id);
  if (!nt_success(st)) co_return st;
  co_return smb2::encode_body(smb2::LockResponse{}, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
