// SET_INFORMATION (MS-FSA 2.1.5.14): basic, end of file, allocation, position, disposition and
// rename.
#include <fcntl.h>
#include <sys/stat.h>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_ea.hpp"
#include "pvfs/pvfs_path.hpp"

namespace lwsmb::server::pvfs {
namespace fscc = proto::fscc;
namespace {

// MS-FSA 2.1.5.14.2: 0 and -1 (and -2, re-enabling updates) leave a time alone; anything
// below -2 is invalid.
bool time_is_set(int64_t t) {
  return t > 0;
}
bool time_is_valid(int64_t t) {
  return t >= -2;
}

struct timespec to_timespec(int64_t filetime) {
  int64_t sec = 0;
  uint32_t nsec = 0;
  fscc::unix_from_filetime(filetime, &sec, &nsec);
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(nsec);
  return ts;
}

NtStatus set_basic(PvfsCcb& ccb, std::span<const std::byte> in) {
  auto info = fscc::decode_basic(in);
  if (!info) return info.status();
  const auto& b = *info;
  if (!time_is_valid(b.creation_time) || !time_is_valid(b.last_access_time) ||
      !time_is_valid(b.last_write_time) || !time_is_valid(b.change_time)) {
    return NtStatus::InvalidParameter;
  }
  uint32_t attrs = b.attributes;
  if (attrs != 0) {
    if ((attrs & file_attribute::kDirectory) && !ccb.directory) return NtStatus::InvalidParameter;
    if ((attrs & file_attribute::kTemporary) && ccb.directory) return NtStatus::InvalidParameter;
  }
  const int fd = ccb.meta_fd();  // a stream's times and attributes are its file's
  if (attrs != 0 || time_is_set(b.creation_time)) {
    uint32_t old_attrs = 0;
    int64_t creation = 0;
    load_dos_attributes(fd, &old_attrs, &creation);
    if (attrs == 0) {
      // Only the creation time changes: keep what the file reports now.
      auto st = stat_fd(fd);
      if (!st) return st.status();
      attrs = st->attributes;
    }
    if (time_is_set(b.creation_time)) creation = b.creation_time;
    NtStatus s = store_dos_attributes(fd, attrs & kStorableAttributes, creation);
    if (s != NtStatus::Success) return s;
  }
  if (time_is_set(b.last_access_time) || time_is_set(b.last_write_time)) {
    struct timespec ts[2];
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = UTIME_OMIT;
    if (time_is_set(b.last_access_time)) ts[0] = to_timespec(b.last_access_time);
    if (time_is_set(b.last_write_time)) ts[1] = to_timespec(b.last_write_time);
    if (::futimens(fd, ts) != 0) return ntstatus_from_errno(errno);
  }
  // Linux cannot set ctime: a ChangeTime is kept beside the attributes (after the write time
  // moved, which it is stamped with).
  if (time_is_set(b.change_time)) return store_change_time(fd, b.change_time);
  return NtStatus::Success;
}

NtStatus set_end_of_file(PvfsCcb& ccb, std::span<const std::byte> in) {
  auto info = fscc::decode_end_of_file(in);
  if (!info) return info.status();
  if (ccb.directory || info->end_of_file < 0) return NtStatus::InvalidParameter;
  if (::ftruncate(ccb.raw_fd(), info->end_of_file) != 0) return ntstatus_from_errno(errno);
  return NtStatus::Success;
}

NtStatus set_allocation(PvfsCcb& ccb, std::span<const std::byte> in) {
  auto info = fscc::decode_allocation(in);
  if (!info) return info.status();
  if (ccb.directory || info->allocation_size < 0) return NtStatus::InvalidParameter;
  struct stat st;
  if (::fstat(ccb.raw_fd(), &st) != 0) return ntstatus_from_errno(errno);
  // MS-FSA 2.1.5.14.1: an allocation below the end of file cuts the file there.
  if (info->allocation_size < st.st_size) {
    if (::ftruncate(ccb.raw_fd(), info->allocation_size) != 0) return ntstatus_from_errno(errno);
  } else if (info->allocation_size > 0) {
    (void)::fallocate(ccb.raw_fd(), FALLOC_FL_KEEP_SIZE, 0, info->allocation_size);
  }
  return NtStatus::Success;
}

NtStatus set_position(PvfsCcb& ccb, std::span<const std::byte> in) {
  auto info = fscc::decode_position(in);
  if (!info) return info.status();
  if (info->current_byte_offset < 0) return NtStatus::InvalidParameter;
  std::lock_guard lock(ccb.mutex);
  ccb.position = info->current_byte_offset;
  return NtStatus::Success;
}

// MS-FSA 2.1.5.14.8 FileModeInformation: only FILE_WRITE_THROUGH and FILE_SEQUENTIAL_ONLY
// may change (the synchronous-I/O bits would have to match the open's, and no SMB2 open is
// synchronous).
NtStatus set_mode(PvfsCcb& ccb, std::span<const std::byte> in) {
  constexpr uint32_t kSettable = create_option::kWriteThrough | create_option::kSequentialOnly;
  if (in.size() < 4) return NtStatus::InfoLengthMismatch;
  uint32_t mode = 0;
  for (size_t i = 0; i < 4; ++i) mode |= std::to_integer<uint32_t>(in[i]) << (8 * i);
  if (mode & ~kSettable) return NtStatus::InvalidParameter;
  std::lock_guard lock(ccb.mutex);
  ccb.mode = (ccb.mode & ~kSettable) | mode;
  return NtStatus::Success;
}

}  // namespace

void PvfsDriver::set_information(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<SetInformationArgs>();
  const auto in = args.buffer;
  uint32_t needs = 0;
  switch (args.info_class) {
    case FileInfoClass::Basic:
      needs = access::kWriteAttributes;
      break;
    case FileInfoClass::EndOfFile:
    case FileInfoClass::Allocation:
      needs = access::kWriteData;
      break;
    case FileInfoClass::Disposition:
    case FileInfoClass::Rename:
      needs = access::kDelete;
      break;
    case FileInfoClass::FullEa:
      needs = access::kWriteEa;
      break;
    case FileInfoClass::Position:
    case FileInfoClass::Mode:
      break;
    default:
      return (void)irp->complete(NtStatus::InvalidInfoClass);
  }
  if (needs && !ccb.has(needs)) return (void)irp->complete(NtStatus::AccessDenied);
  NtStatus st = NtStatus::InvalidInfoClass;
  switch (args.info_class) {
    case FileInfoClass::Basic:
      st = set_basic(ccb, in);
      break;
    case FileInfoClass::EndOfFile:
      st = set_end_of_file(ccb, in);
      break;
    case FileInfoClass::Allocation:
      st = set_allocation(ccb, in);
      break;
    case FileInfoClass::Position:
      st = set_position(ccb, in);
      break;
    case FileInfoClass::Mode:
      st = set_mode(ccb, in);
      break;
    case FileInfoClass::FullEa: {
      auto list = proto::fscc::decode_full_ea_list(in);
      st = list ? apply_eas(ccb.meta_fd(), *list) : list.status();
      break;
    }
    case FileInfoClass::Disposition:
      st = set_disposition(ccb, in);
      break;
    case FileInfoClass::Rename:
      st = set_rename(ccb, in);
      break;
    default:
      break;
  }
  if (st == NtStatus::Success) after_set_information(ccb, args.info_class);
  irp->complete(st);
}

void PvfsDriver::after_set_information(PvfsCcb& ccb, FileInfoClass cls) {
  // MS-FSA 2.1.4.12: a size change breaks Level II oplocks; MS-FSA 2.1.4.1: watchers hear of it.
  switch (cls) {
    case FileInfoClass::EndOfFile:
    case FileInfoClass::Allocation:
      oplocks_.break_level2(ccb.key);
      notify_change(names_.path(ccb.key), notify_action::kModified, notify_filter::kSize);
      break;
    case FileInfoClass::Basic:
      notify_change(names_.path(ccb.key), notify_action::kModified,
                    notify_filter::kAttributes | notify_filter::kLastWrite |
                        notify_filter::kLastAccess | notify_filter::kCreation);
      break;
    case FileInfoClass::FullEa:
      notify_change(names_.path(ccb.key), notify_action::kModified, notify_filter::kEa);
      break;
    default:
      break;
  }
}

NtStatus PvfsDriver::set_disposition(PvfsCcb& ccb, std::span<const std::byte> in) {
  auto info = fscc::decode_disposition(in);
  if (!info) return info.status();
  if (!info->delete_pending) {
    shares_.set_delete_pending(ccb.key, false);
    return NtStatus::Success;
  }
  // MS-FSA 2.1.5.14.3: the root, a READONLY file and a non-empty directory are not deleted.
  if (ccb.root) return NtStatus::CannotDelete;
  auto st = stat_fd(ccb.meta_fd());
  if (!st) return st.status();
  if (!ccb.directory && (st->attributes & file_attribute::kReadonly)) {
    return NtStatus::CannotDelete;
  }
  if (ccb.directory) {
    auto names = list_directory(ccb.raw_fd());
    if (!names) return names.status();
    if (!names->empty()) return NtStatus::DirectoryNotEmpty;
  }
  shares_.set_delete_pending(ccb.key, true);
  return NtStatus::Success;
}

}  // namespace lwsmb::server::pvfs
