// Driver registry, prefix routing and the Io* calls built on IRPs.
#include "lwsmb/iocore/io_manager.hpp"

#include <algorithm>
#include <condition_variable>

namespace lwsmb {

namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// Blocks a caller thread until an IRP completes. notify under the lock: the waiter can only
// return (and destroy this) after set() has released it.
class SyncWaiter {
 public:
  void set(const IoStatusBlock& iosb) {
    std::lock_guard lock(mutex_);
    iosb_ = iosb;
    done_ = true;
    cv_.notify_one();
  }
  IoStatusBlock wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return done_; });
    return iosb_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  IoStatusBlock iosb_;
};

IoStatusBlock failed(NtStatus status) {
  return IoStatusBlock{status, 0};
}

}  // namespace

// --- FileHandle ---

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept {
  if (this != &other) {
    reset();
    io_ = other.io_;
    file_ = std::move(other.file_);
  }
  return *this;
}

FileHandle::~FileHandle() {
  reset();
}

void FileHandle::reset() {
  if (file_ && io_ && !file_->closed()) {
    // RAII close: asynchronous, since a destructor may run on a loop thread.
    io_->close_file(FileHandle(io_, std::move(file_)), nullptr);
  }
  file_.reset();
  io_ = nullptr;
}

// --- IoManager ---

IoManager::IoManager(IoManagerOptions options) {
  unsigned n = std::max(1u, options.workers);
  loops_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    loops_.push_back(std::make_unique<EventLoop>(options.ring_entries));
  }
  for (auto& loop : loops_) loop->start();
}

IoManager::~IoManager() {
  std::vector<std::shared_ptr<Driver>> all;
  {
    std::lock_guard lock(drivers_mutex_);
    for (auto& e : drivers_) all.push_back(e.driver);
    all.insert(all.end(), retired_drivers_.begin(), retired_drivers_.end());
  }
  for (auto& d : all) d->shutdown();
  // Loops go before drivers: work still queued on them may reach into a driver.
  for (auto& loop : loops_) loop->stop();
  loops_.clear();
  all.clear();
  std::lock_guard lock(drivers_mutex_);
  drivers_.clear();
  retired_drivers_.clear();
}

NtStatus IoManager::register_driver(std::string_view prefix, std::shared_ptr<Driver> driver) {
  if (!driver) return NtStatus::InvalidParameter;
  if (prefix.size() < 2 || prefix[0] != '\\' || prefix.find('\\', 1) != std::string_view::npos) {
    return NtStatus::ObjectNameInvalid;
  }
  {
    std::lock_guard lock(drivers_mutex_);
    for (const auto& e : drivers_) {
      if (iequals(e.prefix, prefix)) return NtStatus::ObjectNameCollision;
    }
    drivers_.push_back(DriverEntry{lower(prefix), driver});
  }
  // Outside the lock: attach may well call back into the I/O manager.
  driver->attach(*this);
  return NtStatus::Success;
}

void IoManager::unregister_driver(std::string_view prefix) {
  std::lock_guard lock(drivers_mutex_);
  auto it = std::find_if(drivers_.begin(), drivers_.end(),
                         [&](const DriverEntry& e) { return iequals(e.prefix, prefix); });
  if (it == drivers_.end()) return;
  retired_drivers_.push_back(std::move(it->driver));
  drivers_.erase(it);
}

EventLoop& IoManager::next_loop() {
  size_t i = next_loop_.fetch_add(1, std::memory_order_relaxed);
  return *loops_[i % loops_.size()];
}

bool IoManager::in_any_loop_thread() const {
  return std::any_of(loops_.begin(), loops_.end(),
                     [](const auto& loop) { return loop->in_loop_thread(); });
}

std::pair<std::shared_ptr<Driver>, std::string> IoManager::route(std::string_view path) const {
  if (path.empty() || path[0] != '\\') return {nullptr, {}};
  size_t end = path.find('\\', 1);
  std::string_view component = path.substr(0, end);  // with its leading backslash
  std::string_view rest = end == std::string_view::npos ? std::string_view{} : path.substr(end + 1);
  std::lock_guard lock(drivers_mutex_);
  for (const auto& e : drivers_) {
    if (iequals(e.prefix, component)) return {e.driver, std::string(rest)};
  }
  return {nullptr, {}};
}

IrpPtr IoManager::create_file(CreateArgs args, CreateCompletion done) {
  auto [driver, rest] = route(args.path);
  if (!driver) {
    auto irp = std::make_shared<Irp>(std::move(args), nullptr, [done](Irp& irp) {
      if (done) done(irp.status_block(), FileHandle());
    });
    irp->complete(NtStatus::ObjectPathNotFound);
    return irp;
  }
  // A file opened from a loop thread (a server connection) stays on that loop: its IRPs then
  // complete where they were issued, with no hand-off to another thread and back.
  EventLoop* home = nullptr;
  for (const auto& loop : loops_) {
    if (loop->in_loop_thread()) home = loop.get();
  }
  auto file = std::make_shared<FileObject>(*driver, home ? *home : next_loop(), args.path);
  args.path = std::move(rest);
  auto irp = std::make_shared<Irp>(std::move(args), std::move(file),
                                   [this, done = std::move(done)](Irp& irp) {
                                     FileHandle handle;
                                     if (nt_success(irp.status_block().status))
                                       handle = FileHandle(this, irp.file_ptr());
                                     // With no one to take the handle, its destructor closes the
                                     // file again.
                                     if (done) done(irp.status_block(), std::move(handle));
                                   });
  driver->dispatch(irp);
  return irp;
}

IrpPtr IoManager::call(const FileHandle& file, IrpArgs args, IrpCompletion done) {
  // CREATE and CLOSE have their own entry points: CLOSE here would skip mark_closed().
  bool misrouted =
      std::holds_alternative<CreateArgs>(args) || std::holds_alternative<CloseArgs>(args);
  auto irp = std::make_shared<Irp>(std::move(args), file.object(), std::move(done));
  if (!file) {
    irp->complete(NtStatus::InvalidHandle);
  } else if (misrouted) {
    irp->complete(NtStatus::InvalidParameter);
  } else if (file.object()->closed()) {
    irp->complete(NtStatus::FileClosed);
  } else {
    file.object()->driver().dispatch(irp);
  }
  return irp;
}

IrpPtr IoManager::close_file(FileHandle file, IrpCompletion done) {
  FileObjectPtr object = file.release();
  auto irp = std::make_shared<Irp>(CloseArgs{}, object, [done = std::move(done)](Irp& irp) {
    // The open is over whatever the driver said; its context goes before the caller hears.
    if (irp.file_ptr()) irp.file().take_context();
    if (done) done(irp);
  });
  if (!object) {
    irp->complete(NtStatus::InvalidHandle);
  } else if (!object->mark_closed()) {
    irp->complete(NtStatus::FileClosed);
  } else {
    object->driver().dispatch(irp);
  }
  return irp;
}

Result<FileHandle> IoManager::create_file(CreateArgs args, IoStatusBlock* iosb) {
  if (in_any_loop_thread()) {
    if (iosb) *iosb = failed(NtStatus::InternalError);
    return NtStatus::InternalError;
  }
  SyncWaiter waiter;
  FileHandle result;
  // result is written before waiter.set(), and read only after wait() returns.
  create_file(std::move(args), [&](const IoStatusBlock& sb, FileHandle handle) {
    result = std::move(handle);
    waiter.set(sb);
  });
  IoStatusBlock sb = waiter.wait();
  if (iosb) *iosb = sb;
  if (!nt_success(sb.status)) return sb.status;
  return result;
}

IoStatusBlock IoManager::call(const FileHandle& file, IrpArgs args) {
  if (in_any_loop_thread()) return failed(NtStatus::InternalError);
  SyncWaiter waiter;
  call(file, std::move(args), [&waiter](Irp& irp) { waiter.set(irp.status_block()); });
  return waiter.wait();
}

IoStatusBlock IoManager::close_file(FileHandle file) {
  if (in_any_loop_thread()) {
    // The handle's destructor still closes it, asynchronously.
    return failed(NtStatus::InternalError);
  }
  SyncWaiter waiter;
  close_file(std::move(file), [&waiter](Irp& irp) { waiter.set(irp.status_block()); });
  return waiter.wait();
}

IoStatusBlock IoManager::read_file(const FileHandle& f, std::span<std::byte> buf, uint64_t offset) {
  return call(f, ReadArgs{buf, offset, 0});
}

IoStatusBlock IoManager::write_file(const FileHandle& f, std::span<const std::byte> buf,
                                    uint64_t offset) {
  return call(f, WriteArgs{buf, offset, 0});
}

IoStatusBlock IoManager::flush_file(const FileHandle& f) {
  return call(f, FlushArgs{});
}

IoStatusBlock IoManager::query_information(const FileHandle& f, FileInfoClass cls,
                                           std::span<std::byte> buf) {
  return call(f, QueryInformationArgs{cls, buf});
}

IoStatusBlock IoManager::set_information(const FileHandle& f, FileInfoClass cls,
                                         std::span<const std::byte> buf) {
  return call(f, SetInformationArgs{cls, buf});
}

IoStatusBlock IoManager::query_directory(const FileHandle& f, FileInfoClass cls,
                                         std::string pattern, uint8_t flags,
                                         std::span<std::byte> buf) {
  return call(f, QueryDirectoryArgs{cls, flags, 0, std::move(pattern), buf});
}

IoStatusBlock IoManager::query_volume_information(const FileHandle& f, FsInfoClass cls,
                                                  std::span<std::byte> buf) {
  return call(f, QueryVolumeInformationArgs{cls, buf});
}

IoStatusBlock IoManager::lock_file(const FileHandle& f, LockRange range, bool fail_immediately,
                                   uint32_t key) {
  return call(f, LockControlArgs{LockOperation::Lock, range, fail_immediately, key});
}

IoStatusBlock IoManager::unlock_file(const FileHandle& f, LockRange range, uint32_t key) {
  return call(f, LockControlArgs{LockOperation::Unlock, range, true, key});
}

IoStatusBlock IoManager::device_io_control(const FileHandle& f, uint32_t code,
                                           std::span<const std::byte> in,
                                           std::span<std::byte> out) {
  return call(f, DeviceIoControlArgs{code, in, out});
}

IoStatusBlock IoManager::fs_control(const FileHandle& f, uint32_t code,
                                    std::span<const std::byte> in, std::span<std::byte> out) {
  return call(f, FsControlArgs{code, in, out});
}

IoStatusBlock IoManager::query_security(const FileHandle& f, uint32_t info,
                                        std::span<std::byte> buf) {
  return call(f, QuerySecurityArgs{info, buf});
}

IoStatusBlock IoManager::set_security(const FileHandle& f, uint32_t info,
                                      std::span<const std::byte> buf) {
  return call(f, SetSecurityArgs{info, buf});
}

}  // namespace lwsmb
