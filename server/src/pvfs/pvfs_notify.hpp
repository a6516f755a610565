// Directory change notification (MS-FSA 2.1.5.11 "Server Requests Change Notifications for a
// Directory", 2.1.4.1 "Change Notifications"): ReadDirectoryChange IRPs parked per directory
// open, completed with FILE_NOTIFY_INFORMATION records (MS-FSCC 2.7.1) for the changes pvfs
// makes itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lwsmb/iocore/irp.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

// MS-FSCC 2.7.1 Action values.
namespace notify_action {
inline constexpr uint32_t kAdded = 1;
inline constexpr uint32_t kRemoved = 2;
inline constexpr uint32_t kModified = 3;
inline constexpr uint32_t kRenamedOldName = 4;
inline constexpr uint32_t kRenamedNewName = 5;
}  // namespace notify_action

// MS-SMB2 2.2.35 / MS-FSCC CompletionFilter bits.
namespace notify_filter {
inline constexpr uint32_t kFileName = 0x001;
inline constexpr uint32_t kDirName = 0x002;
inline constexpr uint32_t kAttributes = 0x004;
inline constexpr uint32_t kSize = 0x008;
inline constexpr uint32_t kLastWrite = 0x010;
inline constexpr uint32_t kLastAccess = 0x020;
inline constexpr uint32_t kCreation = 0x040;
inline constexpr uint32_t kEa = 0x080;
inline constexpr uint32_t kSecurity = 0x100;
inline constexpr uint32_t kAll = 0xFFF;
}  // namespace notify_filter

class NotifyTable {
 public:
  // Changes kept per open between requests before the next one gets STATUS_NOTIFY_ENUM_DIR.
  static constexpr size_t kMaxQueued = 256;

  NotifyTable() = default;
  NotifyTable(const NotifyTable&) = delete;
  NotifyTable& operator=(const NotifyTable&) = delete;
  ~NotifyTable();  // completes parked IRPs with STATUS_NOTIFY_CLEANUP

  // A ReadDirectoryChange IRP on directory open `token` of `dir`. The first one starts the
  // watch (filter, tree flag and buffer size of that request stay, as on Windows). Changes queued
  // since the last one complete it at once; otherwise it waits behind any earlier ones, cancellable
  // (STATUS_CANCELLED). A zero
  // completion filter is STATUS_INVALID_PARAMETER for the first request.
  void watch(const FileKey& dir, uint64_t token, const IrpPtr& irp);
  // Changes made together (a rename's old and new name), each of `name` (a file or
  // directory) in the directory whose share-relative path is `parent_rel` ("" the root, "/"
  // separated as pvfs keeps paths); `filter` says which completion filter bits they match.
  // `dir_path` maps a watched directory's key to its current share-relative path.
  struct Event {
    std::string parent_rel;
    std::string name;
    uint32_t action = 0;
  };
  template <class DirPath>
  void report(const std::vector<Event>& events, uint32_t filter, DirPath&& dir_path);
  // The directory open closes: parked IRPs complete with STATUS_NOTIFY_CLEANUP.
  void release(uint64_t token);

  size_t watch_count() const;

  // MS-FSCC 2.7.1 records for the list, or an empty vector when they do not fit `max` bytes.
  struct Change {
    uint32_t action = 0;
    std::string name;  // relative to the watched directory, "/" separated, UTF-8
  };
  static std::vector<std::byte> encode(const std::vector<Change>& changes, size_t max, bool* fits);

 private:
  struct Watch {
    FileKey dir;
    uint32_t filter = 0;
    bool tree = false;
    std::deque<IrpPtr> irps;  // parked requests, oldest first
    std::vector<Change> queued;
    size_t queued_bytes = 0;  // their FILE_NOTIFY_INFORMATION size
    size_t max_bytes = 0;     // the first request's buffer size
    bool overflow = false;
  };
  struct Completion {
    IrpPtr irp;
    NtStatus status;
    std::vector<Change> changes;
  };
  static void queue_change(Watch& w, const std::string& rel_name, uint32_t action);
  // Completes the oldest parked IRP with what is queued.
  static void flush(Watch& w, std::vector<Completion>& out);
  // Completes `irp` with the queued changes, or ENUM_DIR after an overflow or when they do not
  // fit its buffer (they then stay queued).
  static void take_queued(Watch& w, IrpPtr irp, std::vector<Completion>& out);
  void cancel(uint64_t token, const Irp* irp);
  static void finish(std::vector<Completion>& done);
  std::vector<std::pair<uint64_t, FileKey>> snapshot() const;

  mutable std::mutex mutex_;
  std::map<uint64_t, Watch> watches_;  // by open token
};

template <class DirPath>
void NotifyTable::report(const std::vector<Event>& events, uint32_t filter, DirPath&& dir_path) {
  // Directory paths are looked up outside the mutex (the name table has its own).
  std::vector<std::pair<uint64_t, std::string>> paths;
  for (const auto& [token, dir] : snapshot()) paths.emplace_back(token, dir_path(dir));
  std::vector<Completion> done;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [token, dir_rel] : paths) {
      auto it = watches_.find(token);
      if (it == watches_.end() || !(it->second.filter & filter)) continue;
      Watch& w = it->second;
      bool any = false;
      for (const auto& e : events) {
        if (dir_rel == e.parent_rel) {
          queue_change(w, e.name, e.action);
          any = true;
          continue;
        }
        if (!w.tree) continue;
        // Below the watched directory: the name is given relative to it.
        const std::string& p = e.parent_rel;
        const bool below = dir_rel.empty() ? !p.empty()
                                           : p.size() > dir_rel.size() &&
                                                 p.compare(0, dir_rel.size(), dir_rel) == 0 &&
                                                 p[dir_rel.size()] == '/';
        if (!below) continue;
        const std::string sub = dir_rel.empty() ? p : p.substr(dir_rel.size() + 1);
        queue_change(w, sub + "/" + e.name, e.action);
        any = true;
      }
      if (any) flush(w, done);
    }
  }
  finish(done);
}

}  // namespace lwsmb::server::pvfs
