// I/O request packets: the only way work crosses a driver boundary (DESIGN.md, "How data flows").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "lwsmb/iocore/info_class.hpp"
#include "lwsmb/iocore/nt_constants.hpp"
#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb {

class FileObject;
using FileObjectPtr = std::shared_ptr<FileObject>;

struct IoStatusBlock {
  NtStatus status = NtStatus::Pending;
  uint64_t information = 0;  // bytes moved, CreateAction, ... per IRP type
};

// The order matches the alternatives of IrpArgs below: IrpType(args.index()).
enum class IrpType : uint8_t {
  Create,
  Close,
  Read,
  Write,
  Flush,
  QueryInformation,
  SetInformation,
  QueryDirectory,
  QueryVolumeInformation,
  LockControl,
  DeviceIoControl,
  FsControl,
  ReadDirectoryChange,
  QuerySecurity,
  SetSecurity,
  QueryEa,
  SetEa,
};

std::string_view irp_type_name(IrpType type);

// Who asks: the Unix identity that file system drivers act as.
struct SecurityContext {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
};

// The server end of a new named pipe instance (NtCreateNamedPipeFile in the design talk): a
// CREATE carrying these makes an instance instead of connecting to one. Only npfs honours it.
struct NamedPipeCreateParams {
  uint32_t pipe_type = pipe_value::kMessageType;
  uint32_t read_mode = pipe_value::kMessageMode;
  uint32_t max_instances = 0xFFFFFFFF;  // unlimited
  uint32_t inbound_quota = 65536;
  uint32_t outbound_quota = 65536;
};

struct CreateArgs {
  // Driver-relative path, backslash separated, UTF-8, no leading backslash ("" is the root).
  // The I/O manager strips the namespace prefix before the driver sees it.
  std::string path;
  uint32_t desired_access = 0;
  uint64_t allocation_size = 0;
  uint32_t file_attributes = 0;
  uint32_t share_access = 0;
  CreateDisposition disposition = CreateDisposition::Open;
  uint32_t create_options = 0;
  std::shared_ptr<const SecurityContext> security;
  // MS-FSCC 2.4.15 FILE_FULL_EA_INFORMATION list and MS-DTYP 2.4.6 self-relative security
  // descriptor for a file this CREATE makes (empty: none). Owned by the caller until completion.
  std::span<const std::byte> ea_buffer;
  std::span<const std::byte> security_descriptor;
  // Oplock asked for with the open (an oplock_level value; MS-FSA 2.1.5.17 requests made
  // atomically with the create) and, set by the driver on success, the level granted.
  uint8_t requested_oplock = 0;
  uint8_t granted_oplock = 0;
  // Set: create the server end of a named pipe instance (see NamedPipeCreateParams).
  std::optional<NamedPipeCreateParams> named_pipe;
};

// Oplock levels (the SMB2 values, MS-SMB2 2.2.14; MS-FSA 2.1.5.17 LEVEL_TWO, LEVEL_ONE, BATCH).
namespace oplock_level {
inline constexpr uint8_t kNone = 0x00;
inline constexpr uint8_t kLevelII = 0x01;
inline constexpr uint8_t kExclusive = 0x08;
inline constexpr uint8_t kBatch = 0x09;
}  // namespace oplock_level

// File system controls for oplocks between a protocol head and a file system driver.
namespace oplock_fsctl {
// FSCTL_OPLOCK_BREAK_ACKNOWLEDGE: input one byte, the level the holder accepts (MS-FSA
// 2.1.5.18); output one byte, the level now held.
inline constexpr uint32_t kAcknowledge = 0x0009000C;
// lwsmb's own: pends while the open holds an oplock and completes when the oplock breaks,
// output one byte, the level it breaks to (MS-FSA 2.1.5.17.3 "notify the server");
// STATUS_OPLOCK_NOT_GRANTED at once when the open holds none. Never accepted from the wire.
inline constexpr uint32_t kWaitForBreak = 0x0009FF04;
}  // namespace oplock_fsctl

struct CloseArgs {};

// Bytes a driver lends to the caller of a READ (ReadArgs::lend): valid while owner is held.
struct LentBytes {
  std::shared_ptr<const void> owner;
  std::span<const std::byte> data;
};

struct ReadArgs {
  std::span<std::byte> buffer;  // owned by the caller until completion
  uint64_t offset = 0;
  uint32_t key = 0;  // byte-range lock key
  // Zero-copy form (the talk's ZCT read): when splice_pipe is a pipe's write end, up to
  // splice_length bytes of the file are spliced into it (page references, no copy) instead of
  // copied into buffer; information is the count moved. A driver that cannot completes with
  // STATUS_NOT_SUPPORTED without touching the pipe, and the caller reads into a buffer.
  int splice_pipe = -1;
  uint32_t splice_length = 0;
  // Lending form: when lend is set, a driver that already holds the data in its own memory
  // (a client's read-ahead) may answer with references to it in `lent`, in file order and
  // `information` bytes in all, instead of copying it into buffer. buffer's size still says how
  // much to read; a driver that does not lend fills buffer and leaves `lent` empty.
  bool lend = false;
  std::vector<LentBytes> lent = {};
};

struct WriteArgs {
  std::span<const std::byte> buffer;  // owned by the caller until completion
  uint64_t offset = 0;
  uint32_t key = 0;
};

struct FlushArgs {};

struct QueryInformationArgs {
  FileInfoClass info_class{};
  std::span<std::byte> buffer;  // filled in MS-FSCC layout; information = bytes written
};

struct SetInformationArgs {
  FileInfoClass info_class{};
  std::span<const std::byte> buffer;  // MS-FSCC layout
};

struct QueryDirectoryArgs {
  FileInfoClass info_class{};
  uint8_t flags = 0;        // query_directory_flag::*
  uint32_t file_index = 0;  // with kIndexSpecified
  std::string pattern;      // UTF-8; empty means "*"
  std::span<std::byte> buffer;
};

struct QueryVolumeInformationArgs {
  FsInfoClass info_class{};
  std::span<std::byte> buffer;
};

struct LockRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool exclusive = true;
};

enum class LockOperation : uint8_t { Lock, Unlock, UnlockAll };

struct LockControlArgs {
  LockOperation operation = LockOperation::Lock;
  LockRange range;
  bool fail_immediately = true;  // false: a conflicting lock waits as a pending IRP
  uint32_t key = 0;
};

struct DeviceIoControlArgs {
  uint32_t control_code = 0;
  std::span<const std::byte> input;
  std::span<std::byte> output;
};

struct FsControlArgs {
  uint32_t control_code = 0;
  std::span<const std::byte> input;
  std::span<std::byte> output;
};

struct ReadDirectoryChangeArgs {
  uint32_t completion_filter = 0;
  bool watch_tree = false;
  std::span<std::byte> buffer;
};

struct QuerySecurityArgs {
  uint32_t security_information = 0;
  std::span<std::byte> buffer;  // self-relative security descriptor
};

struct SetSecurityArgs {
  uint32_t security_information = 0;
  std::span<const std::byte> buffer;
};

struct QueryEaArgs {
  std::span<std::byte> buffer;
  bool restart_scan = false;
};

struct SetEaArgs {
  std::span<const std::byte> buffer;
};

using IrpArgs =
    std::variant<CreateArgs, CloseArgs, ReadArgs, WriteArgs, FlushArgs, QueryInformationArgs,
                 SetInformationArgs, QueryDirectoryArgs, QueryVolumeInformationArgs,
                 LockControlArgs, DeviceIoControlArgs, FsControlArgs, ReadDirectoryChangeArgs,
                 QuerySecurityArgs, SetSecurityArgs, QueryEaArgs, SetEaArgs>;

class Irp;
using IrpPtr = std::shared_ptr<Irp>;
using IrpCompletion = std::function<void(Irp&)>;
using CancelRoutine = std::function<void(Irp&)>;

// One request. The driver completes it exactly once, at once or later ("pending"); a caller may
// cancel it at any time. complete() and cancel() may race from different threads: the first
// completion wins and the completion callback runs exactly once.
class Irp : public std::enable_shared_from_this<Irp> {
 public:
  Irp(IrpArgs args, FileObjectPtr file, IrpCompletion on_complete);
  Irp(const Irp&) = delete;
  Irp& operator=(const Irp&) = delete;

  IrpType type() const { return static_cast<IrpType>(args_.index()); }
  IrpArgs& args() { return args_; }
  template <class A>
  A& args_as() {
    return std::get<A>(args_);
  }
  FileObject& file() const { return *file_; }
  const FileObjectPtr& file_ptr() const { return file_; }

  // --- driver side ---
  void mark_pending();
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  // Installs the routine that cancel() calls. Returns false, installing nothing, when a cancel
  // was already requested: the driver must then complete with STATUS_CANCELLED itself.
  bool set_cancel_routine(CancelRoutine routine);
  // Removes the routine; returns false if cancel() already took it (it runs or ran).
  bool clear_cancel_routine();
  // Completes the IRP: sets the status block and runs the completion callback. Only the first
  // call has effect; it returns false for every later one.
  bool complete(NtStatus status, uint64_t information = 0);

  // --- caller side ---
  // Asks for cancellation: runs the cancel routine if one is installed, else only records the
  // request (a driver checks cancel_requested() before it parks the IRP).
  void cancel();
  bool cancel_requested() const { return cancel_requested_.load(std::memory_order_acquire); }
  bool completed() const { return completed_.load(std::memory_order_acquire); }
  const IoStatusBlock& status_block() const { return iosb_; }

 private:
  IrpArgs args_;
  FileObjectPtr file_;
  IrpCompletion on_complete_;
  IoStatusBlock iosb_;
  std::atomic<bool> pending_{false};
  // claimed_ picks the one winning complete(); completed_ turns true only once iosb_ is
  // written, so a reader that sees completed() may read status_block().
  std::atomic<bool> claimed_{false};
  std::atomic<bool> completed_{false};
  std::atomic<bool> cancel_requested_{false};
  std::mutex cancel_mutex_;
  CancelRoutine cancel_routine_;
};

}  // namespace lwsmb
