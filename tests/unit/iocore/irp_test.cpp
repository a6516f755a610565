// The Irp contract: exactly-once completion, the cancel handshake, and their races.
#include "lwsmb/iocore/irp.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

namespace lwsmb {
namespace {

IrpPtr make_irp(std::atomic<int>& calls, NtStatus* seen = nullptr) {
  return std::make_shared<Irp>(FlushArgs{}, nullptr, [&calls, seen](Irp& irp) {
    ++calls;
    if (seen) *seen = irp.status_block().status;
  });
}

TEST(Irp, CompleteRunsCallbackOnceAndSetsStatus) {
  std::atomic<int> calls{0};
  NtStatus seen = NtStatus::Pending;
  auto irp = make_irp(calls, &seen);
  EXPECT_FALSE(irp->completed());
  EXPECT_EQ(irp->status_block().status, NtStatus::Pending);
  EXPECT_TRUE(irp->complete(NtStatus::EndOfFile, 12));
  EXPECT_FALSE(irp->complete(NtStatus::Success, 99));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, NtStatus::EndOfFile);
  EXPECT_TRUE(irp->completed());
  EXPECT_EQ(irp->status_block().status, NtStatus::EndOfFile);
  EXPECT_EQ(irp->status_block().information, 12u);
}

TEST(Irp, CancelRunsInstalledRoutine) {
  std::atomic<int> calls{0};
  auto irp = make_irp(calls);
  irp->mark_pending();
  EXPECT_TRUE(irp->pending());
  ASSERT_TRUE(irp->set_cancel_routine([](Irp& i) { i.complete(NtStatus::Cancelled); }));
  irp->cancel();
  EXPECT_TRUE(irp->cancel_requested());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(irp->status_block().status, NtStatus::Cancelled);
  EXPECT_FALSE(irp->clear_cancel_routine());  // cancel took it
}

TEST(Irp, CancelBeforeRoutineIsInstalled) {
  std::atomic<int> calls{0};
  auto irp = make_irp(calls);
  irp->cancel();  // nothing to run yet: only recorded
  EXPECT_TRUE(irp->cancel_requested());
  EXPECT_EQ(calls, 0);
  bool ran = false;
  EXPECT_FALSE(irp->set_cancel_routine([&ran](Irp&) { ran = true; }));
  irp->cancel();  // a second request must not run anything either
  EXPECT_FALSE(ran);
  EXPECT_TRUE(irp->complete(NtStatus::Cancelled));
  EXPECT_EQ(calls, 1);
}

TEST(Irp, ClearedRoutineDoesNotRun) {
  std::atomic<int> calls{0};
  auto irp = make_irp(calls);
  bool ran = false;
  ASSERT_TRUE(irp->set_cancel_routine([&ran](Irp&) { ran = true; }));
  EXPECT_TRUE(irp->clear_cancel_routine());
  irp->cancel();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(irp->complete(NtStatus::Success));
  EXPECT_EQ(calls, 1);
}

TEST(Irp, CompletionDropsCancelRoutineAndItsCaptures) {
  std::atomic<int> calls{0};
  auto irp = make_irp(calls);
  std::weak_ptr<Irp> weak = irp;
  // A routine holding the IRP itself would be a cycle if complete() kept it.
  ASSERT_TRUE(irp->set_cancel_routine([self = irp](Irp&) { self->complete(NtStatus::Cancelled); }));
  EXPECT_TRUE(irp->complete(NtStatus::Success));
  irp->cancel();
  EXPECT_EQ(irp->status_block().status, NtStatus::Success);
  irp.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(Irp, CallbackMayDropLastReference) {
  auto holder = std::make_shared<IrpPtr>();
  bool ran = false;
  *holder = std::make_shared<Irp>(FlushArgs{}, nullptr, [holder, &ran](Irp& irp) {
    holder->reset();  // the only owner goes away inside the callback
    ran = irp.status_block().status == NtStatus::Success;
  });
  IrpPtr raw = *holder;
  Irp* p = raw.get();
  raw.reset();
  EXPECT_TRUE(p->complete(NtStatus::Success));
  EXPECT_TRUE(ran);
  EXPECT_EQ(*holder, nullptr);
}

// Driver completion (and a late duplicate) against a caller's cancel, from two threads,
// many times. Even iterations follow the driver protocol (clear the routine, then complete);
// odd ones call complete() blindly to exercise the atomic claim itself.
TEST(Irp, CompleteCancelRace) {
  constexpr int kIterations = 20000;
  std::barrier sync(3);
  IrpPtr current;
  std::atomic<int> calls{0};
  std::atomic<int> wins{0};
  bool protocol = false;

  auto completer = [&] {
    for (int i = 0; i < kIterations; ++i) {
      sync.arrive_and_wait();
      if (!protocol || current->clear_cancel_routine()) {
        if (current->complete(NtStatus::EndOfFile, 5)) ++wins;
      }
      sync.arrive_and_wait();
    }
  };
  auto canceller = [&] {
    for (int i = 0; i < kIterations; ++i) {
      sync.arrive_and_wait();
      current->cancel();
      sync.arrive_and_wait();
    }
  };
  std::thread a(completer);
  std::thread b(canceller);
  int bad = 0;
  int cancelled = 0;
  for (int i = 0; i < kIterations; ++i) {
    calls = 0;
    wins = 0;
    protocol = (i % 2) == 0;
    current = std::make_shared<Irp>(FlushArgs{}, nullptr, [&calls](Irp&) { ++calls; });
    current->mark_pending();
    current->set_cancel_routine([&wins](Irp& irp) {
      if (irp.complete(NtStatus::Cancelled)) ++wins;
    });
    sync.arrive_and_wait();  // go
    sync.arrive_and_wait();  // both done
    NtStatus st = current->status_block().status;
    bool ok = calls == 1 && wins == 1 && current->completed() &&
              (st == NtStatus::EndOfFile || st == NtStatus::Cancelled) &&
              !current->complete(NtStatus::Success);
    if (!ok) ++bad;
    if (st == NtStatus::Cancelled) ++cancelled;
  }
  a.join();
  b.join();
  EXPECT_EQ(bad, 0);
  // Not asserted (scheduling decides), but shows both outcomes happened.
  RecordProperty("cancelled", cancelled);
}

}  // namespace
}  // namespace lwsmb
