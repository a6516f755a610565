// The server's data-path helpers: IoBuffer (recycled, uninitialised buffers) and the pool of
// splice pipes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "srv/io_buffer.hpp"
#include "srv/splice_pipe.hpp"

namespace lwsmb::server {
namespace {

TEST(IoBuffer, SizesMovesAndShrinks) {
  IoBuffer empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.span().size(), 0u);
  IoBuffer b(1000);
  EXPECT_EQ(b.size(), 1000u);
  std::memset(b.data(), 7, b.size());
  b.shrink(10);
  EXPECT_EQ(b.size(), 10u);
  b.shrink(20);  // never grows
  EXPECT_EQ(b.size(), 10u);
  IoBuffer moved(std::move(b));
  EXPECT_EQ(moved.size(), 10u);
  EXPECT_EQ(std::to_integer<int>(moved.data()[9]), 7);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  IoBuffer assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 10u);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(IoBuffer, LargeBuffersAreRecycledOnTheirThread) {
  // Run on a fresh thread so that the pool starts empty.
  std::thread([] {
    const std::byte* first;
    {
      IoBuffer a(1 << 20);
      first = a.data();
    }
    IoBuffer again(1 << 20);
    EXPECT_EQ(again.data(), first);  // the same memory, no fresh pages
    IoBuffer smaller(300 * 1024);    // fits in no kept buffer (the one kept is in use): new
    EXPECT_NE(smaller.data(), first);
    const std::byte* s = smaller.data();
    smaller = IoBuffer();
    IoBuffer fits(200 * 1024);  // the smallest kept buffer that fits
    EXPECT_EQ(fits.data(), s);
    EXPECT_EQ(fits.size(), 200u * 1024);
  }).join();
}

TEST(SplicePipe, PoolGivesFullSizeEmptyPipes) {
  std::thread([] {
    EXPECT_EQ(take_splice_pipe((8u << 20) + 1), nullptr);  // beyond a READ: read into a buffer
    auto p = take_splice_pipe(1 << 20);
    ASSERT_NE(p, nullptr);
    EXPECT_GE(p->capacity, 1u << 20);
    const int fd = p->read_end.get();
    return_splice_pipe(std::move(p), true);
    auto again = take_splice_pipe(65536);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->read_end.get(), fd);  // reused
    // A pipe that still holds data is closed, not reused.
    ASSERT_EQ(::write(again->write_end.get(), "x", 1), 1);
    return_splice_pipe(std::move(again), false);
    auto fresh = take_splice_pipe(65536);
    ASSERT_NE(fresh, nullptr);
    char c;
    ::fcntl(fresh->read_end.get(), F_SETFL, O_NONBLOCK);
    EXPECT_LT(::read(fresh->read_end.get(), &c, 1), 0);  // empty
  }).join();
}

}  // namespace
}  // namespace lwsmb::server
