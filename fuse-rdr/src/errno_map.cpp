#include "lwsmb/fuse_rdr/errno_map.hpp"

#include <cerrno>

namespace lwsmb::fuse_rdr {

int errno_from_ntstatus(NtStatus status) {
  switch (status) {
    case NtStatus::NoSuchFile:
    case NtStatus::ObjectNameNotFound:
    case NtStatus::ObjectPathNotFound:
    case NtStatus::NotFound:
      return ENOENT;
    case NtStatus::ObjectNameCollision:
      return EEXIST;
    case NtStatus::AccessDenied:
    case NtStatus::PrivilegeNotHeld:
    case NtStatus::CannotDelete:
      return EACCES;
    case NtStatus::SharingViolation:
    case NtStatus::FileLockConflict:
    case NtStatus::LockNotGranted:
      return EBUSY;
    case NtStatus::DeletePending:
      return ENOENT;  // the name is on its way out; Linux callers see it as gone
    case NtStatus::NotADirectory:
      return ENOTDIR;
    case NtStatus::FileIsADirectory:
      return EISDIR;
    case NtStatus::DirectoryNotEmpty:
      return ENOTEMPTY;
    case NtStatus::DiskFull:
      return ENOSPC;
    case NtStatus::NameTooLong:
      return ENAMETOOLONG;
    case NtStatus::ObjectNameInvalid:
    case NtStatus::ObjectPathSyntaxBad:
    case NtStatus::ObjectPathInvalid:
    case NtStatus::InvalidParameter:
    case NtStatus::InvalidInfoClass:
    case NtStatus::InfoLengthMismatch:
      return EINVAL;
    case NtStatus::NotSameDevice:
      return EXDEV;
    case NtStatus::MediaWriteProtected:
      return EROFS;
    case NtStatus::NoMemory:
    case NtStatus::InsufficientResources:
      return ENOMEM;
    case NtStatus::TooManyOpenedFiles:
      return EMFILE;
    case NtStatus::Cancelled:
      return EINTR;
    case NtStatus::NotImplemented:
    case NtStatus::NotSupported:
    case NtStatus::InvalidDeviceRequest:
      return EOPNOTSUPP;
    case NtStatus::InvalidHandle:
    case NtStatus::FileClosed:
      return EBADF;
    case NtStatus::BufferTooSmall:
    case NtStatus::BufferOverflow:
      return ERANGE;
    case NtStatus::LogonFailure:
    case NtStatus::WrongPassword:
    case NtStatus::NoSuchUser:
    case NtStatus::AccountDisabled:
    case NtStatus::NetworkAccessDenied:
    case NtStatus::BadImpersonationLevel:
      return EACCES;  // mount.cifs: "mount error(13): Permission denied"
    case NtStatus::BadNetworkName:
    case NtStatus::BadNetworkPath:
      return ENOENT;  // no such share / server name that does not resolve
    case NtStatus::HostUnreachable:
      return EHOSTUNREACH;
    case NtStatus::ConnectionRefused:
      return ECONNREFUSED;
    case NtStatus::IoTimeout:
      return ETIMEDOUT;
    case NtStatus::ConnectionReset:
      return ECONNRESET;
    case NtStatus::ConnectionDisconnected:
    case NtStatus::NetworkNameDeleted:
    case NtStatus::UserSessionDeleted:
    case NtStatus::NetworkSessionExpired:
    case NtStatus::InvalidNetworkResponse:
      return EIO;  // rdr.hpp: a connection lost for good fails what was in flight with EIO
    case NtStatus::EasNotSupported:
      return EOPNOTSUPP;
    case NtStatus::NonexistentEaEntry:
    case NtStatus::NoEasOnFile:
      return ENODATA;
    case NtStatus::EaTooLarge:
      return E2BIG;
    case NtStatus::ObjectTypeMismatch:
      return EINVAL;
    case NtStatus::EndOfFile:
    case NtStatus::NoMoreFiles:
      return 0;  // not errors at the POSIX edge: a short read, the end of a listing
    default:
      return nt_success(status) ? 0 : EIO;
  }
}

int errno_from_lock_status(NtStatus status) {
  switch (status) {
    case NtStatus::FileLockConflict:
    case NtStatus::LockNotGranted:
      return EAGAIN;
    case NtStatus::RangeNotLocked:
    case NtStatus::InvalidLockRange:
      return EINVAL;
    default:
      return errno_from_ntstatus(status);
  }
}

}  // namespace lwsmb::fuse_rdr
