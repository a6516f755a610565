// Names for logs and tests, and the errno -> NTSTATUS map used by the POSIX-backed drivers.
#include "lwsmb/iocore/ntstatus.hpp"

#include <cerrno>

#include "lwsmb/iocore/irp.hpp"

namespace lwsmb {

std::string_view ntstatus_name(NtStatus status) {
  // No default: -Wswitch (-Werror) flags any enumerator added without a name.
  switch (status) {
    case NtStatus::Success:
      return "STATUS_SUCCESS";
    case NtStatus::Pending:
      return "STATUS_PENDING";
    case NtStatus::NotifyEnumDir:
      return "STATUS_NOTIFY_ENUM_DIR";
    case NtStatus::BufferOverflow:
      return "STATUS_BUFFER_OVERFLOW";
    case NtStatus::NoMoreFiles:
      return "STATUS_NO_MORE_FILES";
    case NtStatus::Unsuccessful:
      return "STATUS_UNSUCCESSFUL";
    case NtStatus::NotImplemented:
      return "STATUS_NOT_IMPLEMENTED";
    case NtStatus::InvalidInfoClass:
      return "STATUS_INVALID_INFO_CLASS";
    case NtStatus::InfoLengthMismatch:
      return "STATUS_INFO_LENGTH_MISMATCH";
    case NtStatus::InvalidHandle:
      return "STATUS_INVALID_HANDLE";
    case NtStatus::InvalidParameter:
      return "STATUS_INVALID_PARAMETER";
    case NtStatus::NoSuchDevice:
      return "STATUS_NO_SUCH_DEVICE";
    case NtStatus::NoSuchFile:
      return "STATUS_NO_SUCH_FILE";
    case NtStatus::InvalidDeviceRequest:
      return "STATUS_INVALID_DEVICE_REQUEST";
    case NtStatus::EndOfFile:
      return "STATUS_END_OF_FILE";
    case NtStatus::NoMemory:
      return "STATUS_NO_MEMORY";
    case NtStatus::AccessDenied:
      return "STATUS_ACCESS_DENIED";
    case NtStatus::BufferTooSmall:
      return "STATUS_BUFFER_TOO_SMALL";
    case NtStatus::ObjectTypeMismatch:
      return "STATUS_OBJECT_TYPE_MISMATCH";
    case NtStatus::ObjectNameInvalid:
      return "STATUS_OBJECT_NAME_INVALID";
    case NtStatus::ObjectNameNotFound:
      return "STATUS_OBJECT_NAME_NOT_FOUND";
    case NtStatus::ObjectNameCollision:
      return "STATUS_OBJECT_NAME_COLLISION";
    case NtStatus::ObjectPathInvalid:
      return "STATUS_OBJECT_PATH_INVALID";
    case NtStatus::ObjectPathNotFound:
      return "STATUS_OBJECT_PATH_NOT_FOUND";
    case NtStatus::ObjectPathSyntaxBad:
      return "STATUS_OBJECT_PATH_SYNTAX_BAD";
    case NtStatus::SharingViolation:
      return "STATUS_SHARING_VIOLATION";
    case NtStatus::EaTooLarge:
      return "STATUS_EA_TOO_LARGE";
    case NtStatus::NonexistentEaEntry:
      return "STATUS_NONEXISTENT_EA_ENTRY";
    case NtStatus::NoEasOnFile:
      return "STATUS_NO_EAS_ON_FILE";
    case NtStatus::FileLockConflict:
      return "STATUS_FILE_LOCK_CONFLICT";
    case NtStatus::LockNotGranted:
      return "STATUS_LOCK_NOT_GRANTED";
    case NtStatus::DeletePending:
      return "STATUS_DELETE_PENDING";
    case NtStatus::PrivilegeNotHeld:
      return "STATUS_PRIVILEGE_NOT_HELD";
    case NtStatus::RangeNotLocked:
      return "STATUS_RANGE_NOT_LOCKED";
    case NtStatus::DiskFull:
      return "STATUS_DISK_FULL";
    case NtStatus::InvalidOwner:
      return "STATUS_INVALID_OWNER";
    case NtStatus::EasNotSupported:
      return "STATUS_EAS_NOT_SUPPORTED";
    case NtStatus::InvalidEaName:
      return "STATUS_INVALID_EA_NAME";
    case NtStatus::EaListInconsistent:
      return "STATUS_EA_LIST_INCONSISTENT";
    case NtStatus::InsufficientResources:
      return "STATUS_INSUFFICIENT_RESOURCES";
    case NtStatus::MediaWriteProtected:
      return "STATUS_MEDIA_WRITE_PROTECTED";
    case NtStatus::FileIsADirectory:
      return "STATUS_FILE_IS_A_DIRECTORY";
    case NtStatus::NotSupported:
      return "STATUS_NOT_SUPPORTED";
    case NtStatus::NotSameDevice:
      return "STATUS_NOT_SAME_DEVICE";
    case NtStatus::InternalError:
      return "STATUS_INTERNAL_ERROR";
    case NtStatus::DirectoryNotEmpty:
      return "STATUS_DIRECTORY_NOT_EMPTY";
    case NtStatus::NotADirectory:
      return "STATUS_NOT_A_DIRECTORY";
    case NtStatus::NameTooLong:
      return "STATUS_NAME_TOO_LONG";
    case NtStatus::TooManyOpenedFiles:
      return "STATUS_TOO_MANY_OPENED_FILES";
    case NtStatus::Cancelled:
      return "STATUS_CANCELLED";
    case NtStatus::CannotDelete:
      return "STATUS_CANNOT_DELETE";
    case NtStatus::FileClosed:
      return "STATUS_FILE_CLOSED";
    case NtStatus::IoDeviceError:
      return "STATUS_IO_DEVICE_ERROR";
    case NtStatus::InvalidLockRange:
      return "STATUS_INVALID_LOCK_RANGE";
    case NtStatus::NotFound:
      return "STATUS_NOT_FOUND";
    case NtStatus::StoppedOnSymlink:
      return "STATUS_STOPPED_ON_SYMLINK";
    case NtStatus::MoreProcessingRequired:
      return "STATUS_MORE_PROCESSING_REQUIRED";
    case NtStatus::LogonFailure:
      return "STATUS_LOGON_FAILURE";
    case NtStatus::AccountDisabled:
      return "STATUS_ACCOUNT_DISABLED";
    case NtStatus::BadNetworkName:
      return "STATUS_BAD_NETWORK_NAME";
    case NtStatus::NetworkNameDeleted:
      return "STATUS_NETWORK_NAME_DELETED";
    case NtStatus::RequestNotAccepted:
      return "STATUS_REQUEST_NOT_ACCEPTED";
    case NtStatus::InvalidNetworkResponse:
      return "STATUS_INVALID_NETWORK_RESPONSE";
    case NtStatus::UserSessionDeleted:
      return "STATUS_USER_SESSION_DELETED";
    case NtStatus::NetworkSessionExpired:
      return "STATUS_NETWORK_SESSION_EXPIRED";
    case NtStatus::FileNotAvailable:
      return "STATUS_FILE_NOT_AVAILABLE";
    case NtStatus::NotifyCleanup:
      return "STATUS_NOTIFY_CLEANUP";
    case NtStatus::InvalidDeviceState:
      return "STATUS_INVALID_DEVICE_STATE";
    case NtStatus::NetworkAccessDenied:
      return "STATUS_NETWORK_ACCESS_DENIED";
    case NtStatus::BadImpersonationLevel:
      return "STATUS_BAD_IMPERSONATION_LEVEL";
  }
  return "STATUS_UNKNOWN";
}

NtStatus ntstatus_from_errno(int err) {
  // ENOTDIR vs OBJECT_PATH_NOT_FOUND and ELOOP/EXDEV from RESOLVE_BENEATH are decided by the
  // caller, which knows which component failed.
  switch (err) {
    case 0:
      return NtStatus::Success;
    case ENOENT:
      return NtStatus::ObjectNameNotFound;
    case EEXIST:
      return NtStatus::ObjectNameCollision;
    case EACCES:
    case EPERM:
      return NtStatus::AccessDenied;
    case ENOTDIR:
      return NtStatus::NotADirectory;
    case EISDIR:
      return NtStatus::FileIsADirectory;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return NtStatus::DiskFull;
    case ENOTEMPTY:
      return NtStatus::DirectoryNotEmpty;
    case EXDEV:
      return NtStatus::NotSameDevice;
    case ENAMETOOLONG:
      return NtStatus::NameTooLong;
    case EMFILE:
    case ENFILE:
      return NtStatus::TooManyOpenedFiles;
    case ENOMEM:
      return NtStatus::NoMemory;
    case EROFS:
      return NtStatus::MediaWriteProtected;
    case EINVAL:
      return NtStatus::InvalidParameter;
    case ECANCELED:
      return NtStatus::Cancelled;
    case EBADF:
      return NtStatus::InvalidHandle;
    case EIO:
      return NtStatus::IoDeviceError;
    case ENOSYS:
    case EOPNOTSUPP:
      return NtStatus::NotSupported;  // ENOTSUP is the same value on Linux
    case ENXIO:
    case ENODEV:
      return NtStatus::NoSuchDevice;
    default:
      return NtStatus::Unsuccessful;
  }
}

std::string_view irp_type_name(IrpType type) {
  switch (type) {
    case IrpType::Create:
      return "CREATE";
    case IrpType::Close:
      return "CLOSE";
    case IrpType::Read:
      return "READ";
    case IrpType::Write:
      return "WRITE";
    case IrpType::Flush:
      return "FLUSH";
    case IrpType::QueryInformation:
      return "QUERY_INFORMATION";
    case IrpType::SetInformation:
      return "SET_INFORMATION";
    case IrpType::QueryDirectory:
      return "QUERY_DIRECTORY";
    case IrpType::QueryVolumeInformation:
      return "QUERY_VOLUME_INFORMATION";
    case IrpType::LockControl:
      return "LOCK_CONTROL";
    case IrpType::DeviceIoControl:
      return "DEVICE_IO_CONTROL";
    case IrpType::FsControl:
      return "FS_CONTROL";
    case IrpType::ReadDirectoryChange:
      return "READ_DIRECTORY_CHANGE";
    case IrpType::QuerySecurity:
      return "QUERY_SECURITY";
    case IrpType::SetSecurity:
      return "SET_SECURITY";
    case IrpType::QueryEa:
      return "QUERY_EA";
    case IrpType::SetEa:
      return "SET_EA";
  }
  return "UNKNOWN";
}

}  // namespace lwsmb
