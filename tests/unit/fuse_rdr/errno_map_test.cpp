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
