// The io_uring event loop: one ring and one thread. Cross-thread work arrives through a locked
// queue plus an eventfd that the ring always has a read armed on, so a single blocking wait
// covers both I/O completions and posted work.
#include "lwsmb/iocore/event_loop.hpp"

#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lwsmb {

namespace {

// user_data values the loop keeps for itself; op ids count up from 1 and never get here.
constexpr uint64_t kWakeTag = ~uint64_t{0};
constexpr uint64_t kCancelTag = ~uint64_t{0} - 1;

// How long stop() waits for cancelled ops to report before giving up on them.
constexpr auto kStopCap = std::chrono::seconds(2);

// An SQE length is 32 bits; a longer buffer just gets a short transfer, as with read(2).
unsigned clamp_len(size_t n) {
  return n > 0x7ffff000u ? 0x7ffff000u : static_cast<unsigned>(n);
}

struct Cqe {
  uint64_t user_data;
  int res;
};

}  // namespace

struct EventLoop::Impl {
  struct Op {
    OpDone done;
    bool cancel_sent = false;
  };

  io_uring ring{};
  int wake_fd = -1;
  uint64_t wake_buf = 0;  // target of the armed eventfd read

  std::mutex posted_mutex;
  std::vector<std::function<void()>> posted;  // guarded by posted_mutex

  std::mutex lifecycle_mutex;  // serialises start() and stop()
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_id{1};

  // Loop thread only from here on.
  std::map<std::vector<uint32_t>, int> personalities;  // {uid, gid, groups...} -> id
  std::unordered_map<OpId, Op> ops;
  std::vector<Cqe> reaped;  // CQEs taken off the ring whose callbacks have not run yet
  bool dirty = false;       // SQEs prepared but not yet submitted

  explicit Impl(unsigned entries) {
    // SUBMIT_ALL: one bad SQE must not hold back the rest of a batch. Older kernels reject the
    // flags with EINVAL; plain setup still works there.
    int rc =
        io_uring_queue_init(entries, &ring, IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN);
    if (rc == -EINVAL) rc = io_uring_queue_init(entries, &ring, 0);
    if (rc < 0) throw std::system_error(-rc, std::system_category(), "io_uring_queue_init");
    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) {
      int err = errno;
      io_uring_queue_exit(&ring);
      throw std::system_error(err, std::system_category(), "eventfd");
    }
  }

  ~Impl() {
    io_uring_queue_exit(&ring);
    ::close(wake_fd);
  }

  void wake() {
    uint64_t one = 1;
    // EAGAIN means the counter is saturated: the loop is woken anyway.
    if (::write(wake_fd, &one, sizeof one) < 0) {
    }
  }

  bool posted_empty() {
    std::lock_guard lock(posted_mutex);
    return posted.empty();
  }

  // Moves every ready CQE into reaped without running anything, so it is safe to call from
  // inside a callback (via get_sqe) without re-entering callbacks.
  void reap() {
    io_uring_cqe* cqe;
    unsigned head;
    unsigned n = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      reaped.push_back({io_uring_cqe_get_data64(cqe), cqe->res});
      ++n;
    }
    io_uring_cq_advance(&ring, n);
  }

  void flush() {
    if (!dirty) return;
    for (;;) {
      int rc = io_uring_submit(&ring);
      if (rc >= 0) break;
      if (rc == -EINTR) continue;
      if (rc == -EBUSY || rc == -EAGAIN) {
        // CQ backlog: make room and try again.
        reap();
        continue;
      }
      return;  // unexpected; the SQEs stay queued and go with the next submit
    }
    dirty = false;
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    while (sqe == nullptr) {
      dirty = true;
      flush();
      sqe = io_uring_get_sqe(&ring);
    }
    dirty = true;
    return sqe;
  }

  void arm_wake() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_read(sqe, wake_fd, &wake_buf, sizeof wake_buf, 0);
    io_uring_sqe_set_data64(sqe, kWakeTag);
  }

  void submit_now(OpId id, OpPrep& prep, OpDone& done) {
    io_uring_sqe* sqe = get_sqe();
    prep(sqe);
    io_uring_sqe_set_data64(sqe, id);
    ops.emplace(id, Op{std::move(done)});
  }

  // Returns true if a cancel was sent (or had been) for a live op.
  bool cancel_now(OpId id) {
    auto it = ops.find(id);
    if (it == ops.end()) return false;  // already finished
    if (it->second.cancel_sent) return true;
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, id, 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
    it->second.cancel_sent = true;
    return true;
  }

  void run_posted() {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard lock(posted_mutex);
      work.swap(posted);
    }
    for (auto& fn : work) fn();
  }

  void run_reaped() {
    // Callbacks may submit and thereby reap more; swap so we never iterate a growing vector.
    while (!reaped.empty()) {
      std::vector<Cqe> batch;
      batch.swap(reaped);
      for (const Cqe& c : batch) {
        if (c.user_data == kCancelTag) continue;  // the cancelled op reports on its own
        if (c.user_data == kWakeTag) {
          arm_wake();
          continue;
        }
        auto it = ops.find(c.user_data);
        if (it == ops.end()) continue;
        OpDone done = std::move(it->second.done);
        ops.erase(it);
        if (done) done(c.res);
      }
    }
  }

  void wait(bool block, bool stopping_phase) {
    io_uring_cqe* cqe = nullptr;
    if (!block) {
      flush();
    } else if (stopping_phase) {
      // Bounded: stop() must not hang on an op that ignores cancellation.
      __kernel_timespec ts{0, 50'000'000};
      int rc = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr);
      if (rc >= 0) dirty = false;
    } else {
      int rc = io_uring_submit_and_wait(&ring, 1);
      if (rc >= 0) dirty = false;
    }
    reap();
  }

  void run() {
    arm_wake();
    bool stop_seen = false;
    auto deadline = std::chrono::steady_clock::time_point::max();
    for (;;) {
      run_posted();
      run_reaped();
      if (stopping.load(std::memory_order_acquire)) {
        if (!stop_seen) {
          stop_seen = true;
          deadline = std::chrono::steady_clock::now() + kStopCap;
        }
        for (auto& entry : ops) cancel_now(entry.first);
        if (ops.empty() && posted_empty()) break;
        if (std::chrono::steady_clock::now() >= deadline) break;
      }
      wait(posted_empty() && reaped.empty(), stop_seen);
    }
    flush();
    // Ops that outlived the cap: their owners still get exactly one answer.
    auto left = std::move(ops);
    ops.clear();
    for (auto& entry : left) {
      if (entry.second.done) entry.second.done(-ECANCELED);
    }
  }
};

EventLoop::EventLoop(unsigned ring_entries) : impl_(std::make_unique<Impl>(ring_entries)) {}

EventLoop::~EventLoop() {
  stop();
}

void EventLoop::start() {
  std::lock_guard lock(impl_->lifecycle_mutex);
  if (thread_.joinable() || impl_->stopping.load()) return;
  // in_loop_thread() must be right as soon as start() returns, also inside the loop itself.
  std::latch ready(1);
  thread_ = std::thread([this, &ready] {
    thread_id_ = std::this_thread::get_id();
    ready.count_down();
    impl_->run();
  });
  ready.wait();
}

void EventLoop::stop() {
  std::lock_guard lock(impl_->lifecycle_mutex);
  impl_->stopping.store(true, std::memory_order_release);
  if (!thread_.joinable()) return;
  impl_->wake();
  // From the loop's own thread we can only ask; the owner joins later.
  if (in_loop_thread()) return;
  thread_.join();
  // Thread ids get reused: a stopped loop must not claim some later thread as its own.
  thread_id_ = std::thread::id();
}

void EventLoop::post(std::function<void()> fn) {
  bool was_empty;
  {
    std::lock_guard lock(impl_->posted_mutex);
    was_empty = impl_->posted.empty();
    impl_->posted.push_back(std::move(fn));
  }
  // A non-empty queue already has a wakeup on its way; the loop thread itself checks the
  // queue before it blocks.
  if (was_empty && !in_loop_thread()) impl_->wake();
}

EventLoop::OpId EventLoop::submit(OpPrep prep, OpDone done) {
  OpId id = impl_->next_id.fetch_add(1, std::memory_order_relaxed);
  if (in_loop_thread()) {
    impl_->submit_now(id, prep, done);
  } else {
    post([this, id, prep = std::move(prep), done = std::move(done)]() mutable {
      impl_->submit_now(id, prep, done);
    });
  }
  return id;
}

void EventLoop::cancel_op(OpId id) {
  // An op submitted from another thread may still sit in the posted queue; posting the cancel
  // after it keeps the order.
  if (in_loop_thread() && impl_->cancel_now(id)) return;
  post([this, id] { impl_->cancel_now(id); });
}

EventLoop::OpId EventLoop::read(int fd, std::span<std::byte> buf, uint64_t offset, OpDone done) {
  return submit(
      [fd, buf, offset](io_uring_sqe* sqe) {
        io_uring_prep_read(sqe, fd, buf.data(), clamp_len(buf.size()), offset);
      },
      std::move(done));
}

EventLoop::OpId EventLoop::write(int fd, std::span<const std::byte> buf, uint64_t offset,
                                 OpDone done) {
  return submit(
      [fd, buf, offset](io_uring_sqe* sqe) {
        io_uring_prep_write(sqe, fd, buf.data(), clamp_len(buf.size()), offset);
      },
      std::move(done));
}

EventLoop::OpId EventLoop::fsync(int fd, bool datasync, OpDone done) {
  return submit(
      [fd, datasync](io_uring_sqe* sqe) {
        io_uring_prep_fsync(sqe, fd, datasync ? IORING_FSYNC_DATASYNC : 0);
      },
      std::move(done));
}

EventLoop::OpId EventLoop::openat2(int dirfd, const char* path, const open_how* how, OpDone done) {
  return submit(
      [dirfd, path, how](io_uring_sqe* sqe) {
        // liburing takes a non-const pointer but the kernel only reads it.
        io_uring_prep_openat2(sqe, dirfd, path, const_cast<open_how*>(how));
      },
      std::move(done));
}

EventLoop::OpId EventLoop::statx(int dirfd, const char* path, int flags, unsigned mask,
                                 struct statx* out, OpDone done) {
  return submit([dirfd, path, flags, mask, out](
                    io_uring_sqe* sqe) { io_uring_prep_statx(sqe, dirfd, path, flags, mask, out); },
                std::move(done));
}

EventLoop::OpId EventLoop::close(int fd, OpDone done) {
  return submit([fd](io_uring_sqe* sqe) { io_uring_prep_close(sqe, fd); }, std::move(done));
}

int EventLoop::personality(uint32_t uid, uint32_t gid, std::span<const uint32_t> groups) {
  if (uid == 0) return 0;
  std::vector<uint32_t> key{uid, gid};
  key.insert(key.end(), groups.begin(), groups.end());
  auto it = impl_->personalities.find(key);
  if (it != impl_->personalities.end()) return it->second;
  // The kernel records the calling thread's credentials. The raw syscalls change only this
  // thread's file-system identity (glibc's wrappers would change every thread's), and the
  // thread goes back to its own identity right after.
  std::vector<gid_t> gids(groups.begin(), groups.end());
  int id = -EPERM;
  if (syscall(SYS_setgroups, gids.size(), gids.data()) == 0) {
    syscall(SYS_setfsgid, gid);
    syscall(SYS_setfsuid, uid);
    id = io_uring_register_personality(&impl_->ring);
    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
  }
  syscall(SYS_setgroups, 0, nullptr);
  if (id > 0) impl_->personalities.emplace(std::move(key), id);
  return id;
}

EventLoop::OpId EventLoop::accept(int listen_fd, OpDone done) {
  return submit(
      [listen_fd](io_uring_sqe* sqe) {
        io_uring_prep_accept(sqe, listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      },
      std::move(done));
}

EventLoop::OpId EventLoop::recv(int fd, std::span<std::byte> buf, OpDone done) {
  return submit(
      [fd, buf](io_uring_sqe* sqe) {
        io_uring_prep_recv(sqe, fd, buf.data(), clamp_len(buf.size()), 0);
      },
      std::move(done));
}

EventLoop::OpId EventLoop::send(int fd, std::span<const std::byte> buf, OpDone done) {
  return submit(
      [fd, buf](io_uring_sqe* sqe) {
        io_uring_prep_send(sqe, fd, buf.data(), clamp_len(buf.size()), MSG_NOSIGNAL);
      },
      std::move(done));
}

EventLoop::OpId EventLoop::connect(int fd, const sockaddr* addr, socklen_t len, OpDone done) {
  return submit([fd, addr, len](io_uring_sqe* sqe) { io_uring_prep_connect(sqe, fd, addr, len); },
                std::move(done));
}

void EventLoop::OpAwaitable::await_suspend(std::coroutine_handle<> h) {
  // The awaitable lives in the suspended coroutine's frame until resume, so `this` is valid.
  loop_.submit(std::move(prep_), [this, h](int res) {
    res_ = res;
    h.resume();
  });
}

}  // namespace lwsmb
