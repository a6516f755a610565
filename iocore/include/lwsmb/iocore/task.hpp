// Task<T>: a lazy coroutine that a caller co_awaits (symmetric transfer), for protocol code that
// chains IRPs and ring operations. Start a top-level one with spawn(). Exceptions escaping a
// task terminate the process: inside the stack, failures are NtStatus values.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb {

template <class T>
class [[nodiscard]] Task;

namespace detail {

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
    auto next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct PromiseBase {
  std::coroutine_handle<> continuation;
  std::suspend_always initial_suspend() noexcept { return {}; }
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { std::terminate(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  struct promise_type : detail::PromiseBase {
    std::optional<T> value;
    Task get_return_object() { return Task(handle::from_promise(*this)); }
    template <class U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
  };
  using handle = std::coroutine_handle<promise_type>;

  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    return h_;
  }
  T await_resume() { return std::move(*h_.promise().value); }

 private:
  explicit Task(handle h) : h_(h) {}
  handle h_;
};

template <>
class [[nodiscard]] Task<void> {
 public:
  struct promise_type : detail::PromiseBase {
    Task get_return_object() { return Task(handle::from_promise(*this)); }
    void return_void() noexcept {}
  };
  using handle = std::coroutine_handle<promise_type>;

  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    return h_;
  }
  void await_resume() noexcept {}

 private:
  explicit Task(handle h) : h_(h) {}
  handle h_;
};

namespace detail {
inline DetachedTask run_detached(Task<void> t) {
  co_await std::move(t);
}
}  // namespace detail

// Runs a task to its end without anyone awaiting it; its frame is freed when it ends.
inline void spawn(Task<void> task) {
  detail::run_detached(std::move(task));
}

// Awaits an IRP on an open file and resumes on `resume_on` (the caller's loop), whatever
// thread the driver completes on. The IRP is available while suspended (for CANCEL).
class IrpAwaitable {
 public:
  IrpAwaitable(IoManager& io, const FileHandle& file, IrpArgs args, EventLoop& resume_on,
               IrpPtr* out_irp = nullptr)
      : io_(io), file_(file), args_(std::move(args)), loop_(resume_on), out_irp_(out_irp) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    auto irp = io_.call(file_, std::move(args_), [this, h](Irp& done) {
      iosb_ = done.status_block();
      loop_.post([h] { h.resume(); });
    });
    if (out_irp_) *out_irp_ = std::move(irp);
  }
  IoStatusBlock await_resume() const noexcept { return iosb_; }

 private:
  IoManager& io_;
  const FileHandle& file_;
  IrpArgs args_;
  EventLoop& loop_;
  IrpPtr* out_irp_;
  IoStatusBlock iosb_;
};

// Awaits a CREATE; resumes on `resume_on`.
class CreateAwaitable {
 public:
  // out_irp, when given, receives the CREATE IRP (its CreateArgs carry outputs such as
  // granted_oplock, readable once the awaitable resumes).
  CreateAwaitable(IoManager& io, CreateArgs args, EventLoop& resume_on, IrpPtr* out_irp = nullptr)
      : io_(io), args_(std::move(args)), loop_(resume_on), out_irp_(out_irp) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    auto irp = io_.create_file(std::move(args_), [this, h](const IoStatusBlock& st, FileHandle f) {
      iosb_ = st;
      file_ = std::move(f);
      loop_.post([h] { h.resume(); });
    });
    // The resumption is posted to the loop this runs on, so it cannot run before this returns.
    if (out_irp_) *out_irp_ = std::move(irp);
  }
  std::pair<IoStatusBlock, FileHandle> await_resume() { return {iosb_, std::move(file_)}; }

 private:
  IoManager& io_;
  CreateArgs args_;
  EventLoop& loop_;
  IrpPtr* out_irp_;
  IoStatusBlock iosb_;
  FileHandle file_;
};

// Awaits a CLOSE; resumes on `resume_on`.
class CloseAwaitable {
 public:
  CloseAwaitable(IoManager& io, FileHandle file, EventLoop& resume_on)
      : io_(io), file_(std::move(file)), loop_(resume_on) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    io_.close_file(std::move(file_), [this, h](Irp& done) {
      iosb_ = done.status_block();
      loop_.post([h] { h.resume(); });
    });
  }
  IoStatusBlock await_resume() const noexcept { return iosb_; }

 private:
  IoManager& io_;
  FileHandle file_;
  EventLoop& loop_;
  IoStatusBlock iosb_;
};

}  // namespace lwsmb
