// FileRenameInformation (MS-FSA 2.1.5.14.11): the target name is a full path from the share
// root (the SMB2 form, MS-FSCC 2.4.37.2, RootDirectory 0).
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_path.hpp"
#include "pvfs/pvfs_stream.hpp"

namespace lwsmb::server::pvfs {
namespace {

Result<struct statx> lstat_at(int dirfd, const std::string& name) {
  struct statx st {};
  if (::statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO, &st) != 0) {
    return ntstatus_from_errno(errno);
  }
  return st;
}

FileKey key_of(const struct statx& st) {
  return FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
}

}  // namespace

NtStatus PvfsDriver::set_rename(PvfsCcb& ccb, std::span<const std::byte> in) {
  auto info = proto::fscc::decode_rename(in);
  if (!info) return info.status();
  if (ccb.root) return NtStatus::AccessDenied;
  if (info->root_directory != 0) return NtStatus::InvalidParameter;  // MS-SMB2 2.2.39
  auto target8 = proto::fscc::utf16_to_utf8(info->file_name);
  if (!target8) return NtStatus::ObjectNameInvalid;
  // A stream is renamed within its file (":new[:$DATA]", pvfs_stream_open.cpp).
  if (ccb.is_stream() || target8->starts_with(':')) {
    return rename_stream(ccb, *target8, info->replace_if_exists);
  }
  auto target = parse_nt_path(*target8);
  if (!target) return target.status();
  if (target->components.empty() || target->trailing_backslash) {
    return NtStatus::ObjectNameInvalid;
  }

  // The source: where this open's file is now, checked to still be this file.
  const std::string src_rel = names_.path(ccb.key);
  if (src_rel.empty()) return NtStatus::AccessDenied;
  auto [src_parent_rel, src_name] = rel_split(src_rel);
  UniqueFd src_parent(
      sys_openat2(root_fd(), rel_or_dot(src_parent_rel), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!src_parent) return path_lookup_status(-src_parent.get());
  auto src_st = lstat_at(src_parent.get(), src_name);
  if (!src_st || key_of(*src_st) != ccb.key) return NtStatus::ObjectNameNotFound;
  // Windows opens the source's directory for the rename sharing read|write only: an open of
  // that directory with DELETE access makes the rename a sharing violation (smbtorture
  // rename.*_delete_access, oplock.exclusive6), whatever that open shares; one without DELETE
  // does not (notify.rec renames inside a watched directory).
  struct statx parent_st {};
  if (::statx(src_parent.get(), "", AT_EMPTY_PATH, STATX_INO, &parent_st) == 0 &&
      shares_.any_open_with(key_of(parent_st), access::kDelete)) {
    return NtStatus::SharingViolation;
  }
  // Windows refuses to move a directory while files below it are open, or a file while one of
  // its streams is (smbtorture streams.basefile-rename-with-open-stream).
  if (ccb.directory && names_.has_open_below(src_rel)) return NtStatus::AccessDenied;
  if (shares_.stream_open_count(ccb.key) > 0) return NtStatus::AccessDenied;

  // The target: the parent must exist; the last name keeps the case the client gave.
  auto look = resolve_path(root_fd(), target->components, options_.case_insensitive);
  if (!look) return look.status();
  const std::string& new_name = target->components.back();
  UniqueFd dst_parent(
      sys_openat2(root_fd(), rel_or_dot(look->parent_rel), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dst_parent) return path_lookup_status(-dst_parent.get());

  unsigned flags = RENAME_NOREPLACE;
  UniqueFd replaced;  // a file the rename replaces: its named streams go with its last name
  if (look->exists) {
    auto dst_st = lstat_at(dst_parent.get(), look->name);
    if (!dst_st) return dst_st.status();
    if (key_of(*dst_st) == ccb.key) {
      // The same file under another case (or the very same name): a case change or nothing.
      if (look->name == new_name && look->parent_rel == src_parent_rel) {
        return NtStatus::Success;
      }
    } else {
      if (!info->replace_if_exists) return NtStatus::ObjectNameCollision;
      // MS-FSA 2.1.5.14.11: a directory is never replaced, nor a file someone has open.
      if (S_ISDIR(dst_st->stx_mode)) return NtStatus::AccessDenied;
      if (shares_.open_count(key_of(*dst_st)) > 0) return NtStatus::AccessDenied;
      if (look->name != new_name) {
        // "B.txt" replaced by a rename to "b.TXT": drop the old name, or both would remain.
        if (::unlinkat(dst_parent.get(), look->name.c_str(), 0) != 0) {
          return ntstatus_from_errno(errno);
        }
      } else {
        flags = 0;  // rename(2) replaces atomically
        replaced.reset(sys_openat2(dst_parent.get(), look->name,
                                   O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
      }
    }
  }
  if (::renameat2(src_parent.get(), src_name.c_str(), dst_parent.get(), new_name.c_str(), flags) !=
      0) {
    if (errno == EEXIST) return NtStatus::ObjectNameCollision;
    return ntstatus_from_errno(errno);
  }
  const std::string new_rel = rel_join(look->parent_rel, new_name);
  names_.rename(ccb.key, new_rel);
  notify_rename(src_rel, new_rel, ccb.directory);
  struct stat gone {};
  if (replaced && ::fstat(replaced.get(), &gone) == 0 && gone.st_nlink == 0) {
    remove_streams(root_fd(), replaced.get());
  }
  return NtStatus::Success;
}

}  // namespace lwsmb::server::pvfs
