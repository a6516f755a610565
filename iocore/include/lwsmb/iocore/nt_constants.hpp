// Access masks, share modes, dispositions, create options and attributes (MS-SMB2 2.2.13,
// MS-FSCC 2.6, MS-DTYP 2.4.3). The same numbers travel on the wire and in IRPs.
#pragma once

#include <cstdint>

namespace lwsmb {

namespace access {
inline constexpr uint32_t kReadData = 0x00000001;    // also FILE_LIST_DIRECTORY
inline constexpr uint32_t kWriteData = 0x00000002;   // also FILE_ADD_FILE
inline constexpr uint32_t kAppendData = 0x00000004;  // also FILE_ADD_SUBDIRECTORY
inline constexpr uint32_t kReadEa = 0x00000008;
inline constexpr uint32_t kWriteEa = 0x00000010;
inline constexpr uint32_t kExecute = 0x00000020;  // also FILE_TRAVERSE
inline constexpr uint32_t kDeleteChild = 0x00000040;
inline constexpr uint32_t kReadAttributes = 0x00000080;
inline constexpr uint32_t kWriteAttributes = 0x00000100;
inline constexpr uint32_t kDelete = 0x00010000;
inline constexpr uint32_t kReadControl = 0x00020000;
inline constexpr uint32_t kWriteDac = 0x00040000;
inline constexpr uint32_t kWriteOwner = 0x00080000;
inline constexpr uint32_t kSynchronize = 0x00100000;
inline constexpr uint32_t kAccessSystemSecurity = 0x01000000;
inline constexpr uint32_t kMaximumAllowed = 0x02000000;
inline constexpr uint32_t kGenericAll = 0x10000000;
inline constexpr uint32_t kGenericExecute = 0x20000000;
inline constexpr uint32_t kGenericWrite = 0x40000000;
inline constexpr uint32_t kGenericRead = 0x80000000;
inline constexpr uint32_t kFileAllAccess = 0x001F01FF;
inline constexpr uint32_t kFileGenericRead = 0x00120089;
inline constexpr uint32_t kFileGenericWrite = 0x00120116;
inline constexpr uint32_t kFileGenericExecute = 0x001200A0;
}  // namespace access

namespace share {
inline constexpr uint32_t kRead = 0x1;
inline constexpr uint32_t kWrite = 0x2;
inline constexpr uint32_t kDelete = 0x4;
inline constexpr uint32_t kAll = 0x7;
}  // namespace share

enum class CreateDisposition : uint32_t {
  Supersede = 0,
  Open = 1,
  Create = 2,
  OpenIf = 3,
  Overwrite = 4,
  OverwriteIf = 5,
};

// IO_STATUS_BLOCK.Information of a CREATE.
enum class CreateAction : uint32_t {
  Superseded = 0,
  Opened = 1,
  Created = 2,
  Overwritten = 3,
};

namespace create_option {
inline constexpr uint32_t kDirectoryFile = 0x00000001;
inline constexpr uint32_t kWriteThrough = 0x00000002;
inline constexpr uint32_t kSequentialOnly = 0x00000004;
inline constexpr uint32_t kNoIntermediateBuffering = 0x00000008;
inline constexpr uint32_t kNonDirectoryFile = 0x00000040;
inline constexpr uint32_t kNoEaKnowledge = 0x00000200;
inline constexpr uint32_t kRandomAccess = 0x00000800;
inline constexpr uint32_t kDeleteOnClose = 0x00001000;
inline constexpr uint32_t kOpenByFileId = 0x00002000;
inline constexpr uint32_t kOpenForBackupIntent = 0x00004000;
inline constexpr uint32_t kOpenReparsePoint = 0x00200000;
}  // namespace create_option

namespace file_attribute {
inline constexpr uint32_t kReadonly = 0x00000001;
inline constexpr uint32_t kHidden = 0x00000002;
inline constexpr uint32_t kSystem = 0x00000004;
inline constexpr uint32_t kDirectory = 0x00000010;
inline constexpr uint32_t kArchive = 0x00000020;
inline constexpr uint32_t kNormal = 0x00000080;
inline constexpr uint32_t kTemporary = 0x00000100;
inline constexpr uint32_t kSparseFile = 0x00000200;
inline constexpr uint32_t kReparsePoint = 0x00000400;
}  // namespace file_attribute

// SL_* flags of QUERY_DIRECTORY (MS-SMB2 2.2.33 Flags, mapped one to one).
namespace query_directory_flag {
inline constexpr uint8_t kRestartScans = 0x01;
inline constexpr uint8_t kReturnSingleEntry = 0x02;
inline constexpr uint8_t kIndexSpecified = 0x04;
inline constexpr uint8_t kReopen = 0x10;
}  // namespace query_directory_flag

// Named pipe file system controls (MS-FSCC 2.3: FSCTL_PIPE_*), answered by the npfs driver.
namespace fsctl_pipe {
inline constexpr uint32_t kDisconnect = 0x00110004;  // server end: drop the client
inline constexpr uint32_t kListen = 0x00110008;      // server end: wait for a client
inline constexpr uint32_t kPeek = 0x0011400C;
inline constexpr uint32_t kWait = 0x00110018;  // on the npfs root: wait for a free instance
inline constexpr uint32_t kTransceive = 0x0011C017;
}  // namespace fsctl_pipe

// MS-FSCC 2.4.29 / 2.4.30 FILE_PIPE_INFORMATION and FILE_PIPE_LOCAL_INFORMATION values.
namespace pipe_value {
inline constexpr uint32_t kByteStreamType = 0;
inline constexpr uint32_t kMessageType = 1;
inline constexpr uint32_t kByteStreamMode = 0;
inline constexpr uint32_t kMessageMode = 1;
inline constexpr uint32_t kQueueOperation = 0;  // CompletionMode: blocking
inline constexpr uint32_t kCompleteOperation = 1;
inline constexpr uint32_t kInbound = 0;  // NamedPipeConfiguration
inline constexpr uint32_t kOutbound = 1;
inline constexpr uint32_t kFullDuplex = 2;
inline constexpr uint32_t kDisconnectedState = 1;  // NamedPipeState
inline constexpr uint32_t kListeningState = 2;
inline constexpr uint32_t kConnectedState = 3;
inline constexpr uint32_t kClosingState = 4;
inline constexpr uint32_t kClientEnd = 0;  // NamedPipeEnd
inline constexpr uint32_t kServerEnd = 1;
}  // namespace pipe_value

}  // namespace lwsmb
