// pvfs: the POSIX file system driver. Exports one local directory tree with NT semantics
// (dispositions, share modes, delete-on-close, byte-range locks, case-insensitive names).
// Nothing outside the root is ever reached (openat2 with RESOLVE_BENEATH).
#pragma once

#include <memory>
#include <string>

#include "lwsmb/iocore/driver.hpp"

namespace lwsmb::server {

struct PvfsOptions {
  std::string root = "/";        // the directory the driver's namespace maps to
  bool case_insensitive = true;  // "README.TXT" opens "readme.txt" when no exact match exists
  // Permission bits new files and directories may get (smb.conf "create mask" and
  // "directory mask"); the process umask applies on top.
  uint32_t create_mask = 0777;
  uint32_t directory_mask = 0777;
  // How long a CREATE waits for the holder of an Exclusive or Batch oplock to acknowledge its
  // break before the oplock is taken away (MS-SMB2 3.3.4.6 suggests 35 s).
  uint32_t oplock_break_timeout_ms = 35000;
};

// Registers as e.g. io.register_driver("\\pvfs", make_pvfs_driver({.root = "/srv/share"})).
std::shared_ptr<Driver> make_pvfs_driver(PvfsOptions options);

}  // namespace lwsmb::server
