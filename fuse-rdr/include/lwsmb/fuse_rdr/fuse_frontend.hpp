// The FUSE frontend: a libfuse3 low-level file system whose every operation becomes IRPs to the
// I/O manager under one root prefix ("\rdr\server:port\share" for a mount, "\pvfs" in tests).
// It knows nothing of SMB: NTSTATUS becomes errno only through errno_map.hpp.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb::fuse_rdr {

// cache= as in mount.cifs: strict keeps file data in the page cache only while the file stays
// open and unchanged (dropped at each open), loose keeps it across opens until the attributes
// show a change, none bypasses the page cache (direct I/O).
enum class CacheMode : uint8_t { Strict, Loose, None };

struct FuseOptions {
  std::string mountpoint;
  std::string fsname = "lwsmb";  // shown in /proc/mounts, e.g. "//server/share"
  // The prefix of every path the frontend opens: "\pvfs" or "\rdr\server:445\share".
  std::string root_prefix;
  // Rename targets are full paths from the share root (MS-SMB2 2.2.39): when the mount's root
  // is a folder below the share, its path from the share root (backslashes, no leading one).
  std::string share_subpath;
  uid_t uid = 0;  // owner reported for every file (mount.cifs uid=, gid=)
  gid_t gid = 0;
  mode_t file_mode = 0755;  // permission bits reported for files and directories
  mode_t dir_mode = 0755;
  std::chrono::milliseconds actimeo{1000};  // attribute and entry cache time
  CacheMode cache = CacheMode::Strict;
  bool read_only = false;
  bool allow_other = true;     // like a kernel mount, everyone may enter (permissions still apply)
  bool debug = false;          // libfuse's request trace on stderr
  unsigned threads = 16;       // most worker threads of the session loop
  uint32_t max_io = 1u << 20;  // max_read / max_write
  // The kernel's read-ahead for the mount (its bdi's read_ahead_kb, which FUSE otherwise
  // leaves at 128 KiB); 0: the kernel's default. Set when the mounter may (root).
  uint32_t read_ahead = 0;
};

class FuseFrontend {
 public:
  FuseFrontend(IoManager& io, FuseOptions options);
  ~FuseFrontend();  // unmounts if still mounted, closes every open file
  FuseFrontend(const FuseFrontend&) = delete;
  FuseFrontend& operator=(const FuseFrontend&) = delete;

  // Opens the root directory once: how a mount finds out the server, the logon or the share
  // is wrong before anything is mounted.
  NtStatus check_root();

  // Creates the FUSE session and mounts it on options.mountpoint. 0 or an errno; *error gets a
  // plain line when it fails.
  int mount(std::string* error);
  // Serves requests on a multi-threaded loop until unmounted (umount, fusermount3 -u) or
  // SIGINT/SIGTERM/SIGHUP. Open files are flushed and closed before it returns. 0 or an errno.
  int run();

  // Drops the kernel's cached attributes, entry and data of PATH (driver-relative, backslashes,
  // as RdrOptions::on_cache_invalidate gives it). Safe from any thread; never blocks on I/O.
  void invalidate(const std::string& path);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lwsmb::fuse_rdr
