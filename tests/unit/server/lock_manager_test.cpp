// Byte-range locks (MS-FSA 2.1.5.8, 2.1.5.9, 2.1.4.10): granting, waiting, cancel, unlock.
#include "pvfs/lock_manager.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

namespace lwsmb::server::pvfs {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr LockOwner kA = 1;
constexpr LockOwner kB = 2;
constexpr LockOwner kC = 3;
const FileKey kFile{1, 100};

// What the completion callback saw.
struct Outcome {
  std::atomic<int> calls{0};
  std::atomic<NtStatus> status{NtStatus::Pending};
};

struct LockRequest {
  IrpPtr irp;
  std::shared_ptr<Outcome> outcome;
  int calls() const { return outcome->calls.load(); }
  NtStatus status() const { return outcome->status.load(); }
};

LockRequest make_irp(LockControlArgs args, std::function<void()> also = nullptr) {
  auto outcome = std::make_shared<Outcome>();
  auto irp = std::make_shared<Irp>(args, /*file*/ nullptr, [outcome, also](Irp& done) {
    outcome->status = done.status_block().status;
    if (also) also();
    ++outcome->calls;  // last: a waiting test thread may go on as soon as it sees this
  });
  return {irp, outcome};
}

LockControlArgs lock_args(uint64_t offset, uint64_t length, bool exclusive, bool fail_now) {
  LockControlArgs a;
  a.operation = LockOperation::Lock;
  a.range = {offset, length, exclusive};
  a.fail_immediately = fail_now;
  return a;
}

// A fail-immediately lock; returns its completion status.
NtStatus try_lock(LockManager& m, LockOwner owner, uint64_t offset, uint64_t length, bool exclusive,
                  const FileKey& file = kFile) {
  auto req = make_irp(lock_args(offset, length, exclusive, true));
  m.lock(file, owner, req.irp);
  EXPECT_EQ(req.calls(), 1);
  return req.status();
}

// A waiting lock; the caller checks whether it completed.
LockRequest wait_lock(LockManager& m, LockOwner owner, uint64_t offset, uint64_t length,
                      bool exclusive, std::function<void()> also = nullptr) {
  auto req = make_irp(lock_args(offset, length, exclusive, false), std::move(also));
  m.lock(kFile, owner, req.irp);
  return req;
}

constexpr bool kEx = true;
constexpr bool kSh = false;

TEST(LockManager, SharedLocksCoexist) {
  LockManager m;
  EXPECT_EQ(try_lock(m, kA, 0, 10, kSh), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 5, 10, kSh), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kC, 0, 100, kSh), NtStatus::Success);
  EXPECT_EQ(m.lock_count(kFile), 3u);
}

TEST(LockManager, SharedAndExclusiveConflictAcrossOwners) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kSh), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 9, 1, kEx), NtStatus::LockNotGranted);
  EXPECT_EQ(try_lock(m, kB, 0, 10, kEx), NtStatus::LockNotGranted);
  ASSERT_EQ(try_lock(m, kA, 100, 10, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 105, 1, kSh), NtStatus::LockNotGranted);
  EXPECT_EQ(try_lock(m, kB, 95, 10, kEx), NtStatus::LockNotGranted);
  // Repeating the failed request gives the same status (no FILE_LOCK_CONFLICT rule).
  EXPECT_EQ(try_lock(m, kB, 95, 10, kEx), NtStatus::LockNotGranted);
  EXPECT_EQ(m.lock_count(kFile), 2u);
}

TEST(LockManager, SameOwnerStacking) {
  LockManager m;
  // smbtorture smb2.lock "stacking" and MS-FSA 2.1.4.10.
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kA, 0, 10, kSh), NtStatus::Success);         // shared on own exclusive
  EXPECT_EQ(try_lock(m, kA, 5, 10, kEx), NtStatus::LockNotGranted);  // exclusive on exclusive
  ASSERT_EQ(try_lock(m, kA, 100, 10, kSh), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kA, 100, 10, kSh), NtStatus::Success);         // shared on shared
  EXPECT_EQ(try_lock(m, kA, 100, 10, kEx), NtStatus::LockNotGranted);  // exclusive on shared
  EXPECT_EQ(m.lock_count(kFile), 4u);
}

TEST(LockManager, NonOverlappingRangesDoNotConflict) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 10, 10, kEx), NtStatus::Success);   // adjacent
  EXPECT_EQ(try_lock(m, kB, kMax, 1, kEx), NtStatus::Success);  // the very last byte
  EXPECT_EQ(try_lock(m, kC, 9, 2, kSh), NtStatus::LockNotGranted);
  // Different files never interact.
  EXPECT_EQ(try_lock(m, kC, 0, 10, kEx, FileKey{1, 101}), NtStatus::Success);
}

TEST(LockManager, ZeroLengthLocks) {
  LockManager m;
  // A zero-length lock at X > 0 has LastByte X - 1 (MS-FSA 2.1.4.10): it overlaps ranges that
  // hold both X - 1 and X.
  ASSERT_EQ(try_lock(m, kA, 5, 0, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 0, 10, kEx), NtStatus::LockNotGranted);
  EXPECT_EQ(try_lock(m, kB, 4, 2, kSh), NtStatus::LockNotGranted);
  EXPECT_EQ(try_lock(m, kB, 0, 5, kEx), NtStatus::Success);  // ends before 5
  EXPECT_EQ(try_lock(m, kB, 5, 5, kEx), NtStatus::Success);  // starts at 5
  EXPECT_EQ(try_lock(m, kC, 5, 0, kEx), NtStatus::Success);  // zero vs zero never overlaps
  // The {0, 0} range overlaps nothing, either way round.
  EXPECT_EQ(try_lock(m, kA, 0, 0, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kC, 0, 0, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kC, 0, 0, kEx), NtStatus::Success);

  LockManager n;
  ASSERT_EQ(try_lock(n, kA, 0, 10, kEx), NtStatus::Success);
  EXPECT_EQ(try_lock(n, kB, 5, 0, kEx), NtStatus::LockNotGranted);  // strictly inside
  EXPECT_EQ(try_lock(n, kB, 10, 0, kEx), NtStatus::Success);        // at the end: outside
  EXPECT_EQ(try_lock(n, kB, 0, 0, kEx), NtStatus::Success);
}

TEST(LockManager, WrappingRangeIsInvalid) {
  LockManager m;
  EXPECT_EQ(try_lock(m, kA, kMax, 2, kEx), NtStatus::InvalidLockRange);
  EXPECT_EQ(try_lock(m, kA, 2, kMax, kEx), NtStatus::InvalidLockRange);
  EXPECT_EQ(try_lock(m, kA, 1, kMax, kEx), NtStatus::Success);  // ends exactly at 2^64 - 1
  EXPECT_EQ(try_lock(m, kB, kMax, 0, kEx, FileKey{1, 101}), NtStatus::Success);
  EXPECT_EQ(m.unlock(kFile, kA, kMax, 2), NtStatus::InvalidLockRange);
  EXPECT_EQ(m.lock_count(kFile), 1u);
}

TEST(LockManager, UnlockNeedsAnExactMatch) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 10, 10, kEx), NtStatus::Success);
  EXPECT_EQ(m.unlock(kFile, kA, 10, 9), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.unlock(kFile, kA, 11, 9), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.unlock(kFile, kA, 0, 100), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.unlock(kFile, kB, 10, 10), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.unlock(FileKey{9, 9}, kA, 10, 10), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.unlock(kFile, kA, 10, 10), NtStatus::Success);
  EXPECT_EQ(m.unlock(kFile, kA, 10, 10), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.lock_count(kFile), 0u);
}

TEST(LockManager, UnlockPrefersTheExclusiveLock) {
  LockManager m;
  // MS-FSA 2.1.5.9: an exclusive match ends the search.
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  ASSERT_EQ(try_lock(m, kA, 0, 10, kSh), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 0, 10, kSh), NtStatus::LockNotGranted);
  EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::Success);
  EXPECT_EQ(try_lock(m, kB, 0, 10, kSh), NtStatus::Success);  // only shared left
  EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::Success);
  EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::RangeNotLocked);
}

TEST(LockManager, WaitingLockIsGrantedAfterUnlock) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  auto w = wait_lock(m, kB, 5, 10, kEx);
  EXPECT_EQ(w.calls(), 0);
  EXPECT_TRUE(w.irp->pending());
  EXPECT_EQ(m.waiter_count(kFile), 1u);
  EXPECT_EQ(m.check_io(kFile, kB, 5, 1, false), NtStatus::FileLockConflict);
  EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::Success);
  EXPECT_EQ(w.calls(), 1);
  EXPECT_EQ(w.status(), NtStatus::Success);
  EXPECT_EQ(m.waiter_count(kFile), 0u);
  EXPECT_EQ(m.lock_count(kFile), 1u);
  EXPECT_EQ(try_lock(m, kA, 14, 1, kSh), NtStatus::LockNotGranted);  // B holds it now
  w.irp->cancel();                                                   // too late: no effect
  EXPECT_EQ(w.calls(), 1);
  EXPECT_EQ(m.unlock(kFile, kB, 5, 10), NtStatus::Success);
}

TEST(LockManager, AllGrantableWaitersAreGranted) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 100, kEx), NtStatus::Success);
  auto s1 = wait_lock(m, kB, 0, 10, kSh);
  auto s2 = wait_lock(m, kC, 5, 10, kSh);
  auto x = wait_lock(m, kC, 50, 10, kEx);
  auto blocked = wait_lock(m, kB, 8, 1, kEx);  // blocked by the shared ones once granted
  EXPECT_EQ(m.waiter_count(kFile), 4u);
  EXPECT_EQ(m.unlock(kFile, kA, 0, 100), NtStatus::Success);
  EXPECT_EQ(s1.status(), NtStatus::Success);
  EXPECT_EQ(s2.status(), NtStatus::Success);
  EXPECT_EQ(x.status(), NtStatus::Success);
  EXPECT_EQ(blocked.calls(), 0);
  EXPECT_EQ(m.unlock(kFile, kC, 5, 10), NtStatus::Success);
  EXPECT_EQ(blocked.calls(), 0);  // B's own shared lock still blocks B's exclusive one
  EXPECT_EQ(m.unlock(kFile, kB, 0, 10), NtStatus::Success);
  EXPECT_EQ(blocked.status(), NtStatus::Success);
  EXPECT_EQ(m.waiter_count(kFile), 0u);
}

TEST(LockManager, WaitingLockCancelled) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  auto w = wait_lock(m, kB, 0, 10, kSh);
  ASSERT_EQ(w.calls(), 0);
  w.irp->cancel();
  EXPECT_EQ(w.calls(), 1);
  EXPECT_EQ(w.status(), NtStatus::Cancelled);
  EXPECT_EQ(m.waiter_count(kFile), 0u);
  EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::Success);
  EXPECT_EQ(w.calls(), 1);
  EXPECT_EQ(m.lock_count(kFile), 0u);
}

TEST(LockManager, CancelRequestedBeforeParking) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  auto req = make_irp(lock_args(0, 10, kEx, false));
  req.irp->cancel();
  m.lock(kFile, kB, req.irp);
  EXPECT_EQ(req.calls(), 1);
  EXPECT_EQ(req.status(), NtStatus::Cancelled);
  EXPECT_EQ(m.waiter_count(kFile), 0u);
}

TEST(LockManager, CompletionMayReenterTheManager) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  NtStatus inner = NtStatus::Pending;
  // On grant, B unlocks at once from inside its completion callback.
  auto w = wait_lock(m, kB, 0, 10, kEx, [&] { inner = m.unlock(kFile, kB, 0, 10); });
  auto c = wait_lock(m, kC, 0, 10, kEx, [&] { (void)m.lock_count(kFile); });
  EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::Success);
  EXPECT_EQ(w.status(), NtStatus::Success);
  EXPECT_EQ(inner, NtStatus::Success);
  EXPECT_EQ(c.status(), NtStatus::Success);  // granted by B's unlock
  EXPECT_EQ(m.lock_count(kFile), 1u);
  // A cancel routine's completion may re-enter too.
  auto d = wait_lock(m, kA, 0, 1, kSh, [&] { (void)try_lock(m, kA, 50, 1, kSh); });
  d.irp->cancel();
  EXPECT_EQ(d.status(), NtStatus::Cancelled);
  EXPECT_EQ(m.lock_count(kFile), 2u);
}

// Shifts the timing a little each round so that both sides win some of the races.
void delay(int round) {
  std::atomic<int> spin{0};
  while (spin.fetch_add(1, std::memory_order_relaxed) < (round % 50) * 40) {
  }
}

TEST(LockManager, CancelRacingWithUnlockCompletesExactlyOnce) {
  LockManager m;
  int granted = 0;
  int cancelled = 0;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
    auto w = wait_lock(m, kB, 0, 10, kEx);
    ASSERT_EQ(w.calls(), 0);
    std::barrier start(2);
    std::thread canceller([&] {
      start.arrive_and_wait();
      if (i % 2) delay(i);
      w.irp->cancel();
    });
    start.arrive_and_wait();
    if (i % 2 == 0) delay(i);
    EXPECT_EQ(m.unlock(kFile, kA, 0, 10), NtStatus::Success);
    canceller.join();
    ASSERT_EQ(w.calls(), 1);
    ASSERT_EQ(m.waiter_count(kFile), 0u);
    if (w.status() == NtStatus::Success) {
      ++granted;
      ASSERT_EQ(m.lock_count(kFile), 1u);
      ASSERT_EQ(m.unlock(kFile, kB, 0, 10), NtStatus::Success);
    } else {
      ASSERT_EQ(w.status(), NtStatus::Cancelled);
      ++cancelled;
      ASSERT_EQ(m.lock_count(kFile), 0u);
    }
  }
  EXPECT_EQ(granted + cancelled, 2000);
  // Which side wins is up to the scheduler; report it.
  RecordProperty("granted", granted);
  RecordProperty("cancelled", cancelled);
}

TEST(LockManager, ReleaseOwnerDropsLocksAndCancelsWaiters) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kB, 0, 10, kEx), NtStatus::Success);
  ASSERT_EQ(try_lock(m, kA, 20, 10, kEx), NtStatus::Success);
  ASSERT_EQ(try_lock(m, kA, 40, 10, kSh), NtStatus::Success);
  auto a_waits = wait_lock(m, kA, 0, 10, kEx);
  auto c_waits = wait_lock(m, kC, 20, 5, kEx);
  auto c_waits2 = wait_lock(m, kC, 0, 1, kSh);
  ASSERT_EQ(m.waiter_count(kFile), 3u);
  m.release_owner(kFile, kA);
  EXPECT_EQ(a_waits.calls(), 1);
  EXPECT_EQ(a_waits.status(), NtStatus::Cancelled);
  EXPECT_EQ(c_waits.status(), NtStatus::Success);
  EXPECT_EQ(c_waits2.calls(), 0);  // still blocked by B
  EXPECT_EQ(m.lock_count(kFile), 2u);
  EXPECT_EQ(m.unlock(kFile, kA, 40, 10), NtStatus::RangeNotLocked);
  EXPECT_EQ(m.check_io(kFile, kB, 40, 10, true), NtStatus::Success);
  a_waits.irp->cancel();
  EXPECT_EQ(a_waits.calls(), 1);
  m.release_owner(kFile, kB);
  EXPECT_EQ(c_waits2.status(), NtStatus::Success);
  m.release_owner(kFile, kC);
  EXPECT_EQ(m.lock_count(kFile), 0u);
  m.release_owner(FileKey{5, 5}, kC);  // unknown file: nothing to do
}

TEST(LockManager, CheckIoAgainstExclusiveLock) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kB, 5, 1, false), NtStatus::FileLockConflict);
  EXPECT_EQ(m.check_io(kFile, kB, 5, 1, true), NtStatus::FileLockConflict);
  EXPECT_EQ(m.check_io(kFile, kB, 9, 100, false), NtStatus::FileLockConflict);
  EXPECT_EQ(m.check_io(kFile, kA, 0, 10, false), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kA, 0, 10, true), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kB, 10, 10, true), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kB, 0, 0, true), NtStatus::Success);  // {0, 0}
  EXPECT_EQ(m.check_io(kFile, kB, 5, 0, true), NtStatus::FileLockConflict);
  EXPECT_EQ(m.check_io(kFile, kB, 5, kMax, false), NtStatus::FileLockConflict);  // clamped
  EXPECT_EQ(m.check_io(FileKey{2, 2}, kB, 0, 10, true), NtStatus::Success);
}

TEST(LockManager, CheckIoAgainstSharedLock) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 100, 10, kSh), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kB, 100, 10, false), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kA, 100, 10, false), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kB, 109, 5, true), NtStatus::FileLockConflict);
  EXPECT_EQ(m.check_io(kFile, kA, 105, 1, true), NtStatus::FileLockConflict);  // own shared
  EXPECT_EQ(m.check_io(kFile, kA, 110, 1, true), NtStatus::Success);
  EXPECT_EQ(m.check_io(kFile, kB, 90, 10, true), NtStatus::Success);
}

TEST(LockManager, LockControlOperationsThroughTheIrp) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
  ASSERT_EQ(try_lock(m, kA, 20, 10, kEx), NtStatus::Success);
  LockControlArgs unlock;
  unlock.operation = LockOperation::Unlock;
  unlock.range = {0, 10, true};
  auto u = make_irp(unlock);
  m.lock(kFile, kA, u.irp);
  EXPECT_EQ(u.status(), NtStatus::Success);
  auto u2 = make_irp(unlock);
  m.lock(kFile, kA, u2.irp);
  EXPECT_EQ(u2.status(), NtStatus::RangeNotLocked);
  auto w = wait_lock(m, kB, 20, 1, kSh);
  LockControlArgs all;
  all.operation = LockOperation::UnlockAll;
  auto ua = make_irp(all);
  m.lock(kFile, kA, ua.irp);
  EXPECT_EQ(ua.status(), NtStatus::Success);
  EXPECT_EQ(w.status(), NtStatus::Success);
  EXPECT_EQ(m.lock_count(kFile), 1u);

  auto outcome = std::make_shared<Outcome>();
  auto wrong = std::make_shared<Irp>(ReadArgs{}, nullptr, [outcome](Irp& done) {
    outcome->status = done.status_block().status;
    ++outcome->calls;
  });
  m.lock(kFile, kA, wrong);
  EXPECT_EQ(outcome->status.load(), NtStatus::InvalidParameter);
  m.lock(kFile, kA, nullptr);  // ignored
}

TEST(LockManager, UnlockAllKeepsWaiters) {
  LockManager m;
  ASSERT_EQ(try_lock(m, kB, 0, 10, kEx), NtStatus::Success);
  ASSERT_EQ(try_lock(m, kA, 20, 10, kEx), NtStatus::Success);
  auto w = wait_lock(m, kA, 0, 10, kSh);
  m.unlock_all(kFile, kA);
  EXPECT_EQ(w.calls(), 0);
  EXPECT_EQ(m.waiter_count(kFile), 1u);
  EXPECT_EQ(m.lock_count(kFile), 1u);
  m.unlock_all(kFile, kB);
  EXPECT_EQ(w.status(), NtStatus::Success);
}

TEST(LockManager, DestructionCancelsWaiters) {
  LockRequest w;
  {
    LockManager m;
    ASSERT_EQ(try_lock(m, kA, 0, 10, kEx), NtStatus::Success);
    w = wait_lock(m, kB, 0, 10, kEx);
    ASSERT_EQ(w.calls(), 0);
  }
  EXPECT_EQ(w.calls(), 1);
  EXPECT_EQ(w.status(), NtStatus::Cancelled);
  w.irp->cancel();  // the routine was removed: must not touch the dead manager
  EXPECT_EQ(w.calls(), 1);
}

TEST(LockManager, ConcurrentLockersKeepExclusion) {
  LockManager m;
  constexpr int kThreads = 6;
  constexpr int kRounds = 300;
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const LockOwner me = 100 + t;
      for (int i = 0; i < kRounds; ++i) {
        auto req = make_irp(lock_args(0, 10, kEx, false));
        m.lock(kFile, me, req.irp);
        if (i % 7 == 3) req.irp->cancel();  // a no-op when already granted
        while (req.calls() == 0) std::this_thread::yield();
        if (req.status() != NtStatus::Success) continue;
        if (++inside != 1) overlap = true;
        --inside;
        EXPECT_EQ(m.unlock(kFile, me, 0, 10), NtStatus::Success);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_EQ(m.lock_count(kFile), 0u);
  EXPECT_EQ(m.waiter_count(kFile), 0u);
}

}  // namespace
}  // namespace lwsmb::server::pvfs
