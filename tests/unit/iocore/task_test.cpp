// Task<T> coroutines, the IRP awaitables and the socket operations of the event loop.
#include "lwsmb/iocore/task.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>

#include "test_drivers.hpp"

namespace lwsmb::test {
namespace {

Task<int> add_later(EventLoop& loop, int a, int b) {
  co_await loop.schedule();
  co_return a + b;
}

Task<void> sum_into(EventLoop& loop, std::promise<int>& out) {
  int x = co_await add_later(loop, 1, 2);
  int y = co_await add_later(loop, x, 10);
  out.set_value(y);
}

TEST(Task, ChainsAndReturnsValues) {
  IoManager io;
  std::promise<int> p;
  auto f = p.get_future();
  io.loop(0).post([&] { spawn(sum_into(io.loop(0), p)); });
  ASSERT_TRUE(ready_within(f));
  EXPECT_EQ(f.get(), 13);
}

Task<void> create_flush_close(IoManager& io, EventLoop& loop, std::promise<NtStatus>& out,
                              bool& resumed_on_loop) {
  CreateArgs args;
  args.path = "\\null\\x";
  auto [st, file] = co_await CreateAwaitable(io, std::move(args), loop);
  if (!nt_success(st.status)) {
    out.set_value(st.status);
    co_return;
  }
  IrpPtr irp;
  auto fl = co_await IrpAwaitable(io, file, FlushArgs{}, loop, &irp);
  resumed_on_loop = loop.in_loop_thread() && irp != nullptr;
  out.set_value(fl.status);
}

TEST(Task, AwaitsIrpsAndResumesOnTheCallersLoop) {
  IoManager io(IoManagerOptions{.workers = 2});
  auto drv = std::make_shared<NullDriver>();
  drv->status = NtStatus::EndOfFile;  // something a test can tell from success
  ASSERT_EQ(io.register_driver("\\null", drv), NtStatus::Success);
  std::promise<NtStatus> p;
  auto f = p.get_future();
  bool on_loop = false;
  io.loop(1).post([&] { spawn(create_flush_close(io, io.loop(1), p, on_loop)); });
  ASSERT_TRUE(ready_within(f));
  EXPECT_EQ(f.get(), NtStatus::EndOfFile);
  EXPECT_TRUE(on_loop);
}

TEST(EventLoopSockets, SendAndRecvThroughTheRing) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  EventLoop loop;
  loop.start();
  std::string msg = "hello ring";
  std::promise<int> sent, got;
  std::vector<std::byte> buf(64);
  loop.send(sv[0], std::as_bytes(std::span(msg)), [&](int r) { sent.set_value(r); });
  loop.recv(sv[1], buf, [&](int r) { got.set_value(r); });
  auto fs = sent.get_future();
  auto fg = got.get_future();
  ASSERT_TRUE(ready_within(fs));
  ASSERT_TRUE(ready_within(fg));
  EXPECT_EQ(fs.get(), static_cast<int>(msg.size()));
  int n = fg.get();
  ASSERT_EQ(n, static_cast<int>(msg.size()));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), n), msg);
  loop.stop();
  close(sv[0]);
  close(sv[1]);
}

TEST(EventLoopSockets, RecvSeesPeerClose) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  EventLoop loop;
  loop.start();
  std::vector<std::byte> buf(16);
  std::promise<int> got;
  loop.recv(sv[1], buf, [&](int r) { got.set_value(r); });
  close(sv[0]);
  auto fg = got.get_future();
  ASSERT_TRUE(ready_within(fg));
  EXPECT_EQ(fg.get(), 0);
  loop.stop();
  close(sv[1]);
}

}  // namespace
}  // namespace lwsmb::test
