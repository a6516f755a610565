// ReadDirectoryChange (MS-FSA 2.1.5.11) and the change reports pvfs makes for what it changes
// itself (MS-FSA 2.1.4.1): creates, deletes, renames, sizes, attributes, times, EAs, security.
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_path.hpp"

namespace lwsmb::server::pvfs {

void PvfsDriver::read_directory_change(const IrpPtr& irp, PvfsCcb& ccb) {
  // MS-SMB2 3.3.5.19: only a directory can be watched.
  if (!ccb.directory) return (void)irp->complete(NtStatus::InvalidParameter);
  // Watching is listing: FILE_LIST_DIRECTORY (MS-FSA 2.1.5.11).
  if (!ccb.has(access::kReadData)) return (void)irp->complete(NtStatus::AccessDenied);
  notify_.watch(ccb.key, ccb.token, irp);
}

void PvfsDriver::notify_change(const std::string& rel, uint32_t action, uint32_t filter) {
  if (notify_.watch_count() == 0 || rel.empty()) return;  // the root has no parent to tell
  auto [parent, name] = rel_split(rel);
  notify_.report({{parent, name, action}}, filter,
                 [this](const FileKey& k) { return names_.path(k); });
}

void PvfsDriver::notify_rename(const std::string& from, const std::string& to, bool directory) {
  if (notify_.watch_count() == 0) return;
  auto [from_parent, from_name] = rel_split(from);
  auto [to_parent, to_name] = rel_split(to);
  // Within one directory a rename is an old and a new name; a move to another directory is a
  // removal from one and an addition to the other (as Windows reports it; notify.rec).
  const bool same_dir = from_parent == to_parent;
  notify_.report(
      {{from_parent, from_name,
        same_dir ? notify_action::kRenamedOldName : notify_action::kRemoved},
       {to_parent, to_name, same_dir ? notify_action::kRenamedNewName : notify_action::kAdded}},
      directory ? notify_filter::kDirName : notify_filter::kFileName,
      [this](const FileKey& k) { return names_.path(k); });
}

void PvfsDriver::notify_name_change(const std::string& rel, uint32_t action, bool directory) {
  notify_change(rel, action, directory ? notify_filter::kDirName : notify_filter::kFileName);
}

}  // namespace lwsmb::server::pvfs
