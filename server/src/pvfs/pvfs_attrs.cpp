// DOS attributes and times for pvfs files (MS-FSCC 2.6 attributes, 2.4.7 basic information).
#include "pvfs/pvfs_attrs.hpp"

#include <fcntl.h>
#include <sys/xattr.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "lwsmb/iocore/nt_constants.hpp"
#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::server::pvfs {
namespace {

constexpr const char* kXattrName = "user.lwsmb.dosattrib";
// Layout: u32 version (1), u32 attributes, i64 creation time; little-endian.
constexpr size_t kXattrSize = 16;

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

bool parse_xattr(const std::array<std::byte, kXattrSize>& buf, ssize_t n, uint32_t* attrs,
                 int64_t* creation) {
  if (n != static_cast<ssize_t>(kXattrSize) || get_le(buf.data(), 4) != 1) return false;
  *attrs = static_cast<uint32_t>(get_le(buf.data() + 4, 4)) & kStorableAttributes;
  *creation = static_cast<int64_t>(get_le(buf.data() + 8, 8));
  return true;
}

int64_t filetime(const struct statx_timestamp& t) {
  return proto::fscc::filetime_from_unix(t.tv_sec, t.tv_nsec);
}

void fill(FileStat& fs, bool have_xattr, uint32_t stored, int64_t stored_creation) {
  const auto& st = fs.st;
  fs.key = FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
  fs.last_access_time = filetime(st.stx_atime);
  fs.last_write_time = filetime(st.stx_mtime);
  fs.change_time = filetime(st.stx_ctime);
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

}  // namespace

Result<FileStat> stat_fd(int fd) {
  FileStat fs;
  if (::statx(fd, "", AT_EMPTY_PATH, kStatxMask, &fs.st) != 0) return ntstatus_from_errno(errno);
  std::array<std::byte, kXattrSize> buf;
  // Through /proc so that O_PATH fds work too; our own fd, so no foreign link is followed.
  ssize_t n = ::getxattr(proc_fd_path(fd).c_str(), kXattrName, buf.data(), buf.size());
  uint32_t attrs = 0;
  int64_t creation = 0;
  bool have = parse_xattr(buf, n, &attrs, &creation);
  fill(fs, have, attrs, creation);
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
  uint32_t attrs = 0;
  int64_t creation = 0;
  bool have = parse_xattr(buf, n, &attrs, &creation);
  fill(fs, have, attrs, creation);
  return fs;
}

void load_dos_attributes(int fd, uint32_t* attributes, int64_t* creation_time) {
  std::array<std::byte, kXattrSize> buf;
  ssize_t n = ::fgetxattr(fd, kXattrName, buf.data(), buf.size());
  *attributes = 0;
  *creation_time = 0;
  if (!parse_xattr(buf, n, attributes, creation_time)) {
    *attributes = 0;
    *creation_time = 0;
  }
}

NtStatus store_dos_attributes(int fd, uint32_t attributes, int64_t creation_time) {
  attributes &= kStorableAttributes;
  std::array<std::byte, kXattrSize> buf{};
  put_le(buf.data(), 1, 4);
  put_le(buf.data() + 4, attributes, 4);
  put_le(buf.data() + 8, static_cast<uint64_t>(creation_time), 8);
  if (::fsetxattr(fd, kXattrName, buf.data(), buf.size(), 0) == 0) return NtStatus::Success;
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
