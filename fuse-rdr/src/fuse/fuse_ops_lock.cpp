// POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW) as SMB byte-range locks
// (MS-SMB2 2.2.26) on the open's handle. SMB locks neither merge nor split, so this file keeps
// what each lock owner holds and unlocks exactly the ranges it locked, re-locking the parts a
// partial unlock leaves. A waiting F_SETLKW is a pending LockControl IRP that a signal
// (FUSE interrupt) cancels.
#include <fcntl.h>

#include <cerrno>

#include "fuse/fuse_impl.hpp"
#include "lwsmb/fuse_rdr/errno_map.hpp"

namespace lwsmb::fuse_rdr {
namespace {

// [offset, offset + length) from a struct flock; l_len 0 means "to the end of any file".
HeldLock range_of(const struct flock* lock, uint64_t owner) {
  HeldLock h;
  h.owner = owner;
  h.offset = static_cast<uint64_t>(lock->l_start);
  if (lock->l_len > 0) {
    h.length = static_cast<uint64_t>(lock->l_len);
  } else {
    h.length = h.offset == 0 ? ~uint64_t(0) : (uint64_t(0) - h.offset);  // never wraps
  }
  h.exclusive = lock->l_type == F_WRLCK;
  return h;
}

uint64_t last_of(const HeldLock& l) {
  return l.offset + l.length - 1;
}
bool overlaps(const HeldLock& a, const HeldLock& b) {
  return a.offset <= last_of(b) && b.offset <= last_of(a);
}

NtStatus server_lock(FuseFrontend::Impl* impl, fuse_req_t req, const OpenFile& of,
                     const HeldLock& l, bool wait) {
  LockControlArgs args;
  args.operation = LockOperation::Lock;
  args.range = LockRange{l.offset, l.length, l.exclusive};
  args.fail_immediately = !wait;
  return impl->call(req, of.handle, args).status;
}

NtStatus server_unlock(FuseFrontend::Impl* impl, fuse_req_t req, const OpenFile& of,
                       const HeldLock& l) {
  LockControlArgs args;
  args.operation = LockOperation::Unlock;
  args.range = LockRange{l.offset, l.length, l.exclusive};
  return impl->call(req, of.handle, args).status;
}

// Drops OWNER's locks inside R: each overlapping lock is unlocked on the server and the parts
// of it outside R are locked again.
void release_range(FuseFrontend::Impl* impl, fuse_req_t req, OpenFile& of, const HeldLock& r) {
  std::vector<HeldLock> mine;
  {
    std::lock_guard lock(of.mutex);
    for (auto it = of.locks.begin(); it != of.locks.end();) {
      if (it->owner == r.owner && overlaps(*it, r)) {
        mine.push_back(*it);
        it = of.locks.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& l : mine) {
    (void)server_unlock(impl, req, of, l);
    std::vector<HeldLock> keep;
    if (l.offset < r.offset) keep.push_back({l.owner, l.offset, r.offset - l.offset, l.exclusive});
    if (last_of(l) > last_of(r)) {
      uint64_t from = last_of(r) + 1;
      keep.push_back({l.owner, from, last_of(l) - from + 1, l.exclusive});
    }
    for (const auto& k : keep) {
      if (server_lock(impl, nullptr, of, k, false) == NtStatus::Success) {
        std::lock_guard lock(of.mutex);
        of.locks.push_back(k);
      }
    }
  }
}

void op_getlk(fuse_req_t req, fuse_ino_t, fuse_file_info* fi, struct flock* lock) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  HeldLock probe = range_of(lock, fi->lock_owner);
  {
    std::lock_guard g(of->mutex);
    for (const auto& l : of->locks) {  // this owner's own locks never conflict with it
      if (l.owner == probe.owner && overlaps(l, probe) && (l.exclusive || !probe.exclusive)) {
        lock->l_type = F_UNLCK;
        return (void)fuse_reply_lock(req, lock);
      }
    }
  }
  // SMB cannot ask who holds a range: try to take it, and give it back at once.
  NtStatus st = server_lock(impl, req, *of, probe, false);
  if (st == NtStatus::Success) {
    (void)server_unlock(impl, req, *of, probe);
    lock->l_type = F_UNLCK;
    return (void)fuse_reply_lock(req, lock);
  }
  int e = errno_from_lock_status(st);
  if (e != EAGAIN) return (void)fuse_reply_err(req, e);
  lock->l_type = F_WRLCK;  // the holder and its kind are unknown: report the strongest
  lock->l_pid = 0;
  fuse_reply_lock(req, lock);
}

void op_setlk(fuse_req_t req, fuse_ino_t, fuse_file_info* fi, struct flock* lock, int sleep) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  HeldLock want = range_of(lock, fi->lock_owner);
  if (lock->l_type == F_UNLCK) {
    release_range(impl, req, *of, want);
    return (void)fuse_reply_err(req, 0);
  }
  {
    std::lock_guard g(of->mutex);
    for (const auto& l : of->locks) {
      if (l.owner == want.owner && l.offset == want.offset && l.length == want.length &&
          l.exclusive == want.exclusive) {
        return (void)fuse_reply_err(req, 0);  // held already
      }
    }
  }
  // POSIX: a new lock replaces what the same owner held in the range (an upgrade or a
  // downgrade). SMB cannot convert a lock, so the old one goes first.
  release_range(impl, req, *of, want);
  NtStatus st = server_lock(impl, req, *of, want, sleep != 0);
  if (st != NtStatus::Success) return (void)fuse_reply_err(req, errno_from_lock_status(st));
  {
    std::lock_guard g(of->mutex);
    of->locks.push_back(want);
  }
  fuse_reply_err(req, 0);
}

}  // namespace

void fill_lock_ops(fuse_lowlevel_ops* ops) {
  ops->getlk = op_getlk;
  ops->setlk = op_setlk;
}

}  // namespace lwsmb::fuse_rdr
