// Change notification per directory open (MS-FSA 2.1.5.11, 2.1.4.1).
#include "pvfs/pvfs_notify.hpp"

#include <cstring>

#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_query.hpp"

namespace lwsmb::server::pvfs {

NotifyTable::~NotifyTable() {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mutex_);
    for (auto& [token, w] : watches_) {
      for (auto& irp : w.irps) done.push_back({std::move(irp), NtStatus::NotifyCleanup, {}});
    }
    watches_.clear();
  }
  finish(done);
}

std::vector<std::byte> NotifyTable::encode(const std::vector<Change>& changes, size_t max,
                                           bool* fits) {
  std::vector<proto::smb2::FileNotifyInformation> list;
  list.reserve(changes.size());
  for (const auto& c : changes) {
    std::string name = c.name;
    for (auto& ch : name) {
      if (ch == '/') ch = '\\';
    }
    auto u16 = proto::fscc::utf8_to_utf16(name);
    list.push_back({c.action, u16 ? std::move(*u16) : std::u16string()});
  }
  auto out = proto::smb2::encode_file_notify_information(list);
  *fits = out.size() <= max;
  if (!*fits) out.clear();
  return out;
}

std::vector<std::pair<uint64_t, FileKey>> NotifyTable::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<uint64_t, FileKey>> out;
  out.reserve(watches_.size());
  for (const auto& [token, w] : watches_) out.emplace_back(token, w.dir);
  return out;
}

namespace {

// Bytes one FILE_NOTIFY_INFORMATION record takes, padding included (MS-FSCC 2.7.1).
size_t record_size(const std::string& name) {
  auto u16 = proto::fscc::utf8_to_utf16(name);
  const size_t n = 12 + 2 * (u16 ? u16->size() : name.size());
  return (n + 3) & ~size_t{3};
}

}  // namespace

void NotifyTable::queue_change(Watch& w, const std::string& rel_name, uint32_t action) {
  if (w.overflow) return;
  // One "modified" per file until someone reads them: a write and the attribute change after
  // it are one change to report (smbtorture notify.valid-req).
  if (action == notify_action::kModified && !w.queued.empty() && w.queued.back().action == action &&
      w.queued.back().name == rel_name) {
    return;
  }
  const size_t size = record_size(rel_name);
  // The watch keeps what the first request's buffer could hold (Windows sizes the directory's
  // change buffer by it); more than that is "enumerate the directory".
  if (w.queued.size() >= kMaxQueued || w.queued_bytes + size > w.max_bytes) {
    w.overflow = true;
    w.queued.clear();
    w.queued_bytes = 0;
    return;
  }
  w.queued.push_back({action, rel_name});
  w.queued_bytes += size;
}

void NotifyTable::flush(Watch& w, std::vector<Completion>& out) {
  if (w.irps.empty() || (w.queued.empty() && !w.overflow)) return;
  IrpPtr irp = std::move(w.irps.front());
  w.irps.pop_front();
  take_queued(w, std::move(irp), out);
}

void NotifyTable::take_queued(Watch& w, IrpPtr irp, std::vector<Completion>& out) {
  if (w.overflow) {
    out.push_back({std::move(irp), NtStatus::NotifyEnumDir, {}});
    w.overflow = false;
    return;
  }
  // Changes that do not fit this request's buffer: it learns "enumerate the directory", and
  // the changes stay for a request that can hold them (smbtorture notify.valid-req).
  if (w.queued_bytes > irp->args_as<ReadDirectoryChangeArgs>().buffer.size()) {
    out.push_back({std::move(irp), NtStatus::NotifyEnumDir, {}});
    return;
  }
  out.push_back({std::move(irp), NtStatus::Success, std::move(w.queued)});
  w.queued.clear();
  w.queued_bytes = 0;
}

void NotifyTable::finish(std::vector<Completion>& done) {
  // Taken out of the table under the mutex: a cancel routine running now finds nothing, so
  // completing is ours.
  for (auto& c : done) {
    c.irp->clear_cancel_routine();
    if (c.status != NtStatus::Success) {
      c.irp->complete(c.status);
      continue;
    }
    auto& a = c.irp->args_as<ReadDirectoryChangeArgs>();
    bool fits = false;
    auto bytes = encode(c.changes, a.buffer.size(), &fits);
    if (!fits) {
      // MS-FSA 2.1.5.11: what does not fit the caller's buffer is reported as "enumerate
      // the directory".
      c.irp->complete(NtStatus::NotifyEnumDir);
      continue;
    }
    std::memcpy(a.buffer.data(), bytes.data(), bytes.size());
    c.irp->complete(NtStatus::Success, bytes.size());
  }
}

void NotifyTable::watch(const FileKey& dir, uint64_t token, const IrpPtr& irp) {
  auto& a = irp->args_as<ReadDirectoryChangeArgs>();
  std::vector<Completion> done;
  {
    std::lock_guard lock(mutex_);
    // A watch needs a filter to start with; later requests go on with the first one's
    // (smbtorture notify.rec asks again with a zero filter).
    if (a.completion_filter == 0 && !watches_.count(token)) {
      irp->complete(NtStatus::InvalidParameter);
      return;
    }
    auto [it, fresh] = watches_.try_emplace(token);
    Watch& w = it->second;
    if (fresh) {
      w.dir = dir;
      w.filter = a.completion_filter;
      w.tree = a.watch_tree;
      w.max_bytes = a.buffer.size();
    }
    if (w.irps.empty() && (w.overflow || !w.queued.empty())) {
      take_queued(w, irp, done);
    } else {
      irp->mark_pending();
      w.irps.push_back(irp);
    }
  }
  finish(done);
  if (!irp->completed()) {
    if (!irp->set_cancel_routine([this, token](Irp& self) { cancel(token, &self); })) {
      cancel(token, irp.get());
    }
  }
}

void NotifyTable::cancel(uint64_t token, const Irp* irp) {
  IrpPtr parked;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(token);
    if (it != watches_.end()) {
      auto& irps = it->second.irps;
      for (auto i = irps.begin(); i != irps.end(); ++i) {
        if (i->get() == irp) {
          parked = std::move(*i);
          irps.erase(i);
          break;
        }
      }
    }
  }
  if (parked) parked->complete(NtStatus::Cancelled);
}

void NotifyTable::release(uint64_t token) {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(token);
    if (it == watches_.end()) return;
    for (auto& irp : it->second.irps) {
      done.push_back({std::move(irp), NtStatus::NotifyCleanup, {}});
    }
    watches_.erase(it);
  }
  finish(done);
}

size_t NotifyTable::watch_count() const {
  std::lock_guard lock(mutex_);
  return watches_.size();
}

}  // namespace lwsmb::server::pvfs
