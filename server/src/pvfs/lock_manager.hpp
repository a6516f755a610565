// Byte-range locks per file (MS-FSA 2.1.5.8, 2.1.5.9 and 2.1.4.10): shared and exclusive,
// immediate and waiting, unlock, and the conflict check for reads and writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <vector>

#include "lwsmb/iocore/irp.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

// Identifies a lock owner: one open (its token in ShareModeTable or any unique id). SMB2 locks
// belong to the handle (MS-SMB2 2.2.26), so the MS-FSA LockKey is not part of the identity.
using LockOwner = uint64_t;

// Conflict rules, MS-FSA 2.1.4.10 (ranges overlap when they share a byte; LastByte = Offset +
// Length - 1, so a zero-length range at X > 0 overlaps a range holding both X - 1 and X, and
// {0, 0} overlaps nothing):
//   - an exclusive lock of another owner blocks every lock, read and write;
//   - an exclusive lock of the same owner blocks only a new exclusive lock (a shared lock may
//     stack on it, reads and writes pass);
//   - a shared lock of anyone, the owner included, blocks a new exclusive lock and a write.
class LockManager {
 public:
  LockManager() = default;
  LockManager(const LockManager&) = delete;
  LockManager& operator=(const LockManager&) = delete;
  // Completes every still-waiting request with STATUS_CANCELLED. Destroy the manager only
  // once no caller can cancel one of its IRPs concurrently.
  ~LockManager();

  // Handles a LockControlArgs IRP for this owner and completes it (or parks it):
  //   Lock: MS-FSA 2.1.5.8. offset + length wrapping past 2^64 -> STATUS_INVALID_LOCK_RANGE.
  //     Grants at once (STATUS_SUCCESS), or, on a conflict, fails with STATUS_LOCK_NOT_GRANTED
  //     when fail_immediately (always that status: MS-FSA 2.1.5.8 and MS-SMB2 3.3.5.14.2; the
  //     SMB1-era STATUS_FILE_LOCK_CONFLICT repeat rule is not reproduced), or marks the IRP
  //     pending with a cancel routine until no lock conflicts (then granted and completed with
  //     STATUS_SUCCESS) or it is cancelled (STATUS_CANCELLED).
  //   Unlock: as unlock() below, completed with its status.
  //   UnlockAll: as unlock_all(), STATUS_SUCCESS.
  // Any other IRP type gets STATUS_INVALID_PARAMETER. Never throws.
  void lock(const FileKey& file, LockOwner owner, const IrpPtr& irp);
  // MS-FSA 2.1.5.9: removes one lock with exactly this offset, length and owner, an exclusive
  // one in preference to a shared one. STATUS_RANGE_NOT_LOCKED when none matches,
  // STATUS_INVALID_LOCK_RANGE for a wrapping range. Wakes waiters that can now be granted.
  NtStatus unlock(const FileKey& file, LockOwner owner, uint64_t offset, uint64_t length);
  // Drops every lock of the owner but leaves its waiting requests alone.
  void unlock_all(const FileKey& file, LockOwner owner);
  // Drops every lock of the owner (on close) and cancels its waiting requests.
  void release_owner(const FileKey& file, LockOwner owner);
  // May this owner read (write) [offset, offset+length)? MS-FSA 2.1.4.10 with LockIntent FALSE
  // and IsExclusive = write: STATUS_FILE_LOCK_CONFLICT when another owner holds an exclusive
  // lock on an overlapping range (read), or any lock held by another owner overlaps (write),
  // or the owner's own shared lock overlaps (write). A range running past 2^64 is clamped.
  NtStatus check_io(const FileKey& file, LockOwner owner, uint64_t offset, uint64_t length,
                    bool write) const;

  // Introspection (tests, diagnostics).
  size_t lock_count(const FileKey& file) const;
  size_t waiter_count(const FileKey& file) const;

 private:
  struct Lock {
    LockOwner owner;
    uint64_t offset;
    uint64_t length;
    bool exclusive;
  };
  struct Waiter {
    uint64_t id;
    Lock request;
    IrpPtr irp;
  };
  struct FileLocks {
    std::vector<Lock> locks;    // in grant order
    std::list<Waiter> waiters;  // FIFO
  };

  static bool conflicts(const std::vector<Lock>& locks, LockOwner owner, uint64_t offset,
                        uint64_t length, bool exclusive, bool lock_intent);
  void lock_range(const FileKey& file, LockOwner owner, const LockControlArgs& args,
                  const IrpPtr& irp);
  // With mutex_ held: grants every waiter of the file that no longer conflicts, moving its IRP
  // to `granted` for completion once the mutex is released.
  void grant_waiters_locked(FileLocks& fl, std::vector<IrpPtr>& granted);
  // Drops the entry of a file that has neither locks nor waiters.
  void erase_if_empty_locked(std::map<FileKey, FileLocks>::iterator it);
  // Cancel routine body: removes the waiter if still parked and completes it as cancelled.
  void cancel_waiter(const FileKey& file, uint64_t id);

  mutable std::mutex mutex_;
  std::map<FileKey, FileLocks> files_;
  uint64_t next_waiter_id_ = 1;
};

}  // namespace lwsmb::server::pvfs
