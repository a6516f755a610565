// Small coroutine helpers for the rdr driver: a one-shot event many coroutines wait on, and a
// ring timer. Loop thread only.
#pragma once

#include <coroutine>
#include <vector>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb::fuse_rdr {

// Set once with a status; waiters resume (posted, never inside set()) with that status.
class RdrEvent {
 public:
  explicit RdrEvent(EventLoop& loop) : loop_(loop) {}
  bool is_set() const { return set_; }
  NtStatus status() const { return status_; }
  void set(NtStatus st) {
    if (set_) return;
    set_ = true;
    status_ = st;
    for (auto h : waiters_) loop_.post([h] { h.resume(); });
    waiters_.clear();
  }
  auto wait() {
    struct Awaiter {
      RdrEvent& ev;
      bool await_ready() const noexcept { return ev.set_; }
      void await_suspend(std::coroutine_handle<> h) { ev.waiters_.push_back(h); }
      NtStatus await_resume() const noexcept { return ev.status_; }
    };
    return Awaiter{*this};
  }

 private:
  EventLoop& loop_;
  bool set_ = false;
  NtStatus status_ = NtStatus::Pending;
  std::vector<std::coroutine_handle<>> waiters_;
};

// co_await RdrSleep(loop, ms, &id): resumes after the time or when the op `id` is cancelled.
class RdrSleep {
 public:
  RdrSleep(EventLoop& loop, long long ms, EventLoop::OpId* id_out) : loop_(loop), id_out_(id_out) {
    ts_.tv_sec = ms / 1000;
    ts_.tv_nsec = (ms % 1000) * 1'000'000;
  }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    auto id = loop_.submit([this](io_uring_sqe* s) { io_uring_prep_timeout(s, &ts_, 0, 0); },
                           [h](int) { h.resume(); });
    if (id_out_) *id_out_ = id;
  }
  void await_resume() const noexcept {}

 private:
  EventLoop& loop_;
  EventLoop::OpId* id_out_;
  __kernel_timespec ts_{};
};

}  // namespace lwsmb::fuse_rdr
