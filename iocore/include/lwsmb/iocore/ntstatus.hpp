// NTSTATUS values (MS-ERREF 2.3) used inside the stack, with their names for logs and tests.
#pragma once

#include <cstdint>
#include <string_view>

namespace lwsmb {

enum class NtStatus : uint32_t {
  Success = 0x00000000,
  Pending = 0x00000103,
  NotifyEnumDir = 0x0000010C,
  BufferOverflow = 0x80000005,
  NoMoreFiles = 0x80000006,
  Unsuccessful = 0xC0000001,
  NotImplemented = 0xC0000002,
  InvalidInfoClass = 0xC0000003,
  InfoLengthMismatch = 0xC0000004,
  InvalidHandle = 0xC0000008,
  InvalidParameter = 0xC000000D,
  NoSuchDevice = 0xC000000E,
  NoSuchFile = 0xC000000F,
  InvalidDeviceRequest = 0xC0000010,
  EndOfFile = 0xC0000011,
  NoMemory = 0xC0000017,
  AccessDenied = 0xC0000022,
  BufferTooSmall = 0xC0000023,
  ObjectTypeMismatch = 0xC0000024,
  ObjectNameInvalid = 0xC0000033,
  ObjectNameNotFound = 0xC0000034,
  ObjectNameCollision = 0xC0000035,
  ObjectPathInvalid = 0xC0000039,
  ObjectPathNotFound = 0xC000003A,
  ObjectPathSyntaxBad = 0xC000003B,
  SharingViolation = 0xC0000043,
  EaTooLarge = 0xC0000050,
  NonexistentEaEntry = 0xC0000051,
  NoEasOnFile = 0xC0000052,
  InvalidOwner = 0xC000005A,
  EasNotSupported = 0xC000004F,
  InvalidEaName = 0x80000013,
  EaListInconsistent = 0x80000014,
  FileLockConflict = 0xC0000054,
  LockNotGranted = 0xC0000055,
  DeletePending = 0xC0000056,
  PrivilegeNotHeld = 0xC0000061,
  RangeNotLocked = 0xC000007E,
  DiskFull = 0xC000007F,
  InsufficientResources = 0xC000009A,
  MediaWriteProtected = 0xC00000A2,
  FileIsADirectory = 0xC00000BA,
  NotSupported = 0xC00000BB,
  NotSameDevice = 0xC00000D4,
  InternalError = 0xC00000E5,
  DirectoryNotEmpty = 0xC0000101,
  NotADirectory = 0xC0000103,
  NameTooLong = 0xC0000106,
  TooManyOpenedFiles = 0xC000011F,
  Cancelled = 0xC0000120,
  CannotDelete = 0xC0000121,
  FileClosed = 0xC0000128,
  IoDeviceError = 0xC0000185,
  InvalidLockRange = 0xC00001A1,
  NotFound = 0xC0000225,
  StoppedOnSymlink = 0x8000002D,
  MoreProcessingRequired = 0xC0000016,
  LogonFailure = 0xC000006D,
  AccountDisabled = 0xC0000072,
  BadNetworkName = 0xC00000CC,
  NetworkNameDeleted = 0xC00000C9,
  RequestNotAccepted = 0xC00000D0,
  InvalidNetworkResponse = 0xC00000C3,
  UserSessionDeleted = 0xC0000203,
  NetworkSessionExpired = 0xC000035C,
  FileNotAvailable = 0xC0000467,
  NotifyCleanup = 0x0000010B,
  InvalidDeviceState = 0xC0000184,
  NetworkAccessDenied = 0xC00000CA,
  BadImpersonationLevel = 0xC00000A5,
  HostUnreachable = 0xC000023D,
  ConnectionRefused = 0xC0000236,
  BadNetworkPath = 0xC00000BE,
  IoTimeout = 0xC00000B5,
  ConnectionDisconnected = 0xC000020C,
  ConnectionReset = 0xC000020D,
  OplockNotGranted = 0xC00000E2,
  OplockBreakInProgress = 0x00000108,
  InvalidOplockProtocol = 0xC00000E3,
  PipeNotAvailable = 0xC00000AC,
  InstanceNotAvailable = 0xC00000AB,
  InvalidPipeState = 0xC00000AD,
  PipeBusy = 0xC00000AE,
  PipeDisconnected = 0xC00000B0,
  PipeClosing = 0xC00000B1,
  PipeConnected = 0xC00000B2,
  PipeListening = 0xC00000B3,
  PipeEmpty = 0xC00000D9,
  PipeBroken = 0xC000014B,
  NoSuchUser = 0xC0000064,
  WrongPassword = 0xC000006A,
  NoLogonServers = 0xC000005E,
  TimeDifferenceAtDc = 0xC0000133,
  RpcProtocolError = 0xC002001D,
  RpcUnknownIf = 0xC002000C,
  RpcCallFailed = 0xC002001B,
};

// "STATUS_SUCCESS", "STATUS_SHARING_VIOLATION", ...; unknown values give "STATUS_UNKNOWN".
std::string_view ntstatus_name(NtStatus status);

// NT_SUCCESS(): severity success or informational (MS-ERREF 2.3).
constexpr bool nt_success(NtStatus status) {
  return (static_cast<uint32_t>(status) >> 30) < 2;
}

// Maps a POSIX errno from the local file system to the NTSTATUS a Windows server would give.
NtStatus ntstatus_from_errno(int err);

}  // namespace lwsmb
