// pvfs READ, WRITE, FLUSH and byte-range locks through the I/O manager.
#include <atomic>
#include <chrono>
#include <thread>

#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using CD = CreateDisposition;
using PvfsIo = PvfsTest;
using namespace std::chrono_literals;

// The basic READ and WRITE answers on a share in $TMPDIR and on a tmpfs (/dev/shm), where
// small requests take pvfs's inline path (pvfs_inline_io_test.cpp).
class PvfsIoOn : public PvfsTest, public ::testing::WithParamInterface<std::string> {
 protected:
  PvfsIoOn() : PvfsTest(GetParam()) {}
};
INSTANTIATE_TEST_SUITE_P(TmpdirAndTmpfs, PvfsIoOn, ::testing::Values("", "/dev/shm"));

TEST_P(PvfsIoOn, WriteThenReadAtOffsets) {
  auto h = must_open("f", access::kGenericAll, CD::Create);
  auto sb = write(h, "hello world");
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 11u);
  EXPECT_EQ(write(h, "WORLD", 6).information, 5u);
  EXPECT_EQ(read(h, 100, 0), "hello WORLD");
  EXPECT_EQ(read(h, 3, 2), "llo");
  EXPECT_EQ(get("f"), "hello WORLD");
  // A write past the end leaves a hole of zeros.
  EXPECT_EQ(write(h, "!", 15).status, NtStatus::Success);
  EXPECT_EQ(read(h, 100, 11), std::string("\0\0\0\0!", 5));
}

TEST_P(PvfsIoOn, ReadAtOrPastEndOfFile) {
  put("f", "abc");
  auto h = must_open("f", access::kGenericRead);
  IoStatusBlock sb;
  read(h, 10, 3, &sb);
  EXPECT_EQ(sb.status, NtStatus::EndOfFile);
  read(h, 10, 1000, &sb);
  EXPECT_EQ(sb.status, NtStatus::EndOfFile);
  // A short read at the end returns what there is.
  EXPECT_EQ(read(h, 10, 1, &sb), "bc");
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 2u);
  // Zero bytes is a success even past the end.
  read(h, 0, 1000, &sb);
  EXPECT_EQ(sb.status, NtStatus::Success);
}

TEST_F(PvfsIo, LargeReadIntoCallerBuffer) {
  std::string big(1 << 20, 'z');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  put("big", big);
  auto h = must_open("big", access::kGenericRead);
  EXPECT_EQ(read(h, big.size(), 0), big);
}

TEST_P(PvfsIoOn, AppendOnlyOpenWritesAtEnd) {
  put("log", "one");
  auto h = must_open("log", access::kAppendData | access::kReadData);
  EXPECT_EQ(write(h, "two", 0).status, NtStatus::Success);
  EXPECT_EQ(get("log"), "onetwo");
  // The end-of-file offset (all ones) appends for a full writer too.
  auto w = must_open("log", access::kGenericWrite);
  EXPECT_EQ(io.write_file(w, bytes("3"), ~uint64_t{0}).status, NtStatus::Success);
  EXPECT_EQ(get("log"), "onetwo3");
}

TEST_F(PvfsIo, DirectoryHasNoData) {
  fs::create_directory(root() / "d");
  auto h = must_open("d", access::kGenericAll, CD::Open, create_option::kDirectoryFile);
  IoStatusBlock sb;
  read(h, 4, 0, &sb);
  EXPECT_EQ(sb.status, NtStatus::InvalidDeviceRequest);
  EXPECT_EQ(write(h, "x").status, NtStatus::InvalidDeviceRequest);
}

TEST_F(PvfsIo, Flush) {
  auto h = must_open("f", access::kGenericAll, CD::Create);
  write(h, "data");
  EXPECT_EQ(io.flush_file(h).status, NtStatus::Success);
  auto r = must_open("f", access::kGenericRead);
  EXPECT_EQ(io.flush_file(r).status, NtStatus::AccessDenied);
}

TEST_F(PvfsIo, ClosedHandleIsRefused) {
  put("f", "x");
  auto h = must_open("f", access::kGenericRead);
  FileHandle copy(&io, h.object());  // a second reference to the same open
  EXPECT_EQ(close(std::move(h)), NtStatus::Success);
  IoStatusBlock sb;
  read(copy, 1, 0, &sb);
  EXPECT_EQ(sb.status, NtStatus::FileClosed);
  copy.release();
}

TEST_P(PvfsIoOn, LockConflictsWithReadAndWrite) {
  put("f", std::string(100, 'x'));
  auto a = must_open("f", access::kGenericAll);
  auto b = must_open("f", access::kGenericAll);
  ASSERT_EQ(io.lock_file(a, {10, 10, true}, true).status, NtStatus::Success);
  IoStatusBlock sb;
  read(b, 5, 12, &sb);
  EXPECT_EQ(sb.status, NtStatus::FileLockConflict);
  EXPECT_EQ(write(b, "y", 19).status, NtStatus::FileLockConflict);
  // Outside the range, and for the owner, I/O passes.
  EXPECT_EQ(write(b, "y", 20).status, NtStatus::Success);
  read(a, 5, 12, &sb);
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(write(a, "y", 12).status, NtStatus::Success);
  // A second exclusive lock fails at once.
  EXPECT_EQ(io.lock_file(b, {15, 1, true}, true).status, NtStatus::LockNotGranted);
  // Shared lock: reads pass for others, writes do not.
  ASSERT_EQ(io.lock_file(a, {50, 10, false}, true).status, NtStatus::Success);
  read(b, 5, 50, &sb);
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(write(b, "y", 55).status, NtStatus::FileLockConflict);
  EXPECT_EQ(io.unlock_file(a, {10, 10, true}).status, NtStatus::Success);
  EXPECT_EQ(write(b, "y", 15).status, NtStatus::Success);
  EXPECT_EQ(io.unlock_file(a, {10, 10, true}).status, NtStatus::RangeNotLocked);
}

TEST_F(PvfsIo, WaitingLockGrantedAfterUnlock) {
  put("f", "x");
  auto a = must_open("f", access::kGenericAll);
  auto b = must_open("f", access::kGenericAll);
  ASSERT_EQ(io.lock_file(a, {0, 10, true}, true).status, NtStatus::Success);
  std::atomic<bool> done{false};
  NtStatus status = NtStatus::Pending;
  auto irp = io.call(b, LockControlArgs{LockOperation::Lock, {0, 10, true}, false, 0}, [&](Irp& i) {
    status = i.status_block().status;
    done = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(done.load());
  EXPECT_EQ(io.unlock_file(a, {0, 10, true}).status, NtStatus::Success);
  for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(done.load());
  EXPECT_EQ(status, NtStatus::Success);
  // Now b holds it.
  EXPECT_EQ(write(a, "y", 0).status, NtStatus::FileLockConflict);
}

TEST_F(PvfsIo, WaitingLockCancelled) {
  put("f", "x");
  auto a = must_open("f", access::kGenericAll);
  auto b = must_open("f", access::kGenericAll);
  ASSERT_EQ(io.lock_file(a, {0, 10, true}, true).status, NtStatus::Success);
  std::atomic<bool> done{false};
  NtStatus status = NtStatus::Pending;
  auto irp = io.call(b, LockControlArgs{LockOperation::Lock, {5, 1, true}, false, 0}, [&](Irp& i) {
    status = i.status_block().status;
    done = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(done.load());
  irp->cancel();
  for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(done.load());
  EXPECT_EQ(status, NtStatus::Cancelled);
}

TEST_F(PvfsIo, CloseReleasesLocks) {
  put("f", "x");
  auto a = must_open("f", access::kGenericAll);
  auto b = must_open("f", access::kGenericAll);
  ASSERT_EQ(io.lock_file(a, {0, 10, true}, true).status, NtStatus::Success);
  EXPECT_EQ(write(b, "y", 0).status, NtStatus::FileLockConflict);
  close(std::move(a));
  EXPECT_EQ(write(b, "y", 0).status, NtStatus::Success);
  EXPECT_EQ(io.lock_file(b, {0, 10, true}, true).status, NtStatus::Success);
}

TEST_F(PvfsIo, LockNeedsDataAccess) {
  put("f", "x");
  auto h = must_open("f", access::kReadAttributes);
  EXPECT_EQ(io.lock_file(h, {0, 1, true}, true).status, NtStatus::AccessDenied);
}

}  // namespace
}  // namespace lwsmb::test
