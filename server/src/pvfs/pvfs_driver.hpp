// The pvfs driver object: shared per-driver state and one handler per IRP type. The handlers
// live in pvfs_create.cpp, pvfs_io.cpp, pvfs_query_info.cpp, pvfs_set_info.cpp,
// pvfs_rename.cpp, pvfs_volume.cpp, pvfs_directory.cpp and pvfs_driver.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "lwsmb/iocore/driver.hpp"
#include "lwsmb/iocore/file_object.hpp"
#include "lwsmb/iocore/irp.hpp"
#include "lwsmb/server/pvfs_driver.hpp"
#include "pvfs/lock_manager.hpp"
#include "pvfs/pvfs_ccb.hpp"
#include "pvfs/pvfs_fd.hpp"
#include "pvfs/pvfs_name_table.hpp"
#include "pvfs/pvfs_notify.hpp"
#include "pvfs/pvfs_oplock.hpp"
#include "pvfs/pvfs_path.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

class PvfsDriver final : public Driver, public std::enable_shared_from_this<PvfsDriver> {
 public:
  PvfsDriver(PvfsOptions options, UniqueFd root);

  void dispatch(const IrpPtr& irp) override;
  void shutdown() override {}

  const PvfsOptions& options() const { return options_; }
  // O_PATH|O_DIRECTORY fd of the root; every lookup is RESOLVE_BENEATH relative to it.
  int root_fd() const { return root_.get(); }
  ShareModeTable& shares() { return shares_; }
  LockManager& locks() { return locks_; }
  NameTable& names() { return names_; }
  OplockTable& oplocks() { return oplocks_; }
  NotifyTable& notifications() { return notify_; }
  // Whether READs and WRITEs of the file `key` are done inline on the loop thread: the share
  // lives on a memory file system (tmpfs, ramfs), where they never wait for a device and where
  // io_uring, which has no non-blocking path for them, would hand each to a worker thread.
  bool inline_io(const FileKey& key) const { return memory_backed_ && key.dev == root_dev_; }
  // Reports a change of `rel` (share-relative, "/" separated) to the directory watchers
  // (pvfs_notify_report.cpp); `directory` picks the FILE_NAME or DIR_NAME filter for names.
  void notify_name_change(const std::string& rel, uint32_t action, bool directory);
  void notify_change(const std::string& rel, uint32_t action, uint32_t filter);
  void notify_rename(const std::string& from, const std::string& to, bool directory);

 private:
  void create(const IrpPtr& irp);  // pvfs_create.cpp
  void close(const IrpPtr& irp, PvfsCcb& ccb);
  void read(const IrpPtr& irp, PvfsCcb& ccb);  // pvfs_io.cpp
  void write(const IrpPtr& irp, PvfsCcb& ccb);
  void flush(const IrpPtr& irp, PvfsCcb& ccb);
  void lock_control(const IrpPtr& irp, PvfsCcb& ccb);
  void query_information(const IrpPtr& irp, PvfsCcb& ccb);  // pvfs_query_info.cpp
  void set_information(const IrpPtr& irp, PvfsCcb& ccb);    // pvfs_set_info.cpp
  void query_volume(const IrpPtr& irp, PvfsCcb& ccb);       // pvfs_volume.cpp
  void fs_control(const IrpPtr& irp, PvfsCcb& ccb);         // pvfs_fsctl.cpp
  void query_directory(const IrpPtr& irp, PvfsCcb& ccb);    // pvfs_directory.cpp
  void query_security(const IrpPtr& irp, PvfsCcb& ccb);     // pvfs_security_info.cpp
  void set_security(const IrpPtr& irp, PvfsCcb& ccb);
  void read_directory_change(const IrpPtr& irp, PvfsCcb& ccb);  // pvfs_notify_report.cpp
  // The oplock controls of fs_control (pvfs_oplock_fsctl.cpp); false for other codes.
  bool oplock_fs_control(const IrpPtr& irp, PvfsCcb& ccb);

  NtStatus set_disposition(PvfsCcb& ccb, std::span<const std::byte> in);  // pvfs_set_info.cpp
  NtStatus set_rename(PvfsCcb& ccb, std::span<const std::byte> in);       // pvfs_rename.cpp
  void after_set_information(PvfsCcb& ccb, FileInfoClass cls);            // pvfs_set_info.cpp

  // Removes the file `key` (open as `fd`) when the last open of a delete-pending file closes,
  // and its named streams with its last name.
  void delete_at_close(const FileKey& key, int fd, bool directory);

  // Named streams (pvfs_stream_open.cpp, storage in pvfs_stream.hpp).
  void create_stream(const IrpPtr& irp, const ParsedPath& path, const std::string& stream);
  NtStatus open_stream(const IrpPtr& irp, const ParsedPath& path, const std::string& stream,
                       CreateAction* action);
  void close_stream(const IrpPtr& irp, PvfsCcb& ccb);
  NtStatus rename_stream(PvfsCcb& ccb, const std::string& target, bool replace);
  NtStatus rename_into_main_stream(PvfsCcb& ccb, bool replace);

  PvfsOptions options_;
  UniqueFd root_;
  bool memory_backed_ = false;  // inline_io
  uint64_t root_dev_ = 0;
  ShareModeTable shares_;
  LockManager locks_;
  NameTable names_;
  OplockTable oplocks_;
  NotifyTable notify_;
};

}  // namespace lwsmb::server::pvfs
