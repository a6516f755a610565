// An open file as the I/O manager sees it: which driver, which loop, the driver's context.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "lwsmb/iocore/driver.hpp"

namespace lwsmb {

class EventLoop;

class FileObject {
 public:
  FileObject(Driver& driver, EventLoop& loop, std::string path)
      : driver_(driver), loop_(loop), path_(std::move(path)) {}

  Driver& driver() const { return driver_; }
  // The loop this open's asynchronous work runs on (assigned round-robin at create).
  EventLoop& loop() const { return loop_; }
  // The full path the open was made with, e.g. "\pvfs\a\b".
  const std::string& path() const { return path_; }

  // Set by the driver when CREATE succeeds; dropped after CLOSE completes.
  template <class T>
  T* context() const {
    return static_cast<T*>(context_.get());
  }
  void set_context(std::unique_ptr<DriverFileContext> ctx) { context_ = std::move(ctx); }
  std::unique_ptr<DriverFileContext> take_context() { return std::move(context_); }

  // True once CLOSE was issued; further requests fail with STATUS_FILE_CLOSED.
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  bool mark_closed() { return !closed_.exchange(true, std::memory_order_acq_rel); }

 private:
  Driver& driver_;
  EventLoop& loop_;
  std::string path_;
  std::unique_ptr<DriverFileContext> context_;
  std::atomic<bool> closed_{false};
};

}  // namespace lwsmb
