// pvfs entry points: IRP dispatch, CLOSE (MS-FSA 2.1.5.4) and the driver factory.
#include "lwsmb/server/pvfs_driver.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_path.hpp"
#include "pvfs/pvfs_stream.hpp"

namespace lwsmb::server {

std::shared_ptr<Driver> make_pvfs_driver(PvfsOptions options) {
  // A bad root is reported per CREATE (STATUS_OBJECT_PATH_NOT_FOUND), never thrown.
  pvfs::UniqueFd root(::open(options.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  return std::make_shared<pvfs::PvfsDriver>(std::move(options), std::move(root));
}

}  // namespace lwsmb::server

namespace lwsmb::server::pvfs {

PvfsDriver::PvfsDriver(PvfsOptions options, UniqueFd root)
    : options_(std::move(options)), root_(std::move(root)) {
  struct statfs fs {};
  struct stat st {};
  if (root_ && ::fstatfs(root_.get(), &fs) == 0 && ::fstat(root_.get(), &st) == 0) {
    memory_backed_ = fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
    root_dev_ = st.st_dev;
  }
}

void PvfsDriver::dispatch(const IrpPtr& irp) {
  if (irp->type() == IrpType::Create) {
    create(irp);
    return;
  }
  auto* ccb = irp->file().context<PvfsCcb>();
  if (!ccb) {
    irp->complete(NtStatus::InvalidHandle);
    return;
  }
  switch (irp->type()) {
    case IrpType::Close:
      close(irp, *ccb);
      return;
    case IrpType::Read:
      read(irp, *ccb);
      return;
    case IrpType::Write:
      write(irp, *ccb);
      return;
    case IrpType::Flush:
      flush(irp, *ccb);
      return;
    case IrpType::QueryInformation:
      query_information(irp, *ccb);
      return;
    case IrpType::SetInformation:
      set_information(irp, *ccb);
      return;
    case IrpType::QueryDirectory:
      query_directory(irp, *ccb);
      return;
    case IrpType::QueryVolumeInformation:
      query_volume(irp, *ccb);
      return;
    case IrpType::QuerySecurity:
      query_security(irp, *ccb);
      return;
    case IrpType::SetSecurity:
      set_security(irp, *ccb);
      return;
    case IrpType::LockControl:
      lock_control(irp, *ccb);
      return;
    case IrpType::FsControl:
      if (!oplock_fs_control(irp, *ccb)) fs_control(irp, *ccb);
      return;
    case IrpType::ReadDirectoryChange:
      read_directory_change(irp, *ccb);
      return;
    default:
      irp->complete(NtStatus::InvalidDeviceRequest);
      return;
  }
}

void PvfsDriver::close(const IrpPtr& irp, PvfsCcb& ccb) {
  // MS-FSA 2.1.5.4: byte-range locks go with the open; the last close of a delete-pending file
  // removes it.
  if (ccb.is_stream()) return close_stream(irp, ccb);
  locks_.release_owner(ccb.key, ccb.token);
  notify_.release(ccb.token);
  bool delete_now = false;
  shares_.remove(ccb.key, ccb.token, &delete_now);
  // After the share entry goes: a create woken by this finds the file free.
  oplocks_.release(ccb.key, ccb.token);
  if (delete_now && !ccb.root) delete_at_close(ccb.key, ccb.raw_fd(), ccb.directory);
  names_.release(ccb.key);
  // The fd closes with the context (ring operations still in flight hold their own reference).
  auto ctx = irp->file().take_context();
  irp->complete(NtStatus::Success);
}

void PvfsDriver::delete_at_close(const FileKey& key, int fd, bool directory) {
  const std::string rel = names_.path(key);
  if (rel.empty()) return;
  auto [parent_rel, name] = rel_split(rel);
  UniqueFd parent(sys_openat2(root_fd(), rel_or_dot(parent_rel), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!parent) return;
  // The name must still be this file: never unlink whatever else took its place.
  struct statx st {};
  if (::statx(parent.get(), name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_INO, &st) != 0) return;
  if (FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino} != key) return;
  // A directory that is not empty stays (MS-FSA 2.1.5.4 leaves it; rmdir says ENOTEMPTY).
  if (::unlinkat(parent.get(), name.c_str(), directory ? AT_REMOVEDIR : 0) != 0) return;
  notify_name_change(rel, notify_action::kRemoved, directory);
  // The named streams go with the file's last name (a hard link elsewhere keeps them).
  struct stat after {};
  if (directory || (::fstat(fd, &after) == 0 && after.st_nlink == 0)) remove_streams(root_fd(), fd);
}

}  // namespace lwsmb::server::pvfs
