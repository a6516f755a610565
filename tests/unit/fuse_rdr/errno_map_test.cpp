#include "lwsmb/fuse_rdr/errno_map.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace {

using lwsmb::NtStatus;
using lwsmb::fuse_rdr::errno_from_ntstatus;

TEST(ErrnoMap, CommonStatuses) {
  EXPECT_EQ(errno_from_ntstatus(NtStatus::Success), 0);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::ObjectNameNotFound), ENOENT);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::ObjectPathNotFound), ENOENT);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::ObjectNameCollision), EEXIST);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::AccessDenied), EACCES);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::SharingViolation), EBUSY);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::DirectoryNotEmpty), ENOTEMPTY);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::FileIsADirectory), EISDIR);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::NotADirectory), ENOTDIR);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::DiskFull), ENOSPC);
}

TEST(ErrnoMap, UnknownErrorIsEio) {
  EXPECT_EQ(errno_from_ntstatus(static_cast<NtStatus>(0xC0DE0001)), EIO);
}

TEST(ErrnoMap, InformationalIsNotAnError) {
  EXPECT_EQ(errno_from_ntstatus(NtStatus::Pending), 0);
  EXPECT_EQ(errno_from_ntstatus(static_cast<NtStatus>(0x40000000)), 0);
}

}  // namespace

namespace {

using lwsmb::NtStatus;
using lwsmb::fuse_rdr::errno_from_lock_status;
using lwsmb::fuse_rdr::errno_from_ntstatus;

TEST(ErrnoMap, NetworkAndLogonStatuses) {
  EXPECT_EQ(errno_from_ntstatus(NtStatus::LogonFailure), EACCES);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::WrongPassword), EACCES);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::AccountDisabled), EACCES);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::BadNetworkName), ENOENT);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::HostUnreachable), EHOSTUNREACH);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::ConnectionRefused), ECONNREFUSED);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::IoTimeout), ETIMEDOUT);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::ConnectionDisconnected), EIO);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::NetworkNameDeleted), EIO);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::ConnectionReset), ECONNRESET);
}

TEST(ErrnoMap, MoreFileStatuses) {
  EXPECT_EQ(errno_from_ntstatus(NtStatus::Cancelled), EINTR);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::MediaWriteProtected), EROFS);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::NotSameDevice), EXDEV);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::CannotDelete), EACCES);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::DeletePending), ENOENT);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::EasNotSupported), EOPNOTSUPP);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::NoEasOnFile), ENODATA);
  EXPECT_EQ(errno_from_ntstatus(NtStatus::EndOfFile), 0);
}

TEST(ErrnoMap, LockStatuses) {
  EXPECT_EQ(errno_from_lock_status(NtStatus::LockNotGranted), EAGAIN);
  EXPECT_EQ(errno_from_lock_status(NtStatus::FileLockConflict), EAGAIN);
  EXPECT_EQ(errno_from_lock_status(NtStatus::RangeNotLocked), EINVAL);
  EXPECT_EQ(errno_from_lock_status(NtStatus::Cancelled), EINTR);
  EXPECT_EQ(errno_from_lock_status(NtStatus::Success), 0);
  // Outside locking a conflict stays EBUSY.
  EXPECT_EQ(errno_from_ntstatus(NtStatus::LockNotGranted), EBUSY);
}

}  // namespace
