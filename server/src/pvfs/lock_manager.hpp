// Byte-range locks per file (MS-FSA 2.1.5.7 and 2.1.4.10): shared and exclusive, immediate and
// waiting, unlock, and the conflict check for reads and writes.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <vector>

#include "lwsmb/iocore/irp.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

// Identifies a lock owner: one open (its token in ShareModeTable or any unique id).
using LockOwner = uint64_t;

class LockManager {
 public:
  // Lock request from an IRP (LockControlArgs, operation Lock). Grants at once and completes
  // the IRP with STATUS_SUCCESS, or fails it with STATUS_LOCK_NOT_GRANTED (fail_immediately;
  // a repeat of the last failed range by the same owner gives STATUS_FILE_LOCK_CONFLICT as
  // Windows does), or parks it pending with a cancel routine until a conflicting lock goes
  // away (then it is granted and completed) or it is cancelled (STATUS_CANCELLED).
  // Zero-length locks are allowed and conflict with nothing they do not lie strictly inside.
  // offset + length wrapping past 2^64 -> STATUS_INVALID_LOCK_RANGE.
  void lock(const FileKey& file, LockOwner owner, const IrpPtr& irp);
  // Removes exactly one lock with this offset, length and owner (an exclusive one is preferred
  // if both exist? — no: MS-FSA removes the first matching; document the choice). Returns
  // STATUS_RANGE_NOT_LOCKED when none matches. Wakes waiters that can now be granted.
  NtStatus unlock(const FileKey& file, LockOwner owner, uint64_t offset, uint64_t length);
  // Drops every lock of the owner (on close) and cancels its waiting requests.
  void release_owner(const FileKey& file, LockOwner owner);
  // May this owner read (write) [offset, offset+length)? STATUS_FILE_LOCK_CONFLICT when
  // another owner holds an exclusive lock on an overlapping range (read), or any lock held by
  // another owner overlaps (write), or the owner's own shared lock overlaps (write).
  NtStatus check_io(const FileKey& file, LockOwner owner, uint64_t offset, uint64_t length,
                    bool write) const;

 private:
  struct Lock {
    LockOwner owner;
    uint64_t offset;
    uint64_t length;
    bool exclusive;
  };
  struct Waiter {
    LockOwner owner;
    IrpPtr irp;
  };
  struct FileLocks {
    std::vector<Lock> locks;
    std::list<Waiter> waiters;
  };
  mutable std::mutex mutex_;
  std::map<FileKey, FileLocks> files_;
  // owner -> last failed (offset) for the LOCK_NOT_GRANTED / FILE_LOCK_CONFLICT rule
  std::map<LockOwner, uint64_t> last_failed_;
};

}  // namespace lwsmb::server::pvfs
