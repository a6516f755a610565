// File metadata as NT sees it: statx plus the DOS attributes and creation time pvfs keeps in an
// extended attribute ("user.lwsmb.dosattrib").
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdint>
#include <string>

#include "lwsmb/iocore/result.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

// The attributes a client may set and pvfs stores (MS-FSCC 2.6); DIRECTORY comes from the file
// type and NORMAL is what "none" reads as.
inline constexpr uint32_t kStorableAttributes =
    0x00000001 | 0x00000002 | 0x00000004 | 0x00000020 | 0x00000100;  // R H S A TEMPORARY

struct FileStat {
  struct statx st {};
  FileKey key;
  int64_t creation_time = 0;  // FILETIME
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  uint32_t attributes = 0;       // as reported: stored bits + DIRECTORY, or NORMAL
  int64_t data_allocation = -1;  // bytes of data extents when st_blocks counts more; -1: use it
  bool directory() const { return S_ISDIR(st.stx_mode); }
  bool regular() const { return S_ISREG(st.stx_mode); }
  int64_t end_of_file() const { return directory() ? 0 : static_cast<int64_t>(st.stx_size); }
  int64_t allocation_size() const {
    if (directory()) return 0;
    return data_allocation >= 0 ? data_allocation : static_cast<int64_t>(st.stx_blocks) * 512;
  }
  uint32_t links() const { return directory() ? 1 : st.stx_nlink; }
};

// Stats an open fd (O_PATH ones too) and reads its DOS attributes.
Result<FileStat> stat_fd(int fd);
// stat_fd for a file this CREATE has just made, whose DOS attributes are known: `stored` says
// whether store_new_dos_attributes kept them in the xattr (no need to read it back).
Result<FileStat> stat_new_fd(int fd, bool stored, uint32_t attributes);
// Stats `name` inside the directory `dirfd`, not following a final symlink.
Result<FileStat> stat_at(int dirfd, const std::string& name);

// Stores DOS attributes (only kStorableAttributes are kept) and, when creation_time != 0, the
// creation time. fd must be a real (not O_PATH) fd. When the file system has no user xattrs,
// READONLY falls back to the mode's write bits and the rest is dropped.
NtStatus store_dos_attributes(int fd, uint32_t attributes, int64_t creation_time);
// store_dos_attributes for a file just made (nothing stored yet, so nothing to keep): one
// fsetxattr. *stored tells whether the xattr holds them (false: the mode-bit fallback).
NtStatus store_new_dos_attributes(int fd, uint32_t attributes, bool* stored);
// Stored attributes of an fd (0 when none) and the stored creation time (0 when none).
void load_dos_attributes(int fd, uint32_t* attributes, int64_t* creation_time);
// Records a ChangeTime a client set (MS-FSA 2.1.5.14.2). Linux cannot set ctime, so the value
// is kept beside the attributes and reported until the last write time moves or the
// attributes are stored again. fd must be a real fd.
NtStatus store_change_time(int fd, int64_t change_time);

}  // namespace lwsmb::server::pvfs
