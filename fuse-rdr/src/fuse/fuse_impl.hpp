// Private state of FuseFrontend, shared by the files that implement its operations.
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fuse/inode_table.hpp"
#include "fuse/lease_cache.hpp"
#include "lwsmb/fuse_rdr/fuse_frontend.hpp"
#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::fuse_rdr {

// Deleted files still open somewhere live on under this name until their last close.
inline constexpr std::string_view kDeletedPrefix = ".lwsmb-deleted-";

// A POSIX lock this mount holds on the server as an SMB byte-range lock (per open file).
struct HeldLock {
  uint64_t owner = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool exclusive = true;
};

// One FUSE open (fi->fh): a file or a directory with its listing.
struct OpenFile {
  FileHandle handle;
  uint64_t ino = 0;
  bool directory = false;
  bool caching = false;         // holds a read-caching lease or oplock (LeaseCache)
  bool handle_caching = false;  // ... with handle caching (Batch, R+W+H)
  std::mutex mutex;             // the listing, the locks
  std::atomic<bool> dirty{false};
  std::vector<proto::fscc::DirectoryEntry> listing;
  bool listed = false;
  std::vector<HeldLock> locks;
};

struct FuseFrontend::Impl {
  Impl(IoManager& io, FuseOptions options);

  IoManager& io;
  FuseOptions opts;
  InodeTable inodes;
  LeaseCache leases;
  std::shared_ptr<const SecurityContext> security;
  fuse_session* session = nullptr;
  bool mounted = false;

  std::mutex files_mutex;
  std::unordered_map<uint64_t, std::shared_ptr<OpenFile>> files;
  uint64_t next_fh = 1;

  // Invalidations run on their own thread: libfuse's notify calls may wait for the kernel,
  // which may wait for a request that waits on the loop that reported the break.
  std::mutex inval_mutex;
  std::condition_variable inval_cv;
  struct Invalidation {
    std::string path;  // a break: drop attributes, entry and data of the node at PATH
    uint64_t ino = 0;  // else: drop only the attributes of INO (its lease ended)
  };
  std::deque<Invalidation> inval_queue;
  void queue_invalidation(Invalidation inv);
  bool inval_stop = false;
  std::thread inval_thread;
  void inval_worker();

  // READs answered from their IRP's completion (fuse_ops_file.cpp): run() waits for them
  // before the session goes away.
  std::mutex async_mutex;
  std::condition_variable async_cv;
  int async_reads = 0;
  void async_begin() {
    std::lock_guard lock(async_mutex);
    ++async_reads;
  }
  void async_end() {
    std::lock_guard lock(async_mutex);
    if (--async_reads == 0) async_cv.notify_all();
  }
  void async_wait() {
    std::unique_lock lock(async_mutex);
    async_cv.wait(lock, [&] { return async_reads == 0; });
  }

  // --- helpers ---
  std::string full_path(const std::string& rel) const;
  double timeout() const { return std::chrono::duration<double>(opts.actimeo).count(); }
  // The attribute and entry timeout for INO: longer while a lease vouches for it.
  double timeout(uint64_t ino) const;
  double name_timeout(uint64_t ino) const;

  // CREATE and any other IRP, waiting for completion; a FUSE interrupt of REQ cancels the
  // IRP (null REQ: not interruptible).
  Result<FileHandle> open(fuse_req_t req, const std::string& rel, uint32_t access,
                          CreateDisposition disp, uint32_t options, uint32_t attributes = 0,
                          IoStatusBlock* iosb = nullptr, uint8_t* granted_oplock = nullptr);
  IoStatusBlock call(fuse_req_t req, const FileHandle& f, IrpArgs args);
  void close(FileHandle f);

  Result<proto::fscc::AllInfo> query_all(fuse_req_t req, const FileHandle& f);
  struct stat to_stat(const proto::fscc::AllInfo& info, uint64_t ino) const;
  struct stat to_stat(const proto::fscc::DirectoryEntry& e, uint64_t ino) const;
  fuse_entry_param entry(uint64_t ino, const struct stat& st) const;

  uint64_t add_file(std::shared_ptr<OpenFile> f);
  std::shared_ptr<OpenFile> file(uint64_t fh);
  std::shared_ptr<OpenFile> take_file(uint64_t fh);

  // Replies with the errno for STATUS (errno_map.hpp).
  static void reply_status(fuse_req_t req, NtStatus status);

  // Lookup/attribute helpers shared by lookup, create, mkdir.
  void reply_entry_from_handle(fuse_req_t req, uint64_t parent, const std::string& name,
                               const FileHandle& f);
  // MOVE_ASIDE: rename the file to a hidden name before deleting it (done anyway when this
  // mount has it open).
  NtStatus set_delete(fuse_req_t req, uint64_t parent, const char* name, bool directory,
                      bool move_aside = false);
  NtStatus rename_handle(fuse_req_t req, const FileHandle& f, const std::string& target,
                         bool replace);
  bool has_open(uint64_t ino);
  std::atomic<uint64_t> next_hidden{1};
  NtStatus clear_readonly(fuse_req_t req, const FileHandle& f);
};

FuseFrontend::Impl* impl_of(fuse_req_t req);
void fill_entry_ops(fuse_lowlevel_ops* ops);  // fuse_ops_entry.cpp
void fill_file_ops(fuse_lowlevel_ops* ops);   // fuse_ops_file.cpp
void fill_lock_ops(fuse_lowlevel_ops* ops);   // fuse_ops_lock.cpp

}  // namespace lwsmb::fuse_rdr
