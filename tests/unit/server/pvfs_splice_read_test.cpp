// pvfs's zero-copy READ (ReadArgs::splice_pipe): the file's bytes land in the caller's pipe,
// with the same checks and end-of-file answers as a READ into a buffer.
#include <fcntl.h>
#include <unistd.h>

#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using PvfsSpliceRead = PvfsTest;

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
    ::fcntl(w, F_SETPIPE_SZ, 1 << 20);
  }
  ~Pipe() {
    ::close(r);
    ::close(w);
  }
  // Everything in the pipe now (without blocking).
  std::string drain() const {
    ::fcntl(r, F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(r, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
};

TEST_F(PvfsSpliceRead, FileBytesArriveInThePipe) {
  std::string big(600 * 1024, 'q');
  for (size_t i = 0; i < big.size(); i += 512) big[i] = static_cast<char>('a' + (i / 512) % 26);
  put("big", big);
  auto h = must_open("big", access::kGenericRead);
  Pipe p;
  auto sb = io.call(h, ReadArgs{{}, 4096, 0, p.w, 256 * 1024});
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 256u * 1024);
  EXPECT_EQ(p.drain(), big.substr(4096, 256 * 1024));
  // A read that runs past the end moves what there is.
  sb = io.call(h, ReadArgs{{}, big.size() - 100, 0, p.w, 65536});
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 100u);
  EXPECT_EQ(p.drain(), big.substr(big.size() - 100));
}

TEST_F(PvfsSpliceRead, EndOfFileAccessAndRangeChecks) {
  put("f", "abc");
  Pipe p;
  auto h = must_open("f", access::kGenericRead);
  EXPECT_EQ(io.call(h, ReadArgs{{}, 3, 0, p.w, 10}).status, NtStatus::EndOfFile);
  EXPECT_EQ(io.call(h, ReadArgs{{}, 1000, 0, p.w, 10}).status, NtStatus::EndOfFile);
  auto zero = io.call(h, ReadArgs{{}, 0, 0, p.w, 0});
  EXPECT_EQ(zero.status, NtStatus::Success);
  EXPECT_EQ(zero.information, 0u);
  EXPECT_EQ(io.call(h, ReadArgs{{}, ~uint64_t{0} - 4, 0, p.w, 10}).status,
            NtStatus::InvalidParameter);
  auto w = must_open("f", access::kWriteData);
  EXPECT_EQ(io.call(w, ReadArgs{{}, 0, 0, p.w, 3}).status, NtStatus::AccessDenied);
  EXPECT_EQ(p.drain(), "");
  // Not a pipe: the driver says so and the caller reads into a buffer instead.
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null_fd, 0);
  EXPECT_EQ(io.call(h, ReadArgs{{}, 0, 0, null_fd, 3}).status, NtStatus::NotSupported);
  ::close(null_fd);
}

}  // namespace
}  // namespace lwsmb::test
