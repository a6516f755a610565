#include "lwsmb/iocore/ntstatus.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "lwsmb/iocore/irp.hpp"

namespace lwsmb {
namespace {

TEST(NtStatus, NamesFollowMsErref) {
  EXPECT_EQ(ntstatus_name(NtStatus::Success), "STATUS_SUCCESS");
  EXPECT_EQ(ntstatus_name(NtStatus::SharingViolation), "STATUS_SHARING_VIOLATION");
  EXPECT_EQ(ntstatus_name(NtStatus::ObjectNameNotFound), "STATUS_OBJECT_NAME_NOT_FOUND");
  EXPECT_EQ(ntstatus_name(NtStatus::Cancelled), "STATUS_CANCELLED");
  EXPECT_EQ(ntstatus_name(NtStatus::StoppedOnSymlink), "STATUS_STOPPED_ON_SYMLINK");
  EXPECT_EQ(ntstatus_name(NtStatus::NoEasOnFile), "STATUS_NO_EAS_ON_FILE");
  EXPECT_EQ(ntstatus_name(static_cast<NtStatus>(0xC0DEC0DE)), "STATUS_UNKNOWN");
}

TEST(NtStatus, SuccessSeverity) {
  EXPECT_TRUE(nt_success(NtStatus::Success));
  EXPECT_TRUE(nt_success(NtStatus::Pending));
  EXPECT_FALSE(nt_success(NtStatus::BufferOverflow));  // warning severity
  EXPECT_FALSE(nt_success(NtStatus::AccessDenied));
}

TEST(NtStatus, FromErrno) {
  EXPECT_EQ(ntstatus_from_errno(ENOENT), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(ntstatus_from_errno(EEXIST), NtStatus::ObjectNameCollision);
  EXPECT_EQ(ntstatus_from_errno(EACCES), NtStatus::AccessDenied);
  EXPECT_EQ(ntstatus_from_errno(EPERM), NtStatus::AccessDenied);
  EXPECT_EQ(ntstatus_from_errno(ENOTDIR), NtStatus::NotADirectory);
  EXPECT_EQ(ntstatus_from_errno(EISDIR), NtStatus::FileIsADirectory);
  EXPECT_EQ(ntstatus_from_errno(ENOSPC), NtStatus::DiskFull);
  EXPECT_EQ(ntstatus_from_errno(EDQUOT), NtStatus::DiskFull);
  EXPECT_EQ(ntstatus_from_errno(ENOTEMPTY), NtStatus::DirectoryNotEmpty);
  EXPECT_EQ(ntstatus_from_errno(EXDEV), NtStatus::NotSameDevice);
  EXPECT_EQ(ntstatus_from_errno(ENAMETOOLONG), NtStatus::NameTooLong);
  EXPECT_EQ(ntstatus_from_errno(EMFILE), NtStatus::TooManyOpenedFiles);
  EXPECT_EQ(ntstatus_from_errno(ENFILE), NtStatus::TooManyOpenedFiles);
  EXPECT_EQ(ntstatus_from_errno(ENOMEM), NtStatus::NoMemory);
  EXPECT_EQ(ntstatus_from_errno(EROFS), NtStatus::MediaWriteProtected);
  EXPECT_EQ(ntstatus_from_errno(EINVAL), NtStatus::InvalidParameter);
  EXPECT_EQ(ntstatus_from_errno(ECANCELED), NtStatus::Cancelled);
  EXPECT_EQ(ntstatus_from_errno(EBADF), NtStatus::InvalidHandle);
  EXPECT_EQ(ntstatus_from_errno(EIO), NtStatus::IoDeviceError);
  EXPECT_EQ(ntstatus_from_errno(ENOSYS), NtStatus::NotSupported);
  EXPECT_EQ(ntstatus_from_errno(EOPNOTSUPP), NtStatus::NotSupported);
  EXPECT_EQ(ntstatus_from_errno(EPIPE), NtStatus::ConnectionDisconnected);
  EXPECT_EQ(ntstatus_from_errno(ECONNREFUSED), NtStatus::ConnectionRefused);
  EXPECT_EQ(ntstatus_from_errno(EHOSTUNREACH), NtStatus::HostUnreachable);
  EXPECT_EQ(ntstatus_from_errno(ELOOP), NtStatus::Unsuccessful);
}

TEST(NtStatus, IrpTypeNames) {
  EXPECT_EQ(irp_type_name(IrpType::Create), "CREATE");
  EXPECT_EQ(irp_type_name(IrpType::LockControl), "LOCK_CONTROL");
  EXPECT_EQ(irp_type_name(IrpType::SetEa), "SET_EA");
  // The enum mirrors the IrpArgs alternatives.
  EXPECT_EQ(static_cast<size_t>(IrpType::SetEa) + 1, std::variant_size_v<IrpArgs>);
  EXPECT_EQ(Irp(LockControlArgs{}, nullptr, nullptr).type(), IrpType::LockControl);
}

}  // namespace
}  // namespace lwsmb
