// pvfs waiting byte-range locks and closes: what srv's async LOCK relies on (MS-FSA 2.1.5.4,
// 2.1.5.8; MS-SMB2 3.3.5.14).
#include <atomic>
#include <chrono>
#include <thread>

#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using PvfsLockWait = PvfsTest;
using namespace std::chrono_literals;

struct Waiting {
  std::atomic<bool> done{false};
  std::atomic<NtStatus> status{NtStatus::Pending};
  IrpPtr irp;

  void start(IoManager& io, const FileHandle& h, LockRange range) {
    irp = io.call(h, LockControlArgs{LockOperation::Lock, range, false, 0}, [this](Irp& i) {
      status = i.status_block().status;
      done = true;
    });
  }
  bool wait() {
    for (int i = 0; i < 400 && !done; ++i) std::this_thread::sleep_for(5ms);
    return done.load();
  }
};

// srv answers a waiting LOCK whose own handle closes with STATUS_RANGE_NOT_LOCKED: pvfs must
// complete the IRP (cancelled), not leave it parked.
TEST_F(PvfsLockWait, ClosingTheWaitersHandleCompletesItsLock) {
  put("f", "x");
  auto a = must_open("f");
  auto b = must_open("f");
  ASSERT_EQ(io.lock_file(a, {100, 10, true}, true).status, NtStatus::Success);
  Waiting w;
  w.start(io, b, {100, 10, true});
  std::this_thread::sleep_for(20ms);
  ASSERT_FALSE(w.done.load());
  EXPECT_TRUE(w.irp->pending());
  EXPECT_EQ(close(std::move(b)), NtStatus::Success);
  ASSERT_TRUE(w.wait());
  EXPECT_EQ(w.status.load(), NtStatus::Cancelled);
  // The holder's lock is untouched.
  auto c = must_open("f");
  EXPECT_EQ(io.lock_file(c, {100, 10, true}, true).status, NtStatus::LockNotGranted);
}

// Closing the holder grants the waiter (smbtorture lock.cancel-logoff: logoff closes both).
TEST_F(PvfsLockWait, ClosingTheHolderGrantsTheWaiter) {
  put("f", "x");
  auto a = must_open("f");
  auto b = must_open("f");
  ASSERT_EQ(io.lock_file(a, {100, 10, true}, true).status, NtStatus::Success);
  Waiting w;
  w.start(io, b, {100, 10, true});
  std::this_thread::sleep_for(20ms);
  ASSERT_FALSE(w.done.load());
  EXPECT_EQ(close(std::move(a)), NtStatus::Success);
  ASSERT_TRUE(w.wait());
  EXPECT_EQ(w.status.load(), NtStatus::Success);
  EXPECT_EQ(write(b, "y", 100).status, NtStatus::Success);
}

// A cancel that wins against nothing (the lock was granted at once) changes nothing.
TEST_F(PvfsLockWait, CancelAfterGrantIsHarmless) {
  put("f", "x");
  auto a = must_open("f");
  Waiting w;
  w.start(io, a, {0, 1, true});
  ASSERT_TRUE(w.wait());
  EXPECT_EQ(w.status.load(), NtStatus::Success);
  w.irp->cancel();
  EXPECT_EQ(w.irp->status_block().status, NtStatus::Success);
  auto b = must_open("f");
  EXPECT_EQ(io.lock_file(b, {0, 1, false}, true).status, NtStatus::LockNotGranted);
}

// Waiters are granted in arrival order once compatible: two shared waiters behind one
// exclusive lock are both granted by its unlock.
TEST_F(PvfsLockWait, SharedWaitersAreGrantedTogether) {
  put("f", "x");
  auto a = must_open("f");
  auto b = must_open("f");
  auto c = must_open("f");
  ASSERT_EQ(io.lock_file(a, {0, 10, true}, true).status, NtStatus::Success);
  Waiting wb, wc;
  wb.start(io, b, {0, 10, false});
  wc.start(io, c, {5, 10, false});
  std::this_thread::sleep_for(20ms);
  ASSERT_FALSE(wb.done.load());
  ASSERT_FALSE(wc.done.load());
  EXPECT_EQ(io.unlock_file(a, {0, 10, true}).status, NtStatus::Success);
  ASSERT_TRUE(wb.wait());
  ASSERT_TRUE(wc.wait());
  EXPECT_EQ(wb.status.load(), NtStatus::Success);
  EXPECT_EQ(wc.status.load(), NtStatus::Success);
  // Shared locks block writes, the owners' own included (MS-FSA 2.1.4.10).
  EXPECT_EQ(write(b, "y", 0).status, NtStatus::FileLockConflict);
}

}  // namespace
}  // namespace lwsmb::test
