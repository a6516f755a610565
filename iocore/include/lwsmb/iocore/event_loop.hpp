// One io_uring event loop per worker thread. File reads, writes, fsync, open and statx go
// through the ring; sockets join later. Completions run on the loop's own thread.
#pragma once

#include <liburing.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>

namespace lwsmb {

class EventLoop {
 public:
  // res is the CQE result: >= 0 on success, -errno on failure (-ECANCELED when cancelled).
  using OpDone = std::function<void(int res)>;
  using OpPrep = std::function<void(io_uring_sqe*)>;
  using OpId = uint64_t;

  explicit EventLoop(unsigned ring_entries = 256);
  ~EventLoop();  // stops and joins the thread
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start();  // spawns the loop thread
  void stop();   // drains posted work, then joins; idempotent

  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

  // Thread-safe: runs fn on the loop thread.
  void post(std::function<void()> fn);

  // Thread-safe: prep fills an SQE on the loop thread (io_uring_prep_*; user_data is set by the
  // loop), done gets the result there. Returns an id for cancel_op.
  OpId submit(OpPrep prep, OpDone done);
  // Thread-safe: asks the ring to cancel an op (its done then gets -ECANCELED, or its result).
  void cancel_op(OpId id);

  // Convenience wrappers. Every buffer, path and statx must stay alive until done runs.
  OpId read(int fd, std::span<std::byte> buf, uint64_t offset, OpDone done);
  OpId write(int fd, std::span<const std::byte> buf, uint64_t offset, OpDone done);
  OpId fsync(int fd, bool datasync, OpDone done);
  OpId openat2(int dirfd, const char* path, const open_how* how, OpDone done);
  OpId statx(int dirfd, const char* path, int flags, unsigned mask, struct statx* out, OpDone done);
  OpId close(int fd, OpDone done);
  // Sockets. accept's result is the new fd (SOCK_CLOEXEC); recv/send return bytes moved.
  OpId accept(int listen_fd, OpDone done);
  OpId recv(int fd, std::span<std::byte> buf, OpDone done);
  OpId send(int fd, std::span<const std::byte> buf, OpDone done);
  OpId connect(int fd, const sockaddr* addr, socklen_t len, OpDone done);

  // Loop thread only. An io_uring personality with these Unix credentials (fsuid, fsgid and
  // supplementary groups), registered on first use and kept for the loop's life: an SQE with
  // sqe->personality set to it runs with that user's file-system identity, so files are
  // created as the user and the kernel checks the user's permissions. 0 (the loop's own
  // identity) for uid 0; a negative errno when the kernel refuses.
  int personality(uint32_t uid, uint32_t gid, std::span<const uint32_t> groups);

  // Awaitable form for coroutines: `int res = co_await loop.op([&](io_uring_sqe* s){...});`
  // The coroutine resumes on the loop thread.
  class OpAwaitable {
   public:
    OpAwaitable(EventLoop& loop, OpPrep prep) : loop_(loop), prep_(std::move(prep)) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    int await_resume() const noexcept { return res_; }

   private:
    EventLoop& loop_;
    OpPrep prep_;
    int res_ = 0;
  };
  OpAwaitable op(OpPrep prep) { return OpAwaitable(*this, std::move(prep)); }

  // Awaitable that moves a coroutine onto this loop's thread.
  class ScheduleAwaitable {
   public:
    explicit ScheduleAwaitable(EventLoop& loop) : loop_(loop) {}
    bool await_ready() const noexcept { return loop_.in_loop_thread(); }
    void await_suspend(std::coroutine_handle<> h) {
      loop_.post([h] { h.resume(); });
    }
    void await_resume() const noexcept {}

   private:
    EventLoop& loop_;
  };
  ScheduleAwaitable schedule() { return ScheduleAwaitable(*this); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::thread::id thread_id_;
};

// A fire-and-forget coroutine: starts at once, frees itself when it ends. Exceptions escaping
// it terminate the process: a driver coroutine completes its IRP with a status instead.
struct DetachedTask {
  struct promise_type {
    DetachedTask get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

}  // namespace lwsmb
