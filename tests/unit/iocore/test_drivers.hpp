// Small drivers for the iocore tests: each shows one way a real driver completes an IRP.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb::test {

// Waits for a future with a cap so that a broken completion fails the test instead of hanging.
template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds cap = std::chrono::seconds(5)) {
  return f.wait_for(cap) == std::future_status::ready;
}

// Per-open state; counts how many are alive so tests can see the context dropped on close.
struct CountedContext : DriverFileContext {
  explicit CountedContext(std::atomic<int>& live) : live_(live) { ++live_; }
  ~CountedContext() override { --live_; }
  std::atomic<int>& live_;
};

// Completes every IRP at once, on the dispatching thread, and records what it saw.
class NullDriver : public Driver {
 public:
  void attach(IoManager&) override { attached = true; }
  void shutdown() override { shut_down = true; }
  void dispatch(const IrpPtr& irp) override {
    {
      // Not held while completing: a completion may drop a handle, which dispatches a CLOSE.
      std::lock_guard lock(mutex);
      types.push_back(irp->type());
      last_args = irp->args();
      if (irp->type() == IrpType::Create) {
        last_create_path = irp->args_as<CreateArgs>().path;
        last_file_path = irp->file().path();
      }
    }
    if (irp->type() == IrpType::Create) {
      if (nt_success(create_status)) {
        irp->file().set_context(std::make_unique<CountedContext>(live_contexts));
      }
      irp->complete(create_status, static_cast<uint64_t>(CreateAction::Opened));
      return;
    }
    irp->complete(status, information);
  }
  size_t count(IrpType t) {
    std::lock_guard lock(mutex);
    size_t n = 0;
    for (IrpType x : types) n += (x == t);
    return n;
  }

  std::mutex mutex;
  std::vector<IrpType> types;
  IrpArgs last_args;
  std::string last_create_path;
  std::string last_file_path;
  NtStatus create_status = NtStatus::Success;
  NtStatus status = NtStatus::Success;
  uint64_t information = 0;
  std::atomic<int> live_contexts{0};
  std::atomic<bool> attached{false};
  std::atomic<bool> shut_down{false};
};

// Pends every non-create IRP and completes it later from the file's loop (or, with
// use_thread, from a separate thread), like a driver waiting for I/O.
class PendingDriver : public Driver {
 public:
  void dispatch(const IrpPtr& irp) override {
    if (irp->type() == IrpType::Create || irp->type() == IrpType::Close) {
      irp->complete(NtStatus::Success);
      return;
    }
    irp->mark_pending();
    if (use_thread) {
      std::thread([irp] { irp->complete(NtStatus::Success, 42); }).detach();
    } else {
      irp->file().loop().post([irp] { irp->complete(NtStatus::Success, 42); });
    }
  }
  bool use_thread = false;
};

// Parks every non-create IRP with a cancel routine; the test completes or cancels it.
class ParkingDriver : public Driver {
 public:
  void dispatch(const IrpPtr& irp) override {
    if (irp->type() == IrpType::Create || irp->type() == IrpType::Close) {
      irp->complete(NtStatus::Success);
      return;
    }
    irp->mark_pending();
    if (!irp->set_cancel_routine([](Irp& i) { i.complete(NtStatus::Cancelled); })) {
      irp->complete(NtStatus::Cancelled);
      return;
    }
    std::lock_guard lock(mutex);
    parked.push_back(irp);
  }
  IrpPtr take() {
    std::lock_guard lock(mutex);
    if (parked.empty()) return nullptr;
    IrpPtr irp = parked.back();
    parked.pop_back();
    return irp;
  }
  std::mutex mutex;
  std::vector<IrpPtr> parked;
};

// Reads real files under a root directory through the file's io_uring loop.
class FileReadDriver : public Driver {
 public:
  explicit FileReadDriver(std::string root) : root_(std::move(root)) {}

  struct FdContext : DriverFileContext {
    explicit FdContext(int f) : fd(f) {}
    ~FdContext() override {
      if (fd >= 0) ::close(fd);
    }
    int fd;
  };

  void dispatch(const IrpPtr& irp) override {
    switch (irp->type()) {
      case IrpType::Create: {
        std::string rel = irp->args_as<CreateArgs>().path;
        for (char& c : rel) c = (c == '\\') ? '/' : c;
        int fd = ::open((root_ + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          irp->complete(ntstatus_from_errno(errno));
          return;
        }
        irp->file().set_context(std::make_unique<FdContext>(fd));
        irp->complete(NtStatus::Success, static_cast<uint64_t>(CreateAction::Opened));
        return;
      }
      case IrpType::Read: {
        auto& args = irp->args_as<ReadArgs>();
        int fd = irp->file().context<FdContext>()->fd;
        irp->mark_pending();
        irp->file().loop().read(fd, args.buffer, args.offset, [irp](int res) {
          if (res < 0) {
            irp->complete(ntstatus_from_errno(-res));
          } else if (res == 0 && !irp->args_as<ReadArgs>().buffer.empty()) {
            irp->complete(NtStatus::EndOfFile);
          } else {
            irp->complete(NtStatus::Success, static_cast<uint64_t>(res));
          }
        });
        return;
      }
      default:
        irp->complete(NtStatus::Success);
        return;
    }
  }

 private:
  std::string root_;
};

}  // namespace lwsmb::test
