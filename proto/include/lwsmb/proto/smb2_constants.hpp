// SMB2/SMB3 protocol constants (MS-SMB2 2.2). Plain integers, grouped in namespaces named after
// the wire field they belong to, so that they combine with | like the spec's flags.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace lwsmb::proto::smb2 {

using Guid = std::array<std::byte, 16>;

// MS-SMB2 2.2.1 Command.
enum class Command : uint16_t {
  Negotiate = 0,
  SessionSetup = 1,
  Logoff = 2,
  TreeConnect = 3,
  TreeDisconnect = 4,
  Create = 5,
  Close = 6,
  Flush = 7,
  Read = 8,
  Write = 9,
  Lock = 10,
  Ioctl = 11,
  Cancel = 12,
  Echo = 13,
  QueryDirectory = 14,
  ChangeNotify = 15,
  QueryInfo = 16,
  SetInfo = 17,
  OplockBreak = 18,
};
inline constexpr uint16_t kCommandCount = 19;

// MS-SMB2 2.2.1.2 Flags.
namespace header_flag {
inline constexpr uint32_t kServerToRedir = 0x00000001;
inline constexpr uint32_t kAsyncCommand = 0x00000002;
inline constexpr uint32_t kRelatedOperations = 0x00000004;
inline constexpr uint32_t kSigned = 0x00000008;
inline constexpr uint32_t kPriorityMask = 0x00000070;
inline constexpr uint32_t kDfsOperations = 0x10000000;
inline constexpr uint32_t kReplayOperation = 0x20000000;
}  // namespace header_flag

// MS-SMB2 2.2.3 Dialects.
namespace dialect {
inline constexpr uint16_t kSmb202 = 0x0202;
inline constexpr uint16_t kSmb210 = 0x0210;
inline constexpr uint16_t kSmb300 = 0x0300;
inline constexpr uint16_t kSmb302 = 0x0302;
inline constexpr uint16_t kSmb311 = 0x0311;
inline constexpr uint16_t kWildcard = 0x02FF;  // "SMB 2.???" answer to an SMB1 negotiate
}  // namespace dialect

// MS-SMB2 2.2.3 SecurityMode (16-bit in NEGOTIATE, 8-bit in SESSION_SETUP).
namespace security_mode {
inline constexpr uint16_t kSigningEnabled = 0x0001;
inline constexpr uint16_t kSigningRequired = 0x0002;
}  // namespace security_mode

// MS-SMB2 2.2.3 Capabilities.
namespace capability {
inline constexpr uint32_t kDfs = 0x00000001;
inline constexpr uint32_t kLeasing = 0x00000002;
inline constexpr uint32_t kLargeMtu = 0x00000004;
inline constexpr uint32_t kMultiChannel = 0x00000008;
inline constexpr uint32_t kPersistentHandles = 0x00000010;
inline constexpr uint32_t kDirectoryLeasing = 0x00000020;
inline constexpr uint32_t kEncryption = 0x00000040;
inline constexpr uint32_t kNotifications = 0x00000080;
}  // namespace capability

// MS-SMB2 2.2.3.1 ContextType.
namespace negotiate_context {
inline constexpr uint16_t kPreauthIntegrityCapabilities = 0x0001;
inline constexpr uint16_t kEncryptionCapabilities = 0x0002;
inline constexpr uint16_t kCompressionCapabilities = 0x0003;
inline constexpr uint16_t kNetnameNegotiateContextId = 0x0005;
inline constexpr uint16_t kTransportCapabilities = 0x0006;
inline constexpr uint16_t kRdmaTransformCapabilities = 0x0007;
inline constexpr uint16_t kSigningCapabilities = 0x0008;
}  // namespace negotiate_context

// MS-SMB2 2.2.3.1.1 HashAlgorithms.
namespace hash_algorithm {
inline constexpr uint16_t kSha512 = 0x0001;
}
// MS-SMB2 2.2.3.1.2 Ciphers.
namespace cipher {
inline constexpr uint16_t kAes128Ccm = 0x0001;
inline constexpr uint16_t kAes128Gcm = 0x0002;
inline constexpr uint16_t kAes256Ccm = 0x0003;
inline constexpr uint16_t kAes256Gcm = 0x0004;
}  // namespace cipher
// MS-SMB2 2.2.3.1.3 CompressionAlgorithms.
namespace compression_algorithm {
inline constexpr uint16_t kNone = 0x0000;
inline constexpr uint16_t kLznt1 = 0x0001;
inline constexpr uint16_t kLz77 = 0x0002;
inline constexpr uint16_t kLz77Huffman = 0x0003;
inline constexpr uint16_t kPatternV1 = 0x0004;
inline constexpr uint16_t kLz4 = 0x0005;
}  // namespace compression_algorithm
// MS-SMB2 2.2.3.1.7 SigningAlgorithms.
namespace signing_algorithm {
inline constexpr uint16_t kHmacSha256 = 0x0000;
inline constexpr uint16_t kAesCmac = 0x0001;
inline constexpr uint16_t kAesGmac = 0x0002;
}  // namespace signing_algorithm

// MS-SMB2 2.2.5 Flags (SESSION_SETUP request).
namespace session_setup_flag {
inline constexpr uint8_t kBinding = 0x01;
}
// MS-SMB2 2.2.6 SessionFlags.
namespace session_flag {
inline constexpr uint16_t kIsGuest = 0x0001;
inline constexpr uint16_t kIsNull = 0x0002;
inline constexpr uint16_t kEncryptData = 0x0004;
}  // namespace session_flag

// MS-SMB2 2.2.9 Flags (TREE_CONNECT request, 3.1.1).
namespace tree_connect_flag {
inline constexpr uint16_t kClusterReconnect = 0x0001;
inline constexpr uint16_t kRedirectToOwner = 0x0002;
inline constexpr uint16_t kExtensionPresent = 0x0004;
}  // namespace tree_connect_flag

// MS-SMB2 2.2.10 ShareType.
namespace share_type {
inline constexpr uint8_t kDisk = 0x01;
inline constexpr uint8_t kPipe = 0x02;
inline constexpr uint8_t kPrint = 0x03;
}  // namespace share_type

// MS-SMB2 2.2.10 ShareFlags.
namespace share_flag {
inline constexpr uint32_t kManualCaching = 0x00000000;
inline constexpr uint32_t kDfs = 0x00000001;
inline constexpr uint32_t kDfsRoot = 0x00000002;
inline constexpr uint32_t kAutoCaching = 0x00000010;
inline constexpr uint32_t kVdoCaching = 0x00000020;
inline constexpr uint32_t kNoCaching = 0x00000030;
inline constexpr uint32_t kCachingMask = 0x00000030;
inline constexpr uint32_t kRestrictExclusiveOpens = 0x00000100;
inline constexpr uint32_t kForceSharedDelete = 0x00000200;
inline constexpr uint32_t kAllowNamespaceCaching = 0x00000400;
inline constexpr uint32_t kAccessBasedDirectoryEnum = 0x00000800;
inline constexpr uint32_t kForceLevel2Oplock = 0x00001000;
inline constexpr uint32_t kEnableHashV1 = 0x00002000;
inline constexpr uint32_t kEnableHashV2 = 0x00004000;
inline constexpr uint32_t kEncryptData = 0x00008000;
inline constexpr uint32_t kIdentityRemoting = 0x00040000;
inline constexpr uint32_t kCompressData = 0x00100000;
inline constexpr uint32_t kIsolatedTransport = 0x00200000;
}  // namespace share_flag

// MS-SMB2 2.2.10 Capabilities (share).
namespace share_capability {
inline constexpr uint32_t kDfs = 0x00000008;
inline constexpr uint32_t kContinuousAvailability = 0x00000010;
inline constexpr uint32_t kScaleout = 0x00000020;
inline constexpr uint32_t kCluster = 0x00000040;
inline constexpr uint32_t kAsymmetric = 0x00000080;
inline constexpr uint32_t kRedirectToOwner = 0x00000100;
}  // namespace share_capability

// MS-SMB2 2.2.13 RequestedOplockLevel / 2.2.14 OplockLevel / 2.2.23 OplockLevel.
namespace oplock_level {
inline constexpr uint8_t kNone = 0x00;
inline constexpr uint8_t kII = 0x01;
inline constexpr uint8_t kExclusive = 0x08;
inline constexpr uint8_t kBatch = 0x09;
inline constexpr uint8_t kLease = 0xFF;
}  // namespace oplock_level

// MS-SMB2 2.2.13 ImpersonationLevel.
namespace impersonation_level {
inline constexpr uint32_t kAnonymous = 0;
inline constexpr uint32_t kIdentification = 1;
inline constexpr uint32_t kImpersonation = 2;
inline constexpr uint32_t kDelegate = 3;
}  // namespace impersonation_level

// MS-SMB2 2.2.14 Flags (CREATE response).
namespace create_response_flag {
inline constexpr uint8_t kReparsepoint = 0x01;
}

// MS-SMB2 2.2.13.2 create context names (4-byte tags, sent without terminator).
namespace create_context_tag {
inline constexpr char kEaBuffer[] = "ExtA";
inline constexpr char kSecurityDescriptor[] = "SecD";
inline constexpr char kDurableHandleRequest[] = "DHnQ";
inline constexpr char kDurableHandleReconnect[] = "DHnC";
inline constexpr char kAllocationSize[] = "AlSi";
inline constexpr char kQueryMaximalAccess[] = "MxAc";
inline constexpr char kTimewarpToken[] = "TWrp";
inline constexpr char kQueryOnDiskId[] = "QFid";
inline constexpr char kRequestLease[] = "RqLs";
inline constexpr char kDurableHandleRequestV2[] = "DH2Q";
inline constexpr char kDurableHandleReconnectV2[] = "DH2C";
inline constexpr char kPosix[] = "\x93\xAD\x25\x50\x9C\xB4\x11\xE7\xB4\x23\x83\xDE\x96\x8B\xCD\x7C";
}  // namespace create_context_tag

// MS-SMB2 2.2.13.2.8 LeaseState and 2.2.13.2.8 / 2.2.13.2.10 LeaseFlags.
namespace lease_state {
inline constexpr uint32_t kNone = 0x00;
inline constexpr uint32_t kRead = 0x01;
inline constexpr uint32_t kHandle = 0x02;
inline constexpr uint32_t kWrite = 0x04;
}  // namespace lease_state
namespace lease_flag {
inline constexpr uint32_t kBreakInProgress = 0x00000002;
inline constexpr uint32_t kParentLeaseKeySet = 0x00000004;
}  // namespace lease_flag
// MS-SMB2 2.2.23.2 Flags (lease break notification).
namespace lease_break_flag {
inline constexpr uint32_t kAckRequired = 0x00000001;
}

// MS-SMB2 2.2.15 Flags (CLOSE).
namespace close_flag {
inline constexpr uint16_t kPostqueryAttrib = 0x0001;
}

// MS-SMB2 2.2.19 Flags (READ request) and 2.2.20 Flags (READ response).
namespace read_flag {
inline constexpr uint8_t kUnbuffered = 0x01;
inline constexpr uint8_t kRequestCompressed = 0x02;
}  // namespace read_flag
namespace read_response_flag {
inline constexpr uint32_t kRdmaTransform = 0x00000001;
}
// MS-SMB2 2.2.19 Channel.
namespace channel {
inline constexpr uint32_t kNone = 0x00000000;
inline constexpr uint32_t kRdmaV1 = 0x00000001;
inline constexpr uint32_t kRdmaV1Invalidate = 0x00000002;
inline constexpr uint32_t kRdmaTransform = 0x00000003;
}  // namespace channel
// MS-SMB2 2.2.21 Flags (WRITE request).
namespace write_flag {
inline constexpr uint32_t kWriteThrough = 0x00000001;
inline constexpr uint32_t kUnbuffered = 0x00000002;
}  // namespace write_flag

// MS-SMB2 2.2.26.1 Flags (lock element).
namespace lock_flag {
inline constexpr uint32_t kShared = 0x00000001;
inline constexpr uint32_t kExclusive = 0x00000002;
inline constexpr uint32_t kUnlock = 0x00000004;
inline constexpr uint32_t kFailImmediately = 0x00000010;
}  // namespace lock_flag

// MS-SMB2 2.2.31 Flags (IOCTL).
namespace ioctl_flag {
inline constexpr uint32_t kIsFsctl = 0x00000001;
}

// FSCTL / IOCTL codes used over SMB2 (MS-SMB2 2.2.31, MS-FSCC 2.3).
namespace fsctl {
inline constexpr uint32_t kDfsGetReferrals = 0x00060194;
inline constexpr uint32_t kDfsGetReferralsEx = 0x000601B0;
inline constexpr uint32_t kPipePeek = 0x0011400C;
inline constexpr uint32_t kPipeWait = 0x00110018;
inline constexpr uint32_t kPipeTransceive = 0x0011C017;
inline constexpr uint32_t kSrvCopychunk = 0x001440F2;
inline constexpr uint32_t kSrvCopychunkWrite = 0x001480F2;
inline constexpr uint32_t kSrvEnumerateSnapshots = 0x00144064;
inline constexpr uint32_t kSrvRequestResumeKey = 0x00140078;
inline constexpr uint32_t kSrvReadHash = 0x001441BB;
inline constexpr uint32_t kLmrRequestResiliency = 0x001401D4;
inline constexpr uint32_t kQueryNetworkInterfaceInfo = 0x001401FC;
inline constexpr uint32_t kValidateNegotiateInfo = 0x00140204;
inline constexpr uint32_t kGetReparsePoint = 0x000900A8;
inline constexpr uint32_t kSetReparsePoint = 0x000900A4;
inline constexpr uint32_t kCreateOrGetObjectId = 0x000900C0;
inline constexpr uint32_t kSetSparse = 0x000900C4;
inline constexpr uint32_t kSetZeroData = 0x000980C8;
inline constexpr uint32_t kQueryAllocatedRanges = 0x000940CF;
inline constexpr uint32_t kFileLevelTrim = 0x00098208;
inline constexpr uint32_t kOffloadRead = 0x00094264;
inline constexpr uint32_t kOffloadWrite = 0x00098268;
}  // namespace fsctl

// MS-SMB2 2.2.35 Flags (CHANGE_NOTIFY) and CompletionFilter.
namespace change_notify_flag {
inline constexpr uint16_t kWatchTree = 0x0001;
}
namespace completion_filter {
inline constexpr uint32_t kFileName = 0x00000001;
inline constexpr uint32_t kDirName = 0x00000002;
inline constexpr uint32_t kAttributes = 0x00000004;
inline constexpr uint32_t kSize = 0x00000008;
inline constexpr uint32_t kLastWrite = 0x00000010;
inline constexpr uint32_t kLastAccess = 0x00000020;
inline constexpr uint32_t kCreation = 0x00000040;
inline constexpr uint32_t kEa = 0x00000080;
inline constexpr uint32_t kSecurity = 0x00000100;
inline constexpr uint32_t kStreamName = 0x00000200;
inline constexpr uint32_t kStreamSize = 0x00000400;
inline constexpr uint32_t kStreamWrite = 0x00000800;
}  // namespace completion_filter

// MS-SMB2 2.2.37 InfoType.
namespace info_type {
inline constexpr uint8_t kFile = 0x01;
inline constexpr uint8_t kFilesystem = 0x02;
inline constexpr uint8_t kSecurity = 0x03;
inline constexpr uint8_t kQuota = 0x04;
}  // namespace info_type

// MS-SMB2 2.2.37 AdditionalInformation for security queries.
namespace security_information {
inline constexpr uint32_t kOwner = 0x00000001;
inline constexpr uint32_t kGroup = 0x00000002;
inline constexpr uint32_t kDacl = 0x00000004;
inline constexpr uint32_t kSacl = 0x00000008;
inline constexpr uint32_t kLabel = 0x00000010;
inline constexpr uint32_t kAttribute = 0x00000020;
inline constexpr uint32_t kScope = 0x00000040;
inline constexpr uint32_t kBackup = 0x00010000;
}  // namespace security_information

// MS-SMB2 2.2.37 Flags (QUERY_INFO, for FileFullEaInformation).
namespace query_info_flag {
inline constexpr uint32_t kRestartScan = 0x00000001;
inline constexpr uint32_t kReturnSingleEntry = 0x00000002;
inline constexpr uint32_t kIndexSpecified = 0x00000004;
}  // namespace query_info_flag

// MS-SMB2 2.2.41 Flags (transform header).
namespace transform_flag {
inline constexpr uint16_t kEncrypted = 0x0001;
}

}  // namespace lwsmb::proto::smb2
