// DOS attributes and times for pvfs files (MS-FSCC 2.6 attributes, 2.4.7 basic information).
#include "pvfs/pvfs_attrs.hpp"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "lwsmb/iocore/nt_constants.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_fd.hpp"

namespace lwsmb::server::pvfs {
namespace {

constexpr const char* kXattrName = "user.lwsmb.dosattrib";
// Layout: u32 version (1), u32 attributes, i64 creation time; little-endian. Version 2 adds
// i64 change time and i64 the last write time it was set at (see store_change_time).
constexpr size_t kXattrV1Size = 16;
constexpr size_t kXattrSize = 32;

std::string proc_fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

void put_le(std::byte* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
uint64_t get_le(const std::byte* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

struct Stored {
  uint32_t attrs = 0;
  int64_t creation = 0;
  int64_t change = 0;        // 0: none set
  int64_t change_stamp = 0;  // the last write time when it was set
};

bool parse_xattr(const std::array<std::byte, kXattrSize>& buf, ssize_t n, Stored* out) {
  const uint64_t version = n >= 4 ? get_le(buf.data(), 4) : 0;
  if (!((n == static_cast<ssize_t>(kXattrV1Size) && version == 1) ||
        (n == static_cast<ssize_t>(kXattrSize) && version == 2))) {
    return false;
  }
  out->attrs = static_cast<uint32_t>(get_le(buf.data() + 4, 4)) & kStorableAttributes;
  out->creation = static_cast<int64_t>(get_le(buf.data() + 8, 8));
  if (version == 2) {
    out->change = static_cast<int64_t>(get_le(buf.data() + 16, 8));
    out->change_stamp = static_cast<int64_t>(get_le(buf.data() + 24, 8));
  }
  return true;
}

int64_t filetime(const struct statx_timestamp& t) {
  return proto::fscc::filetime_from_unix(t.tv_sec, t.tv_nsec);
}

void fill(FileStat& fs, bool have_xattr, const Stored& stored_all) {
  const auto& st = fs.st;
  const uint32_t stored = stored_all.attrs;
  const int64_t stored_creation = stored_all.creation;
  fs.key = FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
  fs.last_access_time = filetime(st.stx_atime);
  fs.last_write_time = filetime(st.stx_mtime);
  fs.change_time = filetime(st.stx_ctime);
  // A ChangeTime a client set holds until the data changes (Linux cannot set ctime).
  if (stored_all.change != 0 && stored_all.change_stamp == fs.last_write_time) {
    fs.change_time = stored_all.change;
  }
  if (stored_creation != 0) {
    fs.creation_time = stored_creation;
  } else if ((st.stx_mask & STATX_BTIME) &&
             (st.stx_btime.tv_sec != 0 || st.stx_btime.tv_nsec != 0)) {
    // Some file systems (gVisor's among them) claim STATX_BTIME and report the epoch.
    fs.creation_time = filetime(st.stx_btime);
  } else {
    fs.creation_time = std::min(fs.last_write_time, fs.change_time);
  }
  uint32_t attrs = have_xattr ? stored : 0;
  // Without our xattr, a file nobody may write reads as READONLY.
  if (!have_xattr && (st.stx_mode & 0222) == 0) attrs |= file_attribute::kReadonly;
  if (S_ISDIR(st.stx_mode)) attrs |= file_attribute::kDirectory;
  if (attrs == 0) attrs = file_attribute::kNormal;
  fs.attributes = attrs;
}

constexpr unsigned kStatxMask = STATX_BASIC_STATS | STATX_BTIME;

// Bytes of data extents of a regular file (FIEMAP), -1 when unknown.
int64_t mapped_bytes(int fd) {
  constexpr uint32_t kExtents = 32;
  alignas(struct fiemap)
      std::array<std::byte, sizeof(struct fiemap) + kExtents * sizeof(struct fiemap_extent)>
          raw;
  auto* map = reinterpret_cast<struct fiemap*>(raw.data());
  uint64_t total = 0;
  uint64_t start = 0;
  for (int rounds = 0; rounds < 1024; ++rounds) {
    raw.fill(std::byte{0});
    map->fm_start = start;
    map->fm_length = FIEMAP_MAX_OFFSET - start;
    map->fm_extent_count = kExtents;
    if (::ioctl(fd, FS_IOC_FIEMAP, map) != 0) return -1;
    const uint32_t n = map->fm_mapped_extents;
    if (n == 0) return static_cast<int64_t>(total);
    for (uint32_t i = 0; i < n; ++i) total += map->fm_extents[i].fe_length;
    const auto& last = map->fm_extents[n - 1];
    if (last.fe_flags & FIEMAP_EXTENT_LAST) return static_cast<int64_t>(total);
    start = last.fe_logical + last.fe_length;
  }
  return -1;
}

// st_blocks also counts an external extended-attribute block (ext4 puts xattrs that do not
// fit in the inode there), which is no allocation of the data. When a regular file has more
// blocks than its size needs (preallocation or such a block), ask the extent map instead.
void fix_allocation(FileStat& fs, int dirfd, const char* name, bool follow) {
  const auto& st = fs.st;
  if (!S_ISREG(st.stx_mode) || st.stx_blksize == 0) return;
  const uint64_t blk = st.stx_blksize;
  const uint64_t needed = (st.stx_size + blk - 1) / blk * blk;
  if (st.stx_blocks * 512 <= needed) return;
  // (follow: the /proc/self/fd link of our own fd, which names exactly that file)
  const int nofollow = follow ? 0 : O_NOFOLLOW;
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | nofollow | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) return;
  const int64_t mapped = mapped_bytes(fd.get());
  if (mapped >= 0) fs.data_allocation = mapped;
}

}  // namespace

Result<FileStat> stat_fd(int fd) {
  FileStat fs;
  if (::statx(fd, "", AT_EMPTY_PATH, kStatxMask, &fs.st) != 0) return ntstatus_from_errno(errno);
  std::array<std::byte, kXattrSize> buf;
  // A real fd reads its xattr directly; an O_PATH one (EBADF) through /proc, our own fd, so no
  // foreign link is followed.
  ssize_t n = ::fgetxattr(fd, kXattrName, buf.data(), buf.size());
  if (n < 0 && errno == EBADF) {
    n = ::getxattr(proc_fd_path(fd).c_str(), kXattrName, buf.data(), buf.size());
  }
  Stored stored;
  bool have = parse_xattr(buf, n, &stored);
  fill(fs, have, have ? stored : Stored{});
  fix_allocation(fs, AT_FDCWD, proc_fd_path(fd).c_str(), true);
  return fs;
}

Result<FileStat> stat_new_fd(int fd, bool stored, uint32_t attributes) {
  FileStat fs;
  if (::statx(fd, "", AT_EMPTY_PATH, kStatxMask, &fs.st) != 0) return ntstatus_from_errno(errno);
  Stored known;
  known.attrs = attributes & kStorableAttributes;
  fill(fs, stored, known);
  fix_allocation(fs, AT_FDCWD, proc_fd_path(fd).c_str(), true);
  return fs;
}

Result<FileStat> stat_at(int dirfd, const std::string& name) {
  FileStat fs;
  if (::statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW, kStatxMask, &fs.st) != 0) {
    return ntstatus_from_errno(errno);
  }
  std::array<std::byte, kXattrSize> buf;
  ssize_t n = -1;
  if (S_ISREG(fs.st.stx_mode) || S_ISDIR(fs.st.stx_mode)) {
    n = ::lgetxattr((proc_fd_path(dirfd) + "/" + name).c_str(), kXattrName, buf.data(), buf.size());
  }
  Stored stored;
  bool have = parse_xattr(buf, n, &stored);
  fill(fs, have, have ? stored : Stored{});
  fix_allocation(fs, dirfd, name.c_str(), false);
  return fs;
}

void load_dos_attributes(int fd, uint32_t* attributes, int64_t* creation_time) {
  std::array<std::byte, kXattrSize> buf;
  ssize_t n = ::fgetxattr(fd, kXattrName, buf.data(), buf.size());
  Stored stored;
  if (!parse_xattr(buf, n, &stored)) stored = Stored{};
  *attributes = stored.attrs;
  *creation_time = stored.creation;
}

NtStatus store_change_time(int fd, int64_t change_time) {
  std::array<std::byte, kXattrSize> buf{};
  ssize_t n = ::fgetxattr(fd, kXattrName, buf.data(), buf.size());
  Stored stored;
  if (!parse_xattr(buf, n, &stored)) {
    // No attributes stored yet: keep what the file reports now.
    auto fs = stat_fd(fd);
    if (!fs) return fs.status();
    stored.attrs = fs->attributes & kStorableAttributes;
  }
  struct statx st {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_MTIME, &st) != 0) return ntstatus_from_errno(errno);
  put_le(buf.data(), 2, 4);
  put_le(buf.data() + 4, stored.attrs, 4);
  put_le(buf.data() + 8, static_cast<uint64_t>(stored.creation), 8);
  put_le(buf.data() + 16, static_cast<uint64_t>(change_time), 8);
  put_le(buf.data() + 24, static_cast<uint64_t>(filetime(st.stx_mtime)), 8);
  if (::fsetxattr(fd, kXattrName, buf.data(), buf.size(), 0) == 0) return NtStatus::Success;
  return errno == ENOTSUP ? NtStatus::Success : ntstatus_from_errno(errno);  // best effort
}

NtStatus store_new_dos_attributes(int fd, uint32_t attributes, bool* stored) {
  attributes &= kStorableAttributes;
  *stored = false;
  std::array<std::byte, kXattrV1Size> buf{};
  put_le(buf.data(), 1, 4);
  put_le(buf.data() + 4, attributes, 4);
  if (::fsetxattr(fd, kXattrName, buf.data(), buf.size(), 0) == 0) {
    *stored = true;
    return NtStatus::Success;
  }
  if (errno != ENOTSUP) return ntstatus_from_errno(errno);
  return store_dos_attributes(fd, attributes, 0);  // the mode-bit fallback
}

NtStatus store_dos_attributes(int fd, uint32_t attributes, int64_t creation_time) {
  attributes &= kStorableAttributes;
  // A ChangeTime set earlier stays (it lapses by itself once the data changes).
  std::array<std::byte, kXattrSize> buf{};
  Stored old;
  ssize_t n = ::fgetxattr(fd, kXattrName, buf.data(), buf.size());
  const bool keep_change = parse_xattr(buf, n, &old) && old.change != 0;
  buf.fill(std::byte{0});
  put_le(buf.data(), keep_change ? 2 : 1, 4);
  put_le(buf.data() + 4, attributes, 4);
  put_le(buf.data() + 8, static_cast<uint64_t>(creation_time), 8);
  put_le(buf.data() + 16, static_cast<uint64_t>(old.change), 8);
  put_le(buf.data() + 24, static_cast<uint64_t>(old.change_stamp), 8);
  const size_t size = keep_change ? kXattrSize : kXattrV1Size;
  if (::fsetxattr(fd, kXattrName, buf.data(), size, 0) == 0) return NtStatus::Success;
  if (errno != ENOTSUP) return ntstatus_from_errno(errno);
  // No user xattrs here: READONLY is the absence of write permission.
  struct stat st;
  if (::fstat(fd, &st) != 0) return ntstatus_from_errno(errno);
  mode_t mode = st.st_mode & 07777;
  mode = (attributes & file_attribute::kReadonly) ? (mode & ~0222) : (mode | 0200);
  if (::fchmod(fd, mode) != 0) return ntstatus_from_errno(errno);
  return NtStatus::Success;
}

}  // namespace lwsmb::server::pvfs
