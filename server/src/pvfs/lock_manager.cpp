// Byte-range locks: MS-FSA 2.1.5.8 (lock), 2.1.5.9 (unlock), 2.1.4.10 (conflicts).
//
// Locking: mutex_ guards files_. Irp::set_cancel_routine/clear_cancel_routine only take the
// IRP's own leaf mutex and Irp::cancel runs the routine outside it, so they may be called with
// mutex_ held. Irp::complete runs the caller's callback, which may re-enter the manager: it is
// only ever called after mutex_ is released. Whoever takes a waiter out of the list under
// mutex_ completes it; a granter first claims it with clear_cancel_routine() and leaves it to
// the cancel routine when cancellation won.
#include "pvfs/lock_manager.hpp"

#include <limits>
#include <new>
#include <utility>

namespace lwsmb::server::pvfs {
namespace {

// MS-FSA 2.1.5.8 / 2.1.5.9 validation: the range may not contain bytes past 2^64 - 1.
bool range_wraps(uint64_t offset, uint64_t length) {
  return length != 0 && offset + length - 1 < offset;
}

void complete_all(std::vector<IrpPtr>& irps, NtStatus status) {
  for (auto& irp : irps) irp->complete(status);
  irps.clear();
}

}  // namespace

LockManager::~LockManager() {
  std::vector<IrpPtr> waiting;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, fl] : files_) {
      for (auto& w : fl.waiters) waiting.push_back(std::move(w.irp));
    }
    files_.clear();
  }
  for (auto& irp : waiting) {
    irp->clear_cancel_routine();  // the routine points at this manager
    irp->complete(NtStatus::Cancelled);
  }
}

// MS-FSA 2.1.4.10, step by step.
bool LockManager::conflicts(const std::vector<Lock>& locks, LockOwner owner, uint64_t offset,
                            uint64_t length, bool exclusive, bool lock_intent) {
  if (offset == 0 && length == 0) return false;  // {0, 0} conflicts with nothing
  uint64_t last1 = offset + length - 1;
  if (length != 0 && last1 < offset) last1 = std::numeric_limits<uint64_t>::max();  // I/O only
  for (const Lock& l : locks) {
    if (l.offset == 0 && l.length == 0) continue;  // a {0, 0} lock overlaps nothing
    const uint64_t last2 = l.offset + l.length - 1;
    if (!(offset <= last2 && last1 >= l.offset)) continue;
    if (l.exclusive) {
      // Exclusive locks block all access by other owners; the same owner may not stack a
      // second exclusive lock on it.
      if (l.owner != owner) return true;
      if (exclusive && lock_intent) return true;
    } else if (exclusive) {
      // Shared locks block every access with exclusive intent (writes, exclusive locks), the
      // owner's own included.
      return true;
    }
  }
  return false;
}

void LockManager::lock(const FileKey& file, LockOwner owner, const IrpPtr& irp) {
  if (!irp) return;
  const auto* args = std::get_if<LockControlArgs>(&irp->args());
  if (!args) {
    irp->complete(NtStatus::InvalidParameter);
    return;
  }
  try {
    switch (args->operation) {
      case LockOperation::Lock:
        lock_range(file, owner, *args, irp);
        return;
      case LockOperation::Unlock:
        irp->complete(unlock(file, owner, args->range.offset, args->range.length));
        return;
      case LockOperation::UnlockAll:
        unlock_all(file, owner);
        irp->complete(NtStatus::Success);
        return;
    }
    irp->complete(NtStatus::InvalidParameter);
  } catch (const std::bad_alloc&) {
    // Nothing was parked or granted when an allocation failed (see lock_range).
    irp->complete(NtStatus::InsufficientResources);
  }
}

void LockManager::lock_range(const FileKey& file, LockOwner owner, const LockControlArgs& args,
                             const IrpPtr& irp) {
  const Lock req{owner, args.range.offset, args.range.length, args.range.exclusive};
  if (range_wraps(req.offset, req.length)) {
    irp->complete(NtStatus::InvalidLockRange);
    return;
  }
  NtStatus status = NtStatus::Success;
  {
    std::unique_lock lock(mutex_);
    auto it = files_.try_emplace(file).first;
    FileLocks& fl = it->second;
    if (!conflicts(fl.locks, owner, req.offset, req.length, req.exclusive, true)) {
      fl.locks.push_back(req);
    } else if (args.fail_immediately) {
      // MS-FSA 2.1.5.8: "If FailImmediately is TRUE ... STATUS_LOCK_NOT_GRANTED".
      status = NtStatus::LockNotGranted;
      erase_if_empty_locked(it);
    } else {
      // Wait until the conflict goes away (MS-FSA 2.1.5.8: CancelableOperationList).
      const uint64_t id = next_waiter_id_++;
      CancelRoutine routine = [this, file, id](Irp&) { cancel_waiter(file, id); };
      fl.waiters.push_back(Waiter{id, req, irp});  // allocations first: may throw, no change
      irp->mark_pending();
      if (irp->set_cancel_routine(std::move(routine))) return;  // parked
      // Cancel was requested before we could install the routine.
      fl.waiters.pop_back();
      erase_if_empty_locked(it);
      status = NtStatus::Cancelled;
    }
  }
  irp->complete(status);
}

NtStatus LockManager::unlock(const FileKey& file, LockOwner owner, uint64_t offset,
                             uint64_t length) {
  if (range_wraps(offset, length)) return NtStatus::InvalidLockRange;
  std::vector<IrpPtr> granted;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return NtStatus::RangeNotLocked;
    auto& locks = it->second.locks;
    // MS-FSA 2.1.5.9: the first exact match, but an exclusive one ends the search.
    auto victim = locks.end();
    for (auto l = locks.begin(); l != locks.end(); ++l) {
      if (l->owner != owner || l->offset != offset || l->length != length) continue;
      if (victim == locks.end() || l->exclusive) victim = l;
      if (l->exclusive) break;
    }
    if (victim == locks.end()) return NtStatus::RangeNotLocked;
    locks.erase(victim);
    grant_waiters_locked(it->second, granted);
    erase_if_empty_locked(it);
  }
  complete_all(granted, NtStatus::Success);
  return NtStatus::Success;
}

void LockManager::unlock_all(const FileKey& file, LockOwner owner) {
  std::vector<IrpPtr> granted;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    std::erase_if(it->second.locks, [owner](const Lock& l) { return l.owner == owner; });
    grant_waiters_locked(it->second, granted);
    erase_if_empty_locked(it);
  }
  complete_all(granted, NtStatus::Success);
}

void LockManager::release_owner(const FileKey& file, LockOwner owner) {
  std::vector<IrpPtr> granted;
  std::vector<IrpPtr> cancelled;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    FileLocks& fl = it->second;
    std::erase_if(fl.locks, [owner](const Lock& l) { return l.owner == owner; });
    cancelled.reserve(fl.waiters.size());
    for (auto w = fl.waiters.begin(); w != fl.waiters.end();) {
      if (w->request.owner == owner) {
        // Taken out of the list, so ours to complete; a cancel routine racing with us will
        // find nothing, and Irp::complete lets only the first completion through anyway.
        cancelled.push_back(std::move(w->irp));
        w = fl.waiters.erase(w);
      } else {
        ++w;
      }
    }
    grant_waiters_locked(fl, granted);
    erase_if_empty_locked(it);
  }
  complete_all(cancelled, NtStatus::Cancelled);
  complete_all(granted, NtStatus::Success);
}

NtStatus LockManager::check_io(const FileKey& file, LockOwner owner, uint64_t offset,
                               uint64_t length, bool write) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file);
  if (it == files_.end()) return NtStatus::Success;
  // MS-FSA 2.1.5.2 / 2.1.5.3: reads check without, writes with exclusive intent.
  return conflicts(it->second.locks, owner, offset, length, write, false)
             ? NtStatus::FileLockConflict
             : NtStatus::Success;
}

size_t LockManager::lock_count(const FileKey& file) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file);
  return it == files_.end() ? 0 : it->second.locks.size();
}

size_t LockManager::waiter_count(const FileKey& file) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file);
  return it == files_.end() ? 0 : it->second.waiters.size();
}

void LockManager::grant_waiters_locked(FileLocks& fl, std::vector<IrpPtr>& granted) {
  // No allocation once a waiter has been claimed.
  granted.reserve(granted.size() + fl.waiters.size());
  fl.locks.reserve(fl.locks.size() + fl.waiters.size());
  for (auto w = fl.waiters.begin(); w != fl.waiters.end();) {
    const Lock& r = w->request;
    if (conflicts(fl.locks, r.owner, r.offset, r.length, r.exclusive, true)) {
      ++w;
      continue;
    }
    if (!w->irp->clear_cancel_routine()) {
      // Cancellation won: its routine is about to take mutex_ and complete the waiter.
      ++w;
      continue;
    }
    fl.locks.push_back(r);
    granted.push_back(std::move(w->irp));
    w = fl.waiters.erase(w);
  }
}

void LockManager::erase_if_empty_locked(std::map<FileKey, FileLocks>::iterator it) {
  if (it->second.locks.empty() && it->second.waiters.empty()) files_.erase(it);
}

void LockManager::cancel_waiter(const FileKey& file, uint64_t id) {
  IrpPtr irp;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    auto& waiters = it->second.waiters;
    for (auto w = waiters.begin(); w != waiters.end(); ++w) {
      if (w->id == id) {
        irp = std::move(w->irp);
        waiters.erase(w);
        break;
      }
    }
    erase_if_empty_locked(it);
  }
  if (irp) irp->complete(NtStatus::Cancelled);
}

}  // namespace lwsmb::server::pvfs
