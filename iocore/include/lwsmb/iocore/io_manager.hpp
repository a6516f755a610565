// The I/O manager: drivers registered by namespace prefix ("\pvfs", "\npfs", "\rdr"), the
// Io* API over IRPs, and the worker event loops. Each call comes in two forms: asynchronous
// (returns the IRP, which may be cancelled; the completion runs once, on whatever thread the
// driver completes on) and synchronous (blocks the calling thread; never call it from a loop
// thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/driver.hpp"
#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/file_object.hpp"
#include "lwsmb/iocore/irp.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb {

struct IoManagerOptions {
  unsigned workers = 1;  // event loops, one thread each
  unsigned ring_entries = 256;
};

class IoManager;

// An open file. Move-only; when the last FileHandle goes away without close(), the I/O manager
// closes the file asynchronously (RAII).
class FileHandle {
 public:
  FileHandle() = default;
  FileHandle(IoManager* io, FileObjectPtr file) : io_(io), file_(std::move(file)) {}
  FileHandle(FileHandle&&) noexcept = default;
  FileHandle& operator=(FileHandle&& other) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();

  explicit operator bool() const { return file_ != nullptr; }
  const FileObjectPtr& object() const { return file_; }
  FileObjectPtr release() { return std::move(file_); }

 private:
  void reset();
  IoManager* io_ = nullptr;
  FileObjectPtr file_;
};

class IoManager {
 public:
  using CreateCompletion = std::function<void(const IoStatusBlock&, FileHandle)>;

  explicit IoManager(IoManagerOptions options = {});
  ~IoManager();  // shuts drivers down, stops the loops
  IoManager(const IoManager&) = delete;
  IoManager& operator=(const IoManager&) = delete;

  // prefix: a single component with its leading backslash, e.g. "\pvfs" (matched without
  // regard to case). STATUS_OBJECT_NAME_COLLISION when taken, STATUS_OBJECT_NAME_INVALID when
  // malformed.
  NtStatus register_driver(std::string_view prefix, std::shared_ptr<Driver> driver);
  void unregister_driver(std::string_view prefix);

  size_t loop_count() const { return loops_.size(); }
  EventLoop& loop(size_t index) { return *loops_.at(index); }
  EventLoop& next_loop();  // round-robin

  // Splits "\pvfs\a\b" into the driver for "\pvfs" and "a\b". Null driver when none matches.
  std::pair<std::shared_ptr<Driver>, std::string> route(std::string_view path) const;

  // --- asynchronous ---
  // CreateArgs::path is the full path with the namespace prefix, e.g. "\pvfs\etc\hosts".
  IrpPtr create_file(CreateArgs args, CreateCompletion done);
  // Any other IRP on an open file. Fails the IRP with STATUS_FILE_CLOSED after close.
  IrpPtr call(const FileHandle& file, IrpArgs args, IrpCompletion done);
  IrpPtr close_file(FileHandle file, IrpCompletion done);

  // --- synchronous ---
  Result<FileHandle> create_file(CreateArgs args, IoStatusBlock* iosb = nullptr);
  IoStatusBlock call(const FileHandle& file, IrpArgs args);
  IoStatusBlock close_file(FileHandle file);

  // Typed synchronous helpers, named after the talk's Io* API.
  IoStatusBlock read_file(const FileHandle& f, std::span<std::byte> buf, uint64_t offset);
  IoStatusBlock write_file(const FileHandle& f, std::span<const std::byte> buf, uint64_t offset);
  IoStatusBlock flush_file(const FileHandle& f);
  IoStatusBlock query_information(const FileHandle& f, FileInfoClass cls, std::span<std::byte> buf);
  IoStatusBlock set_information(const FileHandle& f, FileInfoClass cls,
                                std::span<const std::byte> buf);
  IoStatusBlock query_directory(const FileHandle& f, FileInfoClass cls, std::string pattern,
                                uint8_t flags, std::span<std::byte> buf);
  IoStatusBlock query_volume_information(const FileHandle& f, FsInfoClass cls,
                                         std::span<std::byte> buf);
  IoStatusBlock lock_file(const FileHandle& f, LockRange range, bool fail_immediately,
                          uint32_t key = 0);
  IoStatusBlock unlock_file(const FileHandle& f, LockRange range, uint32_t key = 0);
  IoStatusBlock device_io_control(const FileHandle& f, uint32_t code, std::span<const std::byte> in,
                                  std::span<std::byte> out);
  IoStatusBlock fs_control(const FileHandle& f, uint32_t code, std::span<const std::byte> in,
                           std::span<std::byte> out);
  IoStatusBlock query_security(const FileHandle& f, uint32_t info, std::span<std::byte> buf);
  IoStatusBlock set_security(const FileHandle& f, uint32_t info, std::span<const std::byte> buf);

 private:
  struct DriverEntry {
    std::string prefix;  // lower-cased, with the leading backslash
    std::shared_ptr<Driver> driver;
  };
  // Sync calls from a loop thread would wait on themselves; they fail instead.
  bool in_any_loop_thread() const;

  mutable std::mutex drivers_mutex_;
  std::vector<DriverEntry> drivers_;
  // Unregistered drivers stay alive until ~IoManager: open FileObjects still refer to them.
  std::vector<std::shared_ptr<Driver>> retired_drivers_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::atomic<size_t> next_loop_{0};
};

}  // namespace lwsmb
