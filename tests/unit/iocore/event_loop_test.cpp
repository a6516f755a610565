// The io_uring loop: posting, file ops through the ring, cancellation, coroutines, stop.
#include "lwsmb/iocore/event_loop.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "iocore/test_drivers.hpp"
#include "test_util.hpp"

namespace lwsmb {
namespace {

using test::ready_within;

// Runs one ring op from the test thread and waits for its result.
int run_op(const std::function<EventLoop::OpId(EventLoop::OpDone)>& start) {
  std::promise<int> p;
  auto f = p.get_future();
  start([&p](int res) { p.set_value(res); });
  if (!ready_within(f)) return -ETIMEDOUT;
  return f.get();
}

TEST(EventLoop, PostRunsOnLoopThread) {
  EventLoop loop;
  loop.start();
  EXPECT_FALSE(loop.in_loop_thread());
  std::promise<bool> p;
  auto f = p.get_future();
  loop.post([&] { p.set_value(loop.in_loop_thread()); });
  ASSERT_TRUE(ready_within(f));
  EXPECT_TRUE(f.get());
}

TEST(EventLoop, PostedWorkRunsInOrderAcrossManyPosts) {
  EventLoop loop;
  loop.start();
  std::vector<int> seen;  // touched only on the loop thread until the promise is set
  std::promise<void> p;
  auto f = p.get_future();
  constexpr int kPosts = 10000;
  for (int i = 0; i < kPosts; ++i) {
    loop.post([&, i] {
      seen.push_back(i);
      if (i == kPosts - 1) p.set_value();
    });
  }
  ASSERT_TRUE(ready_within(f));
  ASSERT_EQ(seen.size(), static_cast<size_t>(kPosts));
  for (int i = 0; i < kPosts; ++i) ASSERT_EQ(seen[i], i);
}

TEST(EventLoop, FileOpsThroughTheRing) {
  test::TempDir dir;
  std::string path = (dir.path() / "f.txt").string();
  EventLoop loop;
  loop.start();

  open_how how{};
  how.flags = O_RDWR | O_CREAT | O_CLOEXEC;
  how.mode = 0644;
  int fd = run_op([&](auto done) { return loop.openat2(AT_FDCWD, path.c_str(), &how, done); });
  ASSERT_GE(fd, 0) << strerror(-fd);

  const std::string text = "hello, ring";
  auto in = test::bytes(text);
  EXPECT_EQ(run_op([&](auto done) { return loop.write(fd, in, 0, done); }),
            static_cast<int>(text.size()));
  EXPECT_EQ(run_op([&](auto done) { return loop.fsync(fd, false, done); }), 0);
  EXPECT_EQ(run_op([&](auto done) { return loop.fsync(fd, true, done); }), 0);

  std::vector<std::byte> out(64);
  int n = run_op([&](auto done) { return loop.read(fd, out, 7, done); });
  ASSERT_EQ(n, static_cast<int>(text.size()) - 7);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), n), "ring");

  struct statx stx {};
  EXPECT_EQ(run_op([&](auto done) {
              return loop.statx(AT_FDCWD, path.c_str(), 0, STATX_SIZE, &stx, done);
            }),
            0);
  EXPECT_EQ(stx.stx_size, text.size());

  EXPECT_EQ(run_op([&](auto done) { return loop.close(fd, done); }), 0);
  EXPECT_EQ(dir.read("f.txt"), text);

  // Errors come back as -errno.
  open_how ro{};
  ro.flags = O_RDONLY;
  EXPECT_EQ(run_op([&](auto done) {
              return loop.openat2(AT_FDCWD, (path + ".missing").c_str(), &ro, done);
            }),
            -ENOENT);
}

TEST(EventLoop, SubmitFromLoopThreadBatches) {
  EventLoop loop;
  loop.start();
  std::promise<int> p;
  auto f = p.get_future();
  auto count = std::make_shared<int>(0);
  loop.post([&loop, &p, count] {
    // More ops than SQ entries: the loop must flush a full SQ and keep going.
    for (int i = 0; i < 600; ++i) {
      loop.submit([](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); },
                  [&p, count](int res) {
                    if (res == 0 && ++*count == 600) p.set_value(*count);
                  });
    }
  });
  ASSERT_TRUE(ready_within(f));
  EXPECT_EQ(f.get(), 600);
}

TEST(EventLoop, CancelOpOnIdlePipeRead) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  EventLoop loop;
  loop.start();
  std::vector<std::byte> buf(16);
  std::promise<int> p;
  auto f = p.get_future();
  auto id = loop.read(fds[0], buf, ~uint64_t{0}, [&p](int res) { p.set_value(res); });
  loop.cancel_op(id);
  bool done = ready_within(f);
  if (!done) {
    ASSERT_EQ(::write(fds[1], "x", 1), 1);  // unblock so the test fails instead of hanging
    f.wait();
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(f.get(), -ECANCELED);
  ::close(fds[0]);
  ::close(fds[1]);
}

DetachedTask ring_coroutine(EventLoop& loop, int fd, std::span<std::byte> buf,
                            std::promise<std::pair<int, bool>>& out) {
  co_await loop.schedule();
  int nop = co_await loop.op([](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
  int n = co_await loop.op([=](io_uring_sqe* sqe) {
    io_uring_prep_read(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()), 0);
  });
  out.set_value({nop == 0 ? n : -1000, loop.in_loop_thread()});
}

TEST(EventLoop, CoroutineAwaitsRingOps) {
  test::TempDir dir;
  dir.write("c.txt", "coroutine");
  int fd = ::open((dir.path() / "c.txt").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EventLoop loop;
  loop.start();
  std::vector<std::byte> buf(32);
  std::promise<std::pair<int, bool>> p;
  auto f = p.get_future();
  ring_coroutine(loop, fd, buf, p);
  ASSERT_TRUE(ready_within(f));
  auto [n, on_loop] = f.get();
  ASSERT_EQ(n, 9);
  EXPECT_TRUE(on_loop);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), 9), "coroutine");
  ::close(fd);
}

TEST(EventLoop, StopWithOpsInFlightDoesNotHang) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  std::vector<std::byte> buf(16);
  std::atomic<int> calls{0};
  std::atomic<int> result{1};
  auto started = std::chrono::steady_clock::now();
  {
    EventLoop loop;
    loop.start();
    for (int i = 0; i < 4; ++i) {
      loop.read(fds[0], buf, ~uint64_t{0}, [&](int res) {
        ++calls;
        result = res;
      });
    }
    std::promise<void> posted;
    loop.post([&] { posted.set_value(); });
    posted.get_future().wait();  // the reads are submitted by now
    loop.stop();
    loop.stop();  // idempotent
    EXPECT_FALSE(loop.in_loop_thread());
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(calls, 4);  // every op answered exactly once
  EXPECT_EQ(result, -ECANCELED);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, StopRunsAlreadyPostedWork) {
  std::atomic<int> ran{0};
  {
    EventLoop loop;
    loop.start();
    for (int i = 0; i < 100; ++i) loop.post([&] { ++ran; });
  }  // destructor stops
  EXPECT_EQ(ran, 100);
}

}  // namespace
}  // namespace lwsmb

namespace lwsmb::test {
namespace {

// Files created through a personality belong to that user, and the kernel checks the user's
// permissions, not the loop's (root's).
TEST(EventLoopPersonality, CreatesAsTheUserAndChecksItsPermissions) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to take on another identity";
  TempDir dir;
  auto open_as = [&](EventLoop& loop, int pers, const std::string& path) {
    std::promise<int> done;
    loop.post([&] {
      loop.submit(
          [&](io_uring_sqe* sqe) {
            io_uring_prep_openat(sqe, AT_FDCWD, path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0640);
            sqe->personality = static_cast<uint16_t>(pers);
          },
          [&](int res) { done.set_value(res); });
    });
    return done.get_future().get();
  };
  EventLoop loop;
  loop.start();
  std::promise<std::pair<int, int>> ids;
  loop.post([&] {
    const uint32_t groups[] = {4242};
    int a = loop.personality(4242, 4242, groups);
    int b = loop.personality(4242, 4242, groups);  // cached
    ids.set_value({a, b});
  });
  auto [a, b] = ids.get_future().get();
  ASSERT_GT(a, 0);
  EXPECT_EQ(a, b);

  // The folder belongs to root with 0755: user 4242 may not create in it.
  chmod(dir.path().c_str(), 0755);
  int fd = open_as(loop, a, (dir.path() / "denied").string());
  EXPECT_EQ(fd, -EACCES);
  // In a folder the user may write to, the file is the user's.
  chmod(dir.path().c_str(), 0777);
  fd = open_as(loop, a, (dir.path() / "mine").string());
  ASSERT_GE(fd, 0);
  close(fd);
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4242u);
  EXPECT_EQ(st.st_gid, 4242u);
  // The loop thread itself is root again afterwards.
  fd = open_as(loop, 0, (dir.path() / "root").string());
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(stat((dir.path() / "root").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  loop.stop();
}

}  // namespace
}  // namespace lwsmb::test
