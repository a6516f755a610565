// Oplock state per file (MS-FSA 2.1.5.17 granting, 2.1.4.12 breaking, 2.1.5.18 acknowledging).
#include "pvfs/pvfs_oplock.hpp"

#include "lwsmb/iocore/nt_constants.hpp"

namespace lwsmb::server::pvfs {
namespace {

namespace ol = oplock_level;

bool exclusive_level(uint8_t level) {
  return level == ol::kExclusive || level == ol::kBatch;
}

// The rights of an attributes-only ("stat") open, which breaks no oplock (MS-FSA 2.1.4.12;
// READ_CONTROL is not among them: smbtorture oplock.statopen1).
constexpr uint32_t kStatRights =
    access::kReadAttributes | access::kWriteAttributes | access::kSynchronize;

}  // namespace

void OplockTable::Deferred::run() {
  // Every IRP here was taken out of the table under the mutex, so a cancel routine running now
  // finds nothing to complete: completing is ours.
  for (auto& [irp, level] : breaks) {
    irp->clear_cancel_routine();
    auto& a = irp->args_as<FsControlArgs>();
    if (a.output.empty()) {
      irp->complete(NtStatus::BufferTooSmall);
      continue;
    }
    a.output[0] = static_cast<std::byte>(level);
    irp->complete(NtStatus::Success, 1);
  }
  for (auto& irp : cancels) {
    irp->clear_cancel_routine();
    irp->complete(NtStatus::Cancelled);
  }
  for (auto& w : wakes) {
    if (w) w();
  }
}

OplockTable::~OplockTable() {
  Deferred d;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, f] : files_) {
      for (auto& [tok, h] : f.holders) {
        if (h.irp) d.cancels.push_back(std::move(h.irp));
      }
      wake_all_locked(f, d);
    }
    files_.clear();
  }
  d.run();
}

void OplockTable::notify_locked(Holder& h, uint8_t level, Deferred& out) {
  if (h.irp) {
    out.breaks.emplace_back(std::move(h.irp), level);
    h.irp.reset();
    h.undelivered = false;
  } else {
    h.undelivered = true;
    h.undelivered_level = level;
  }
}

void OplockTable::wake_all_locked(FileOplocks& f, Deferred& out) {
  for (auto& w : f.waiters) out.wakes.push_back(std::move(w.wake));
  f.waiters.clear();
}

void OplockTable::erase_if_empty_locked(std::map<FileKey, FileOplocks>::iterator it) {
  if (it->second.holders.empty() && it->second.waiters.empty()) files_.erase(it);
}

uint8_t OplockTable::grant(const FileKey& file, uint64_t token, uint8_t requested, bool directory,
                           size_t other_opens) {
  if (directory || requested == ol::kNone) return ol::kNone;
  if (requested != ol::kLevelII && !exclusive_level(requested)) return ol::kNone;  // leases
  std::lock_guard lock(mutex_);
  auto& f = files_[file];
  for (const auto& [tok, h] : f.holders) {
    if (tok != token && (exclusive_level(h.level) || h.breaking)) {
      erase_if_empty_locked(files_.find(file));
      return ol::kNone;
    }
  }
  uint8_t level = ol::kLevelII;
  if (exclusive_level(requested) && other_opens == 0) level = requested;
  Holder& h = f.holders[token];
  h = Holder{};
  h.level = level;
  return level;
}

bool OplockTable::break_for_open(const FileKey& file, uint32_t access, bool overwrite,
                                 bool share_conflict, std::function<void()> wake,
                                 uint64_t* waiter) {
  const bool stat_open = (access & ~kStatRights) == 0 && !overwrite;
  if (stat_open) return false;
  Deferred d;
  bool wait = false;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return false;
    auto& f = it->second;
    for (auto hit = f.holders.begin(); hit != f.holders.end();) {
      Holder& h = hit->second;
      if (h.breaking) {
        wait = true;
      } else if (exclusive_level(h.level)) {
        if (!share_conflict || h.level == ol::kBatch) {
          h.breaking = true;
          h.break_to = overwrite ? ol::kNone : ol::kLevelII;
          notify_locked(h, h.break_to, d);
          wait = true;
        }
      } else if (h.level == ol::kLevelII && overwrite && !share_conflict) {
        h.level = ol::kNone;
        notify_locked(h, ol::kNone, d);
      }
      // A holder left with nothing to hold or deliver goes.
      if (h.level == ol::kNone && !h.breaking && !h.undelivered && !h.irp) {
        hit = f.holders.erase(hit);
      } else {
        ++hit;
      }
    }
    if (wait) {
      const uint64_t id = next_waiter_++;
      f.waiters.push_back({id, std::move(wake)});
      if (waiter) *waiter = id;
    } else {
      erase_if_empty_locked(it);
    }
  }
  d.run();
  return wait;
}

void OplockTable::expire(const FileKey& file, uint64_t waiter) {
  Deferred d;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    auto& f = it->second;
    bool found = false;
    for (const auto& w : f.waiters) found = found || w.id == waiter;
    if (!found) return;
    for (auto& [tok, h] : f.holders) {
      if (h.breaking) {
        h.breaking = false;
        h.level = ol::kNone;
      }
    }
    wake_all_locked(f, d);
    erase_if_empty_locked(it);
  }
  d.run();
}

void OplockTable::break_level2(const FileKey& file) {
  Deferred d;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    for (auto& [tok, h] : it->second.holders) {
      if (h.level == ol::kLevelII && !h.breaking) {
        h.level = ol::kNone;
        notify_locked(h, ol::kNone, d);
      }
    }
  }
  d.run();
}

void OplockTable::wait_for_break(const FileKey& file, uint64_t token, const IrpPtr& irp) {
  std::unique_lock lock(mutex_);
  auto it = files_.find(file);
  Holder* h = nullptr;
  if (it != files_.end()) {
    auto hit = it->second.holders.find(token);
    if (hit != it->second.holders.end()) h = &hit->second;
  }
  if (h && h->undelivered) {
    const uint8_t level = h->undelivered_level;
    h->undelivered = false;
    if (h->level == ol::kNone && !h->breaking) {
      it->second.holders.erase(token);
      erase_if_empty_locked(it);
    }
    lock.unlock();
    Deferred d;
    d.breaks.emplace_back(irp, level);
    d.run();
    return;
  }
  if (!h || h->level == ol::kNone || h->irp) {
    lock.unlock();
    irp->complete(h && h->irp ? NtStatus::InvalidDeviceState : NtStatus::OplockNotGranted);
    return;
  }
  irp->mark_pending();
  h->irp = irp;
  lock.unlock();
  const FileKey key = file;
  if (!irp->set_cancel_routine([this, key, token](Irp& self) { cancel_wait(key, token, &self); })) {
    cancel_wait(file, token, irp.get());
  }
}

void OplockTable::cancel_wait(const FileKey& file, uint64_t token, const Irp* irp) {
  IrpPtr parked;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it != files_.end()) {
      auto hit = it->second.holders.find(token);
      if (hit != it->second.holders.end() && hit->second.irp.get() == irp) {
        parked = std::move(hit->second.irp);
        hit->second.irp.reset();
      }
    }
  }
  if (parked) parked->complete(NtStatus::Cancelled);
}

NtStatus OplockTable::acknowledge(const FileKey& file, uint64_t token, uint8_t level,
                                  uint8_t* held) {
  Deferred d;
  NtStatus st = NtStatus::Success;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return NtStatus::InvalidDeviceState;
    auto& f = it->second;
    auto hit = f.holders.find(token);
    if (hit == f.holders.end() || !hit->second.breaking) return NtStatus::InvalidDeviceState;
    Holder& h = hit->second;
    h.breaking = false;
    if (level == ol::kNone || level == ol::kLevelII) {
      if (level > h.break_to) {
        st = NtStatus::InvalidOplockProtocol;
        level = ol::kNone;
      }
    } else {
      st = NtStatus::InvalidOplockProtocol;
      level = ol::kNone;
    }
    h.level = level;
    if (held) *held = level;
    if (level == ol::kNone && !h.undelivered && !h.irp) f.holders.erase(hit);
    wake_all_locked(f, d);
    erase_if_empty_locked(it);
  }
  d.run();
  return st;
}

void OplockTable::release(const FileKey& file, uint64_t token) {
  Deferred d;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    auto& f = it->second;
    auto hit = f.holders.find(token);
    if (hit == f.holders.end()) return;
    if (hit->second.irp) d.cancels.push_back(std::move(hit->second.irp));
    const bool blocking = hit->second.breaking || exclusive_level(hit->second.level);
    f.holders.erase(hit);
    if (blocking) wake_all_locked(f, d);
    erase_if_empty_locked(it);
  }
  d.run();
}

uint8_t OplockTable::level(const FileKey& file, uint64_t token) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file);
  if (it == files_.end()) return ol::kNone;
  auto hit = it->second.holders.find(token);
  return hit == it->second.holders.end() ? ol::kNone : hit->second.level;
}

bool OplockTable::breaking(const FileKey& file, uint64_t token) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file);
  if (it == files_.end()) return false;
  auto hit = it->second.holders.find(token);
  return hit != it->second.holders.end() && hit->second.breaking;
}

size_t OplockTable::waiter_count(const FileKey& file) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(file);
  return it == files_.end() ? 0 : it->second.waiters.size();
}

}  // namespace lwsmb::server::pvfs
