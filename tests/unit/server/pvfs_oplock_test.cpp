// Oplocks of pvfs (MS-FSA 2.1.5.17, 2.1.5.18, 2.1.4.12): the per-file table on its own, then
// through the driver with real CREATE, FsControl and CLOSE IRPs.
#include "pvfs/pvfs_oplock.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "pvfs_fixture.hpp"

namespace lwsmb::server::pvfs {
namespace {

namespace ol = oplock_level;
const FileKey kFile{1, 7};
constexpr uint32_t kData = access::kReadData | access::kWriteData;

struct WaitIrp {
  std::array<std::byte, 1> out{};
  std::atomic<int> calls{0};
  std::atomic<NtStatus> status{NtStatus::Pending};
  IrpPtr irp;
  WaitIrp() {
    irp = std::make_shared<Irp>(FsControlArgs{oplock_fsctl::kWaitForBreak, {}, std::span(out)},
                                nullptr, [this](Irp& done) {
                                  status = done.status_block().status;
                                  ++calls;
                                });
  }
  uint8_t level() const { return std::to_integer<uint8_t>(out[0]); }
};

TEST(OplockTable, GrantsBatchToTheOnlyOpenAndLevelIIWithOthers) {
  OplockTable t;
  EXPECT_EQ(t.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
  // Someone holds Batch: a second open gets nothing.
  EXPECT_EQ(t.grant(kFile, 2, ol::kBatch, false, 1), ol::kNone);
  OplockTable u;
  EXPECT_EQ(u.grant(kFile, 1, ol::kExclusive, false, 1), ol::kLevelII);  // another open exists
  EXPECT_EQ(u.grant(kFile, 2, ol::kLevelII, false, 1), ol::kLevelII);
  EXPECT_EQ(u.grant(kFile, 3, ol::kNone, false, 2), ol::kNone);
  EXPECT_EQ(u.grant(kFile, 4, ol::kBatch, true, 0), ol::kNone);  // directories: never
  EXPECT_EQ(u.grant(kFile, 5, 0xFF, false, 0), ol::kNone);       // leases: not here
}

TEST(OplockTable, OpenBreaksBatchToLevelIIAndWaitsForTheAck) {
  OplockTable t;
  ASSERT_EQ(t.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
  WaitIrp w;
  t.wait_for_break(kFile, 1, w.irp);
  EXPECT_EQ(w.calls, 0);  // parked
  std::atomic<int> woken{0};
  uint64_t waiter = 0;
  EXPECT_TRUE(t.break_for_open(
      kFile, kData, false, false, [&] { ++woken; }, &waiter));
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.status, NtStatus::Success);
  EXPECT_EQ(w.level(), ol::kLevelII);
  EXPECT_TRUE(t.breaking(kFile, 1));
  EXPECT_EQ(t.waiter_count(kFile), 1u);
  // A second open meanwhile waits too.
  EXPECT_TRUE(t.break_for_open(
      kFile, kData, false, false, [&] { ++woken; }, nullptr));
  EXPECT_EQ(woken, 0);
  uint8_t held = 0xAA;
  EXPECT_EQ(t.acknowledge(kFile, 1, ol::kLevelII, &held), NtStatus::Success);
  EXPECT_EQ(held, ol::kLevelII);
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(t.level(kFile, 1), ol::kLevelII);
  // Now nothing blocks an open.
  EXPECT_FALSE(t.break_for_open(
      kFile, kData, false, false, [&] { ++woken; }, nullptr));
}

TEST(OplockTable, OverwriteBreaksToNone) {
  OplockTable t;
  ASSERT_EQ(t.grant(kFile, 1, ol::kExclusive, false, 0), ol::kExclusive);
  EXPECT_TRUE(t.break_for_open(
      kFile, kData, true, false, [] {}, nullptr));
  WaitIrp w;
  t.wait_for_break(kFile, 1, w.irp);  // the break came before the IRP: delivered at once
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.level(), ol::kNone);
  uint8_t held = 0xAA;
  // Level II is more than the break allows.
  EXPECT_EQ(t.acknowledge(kFile, 1, ol::kLevelII, &held), NtStatus::InvalidOplockProtocol);
  EXPECT_EQ(held, ol::kNone);
  EXPECT_EQ(t.level(kFile, 1), ol::kNone);
}

TEST(OplockTable, StatOpensAndShareConflictsBreakOnlyWhatWindowsBreaks) {
  OplockTable t;
  ASSERT_EQ(t.grant(kFile, 1, ol::kExclusive, false, 0), ol::kExclusive);
  const uint32_t stat = access::kReadAttributes | access::kSynchronize;
  EXPECT_FALSE(t.break_for_open(
      kFile, stat, false, false, [] {}, nullptr));
  EXPECT_FALSE(t.breaking(kFile, 1));
  // READ_CONTROL is more than a stat open.
  EXPECT_TRUE(t.break_for_open(
      kFile, stat | access::kReadControl, false, false, [] {}, nullptr));
  OplockTable u;
  ASSERT_EQ(u.grant(kFile, 1, ol::kExclusive, false, 0), ol::kExclusive);
  // An open that will fail the share check leaves Exclusive alone ...
  EXPECT_FALSE(u.break_for_open(
      kFile, kData, false, true, [] {}, nullptr));
  EXPECT_FALSE(u.breaking(kFile, 1));
  OplockTable b;
  ASSERT_EQ(b.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
  // ... but breaks Batch: its holder may close.
  EXPECT_TRUE(b.break_for_open(
      kFile, kData, false, true, [] {}, nullptr));
}

TEST(OplockTable, AckWithoutBreakAndBadLevels) {
  OplockTable t;
  uint8_t held = 0;
  EXPECT_EQ(t.acknowledge(kFile, 1, ol::kNone, &held), NtStatus::InvalidDeviceState);
  ASSERT_EQ(t.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
  EXPECT_EQ(t.acknowledge(kFile, 1, ol::kNone, &held), NtStatus::InvalidDeviceState);
  EXPECT_TRUE(t.break_for_open(
      kFile, kData, false, false, [] {}, nullptr));
  EXPECT_EQ(t.acknowledge(kFile, 1, ol::kBatch, &held), NtStatus::InvalidOplockProtocol);
  EXPECT_EQ(t.level(kFile, 1), ol::kNone);
  EXPECT_EQ(t.waiter_count(kFile), 0u);
}

TEST(OplockTable, CloseOfTheHolderWakesWaitersAndCancelsItsIrp) {
  OplockTable t;
  ASSERT_EQ(t.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
  int woken = 0;
  EXPECT_TRUE(t.break_for_open(
      kFile, kData, false, false, [&] { ++woken; }, nullptr));
  WaitIrp w;  // parked after the break was delivered... it holds nothing new to report
  t.wait_for_break(kFile, 1, w.irp);
  EXPECT_EQ(w.calls, 1);  // the undelivered break
  WaitIrp w2;
  t.wait_for_break(kFile, 1, w2.irp);
  EXPECT_EQ(w2.calls, 0);
  t.release(kFile, 1);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(w2.calls, 1);
  EXPECT_EQ(w2.status, NtStatus::Cancelled);
  EXPECT_EQ(t.waiter_count(kFile), 0u);
}

TEST(OplockTable, ParkedIrpIsCancellableAndNoOplockMeansNotGranted) {
  OplockTable t;
  WaitIrp none;
  t.wait_for_break(kFile, 9, none.irp);
  EXPECT_EQ(none.status, NtStatus::OplockNotGranted);
  ASSERT_EQ(t.grant(kFile, 1, ol::kLevelII, false, 0), ol::kLevelII);
  WaitIrp w;
  t.wait_for_break(kFile, 1, w.irp);
  EXPECT_EQ(w.calls, 0);
  w.irp->cancel();
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.status, NtStatus::Cancelled);
}

TEST(OplockTable, LevelIIBreaksToNoneWithoutWaiting) {
  OplockTable t;
  ASSERT_EQ(t.grant(kFile, 1, ol::kLevelII, false, 1), ol::kLevelII);
  ASSERT_EQ(t.grant(kFile, 2, ol::kLevelII, false, 1), ol::kLevelII);
  WaitIrp w1, w2;
  t.wait_for_break(kFile, 1, w1.irp);
  t.break_level2(kFile);
  EXPECT_EQ(w1.calls, 1);
  EXPECT_EQ(w1.level(), ol::kNone);
  t.wait_for_break(kFile, 2, w2.irp);  // delivered late
  EXPECT_EQ(w2.calls, 1);
  EXPECT_EQ(w2.level(), ol::kNone);
  EXPECT_EQ(t.level(kFile, 1), ol::kNone);
  // Nothing left: a later IRP learns that at once.
  WaitIrp w3;
  t.wait_for_break(kFile, 2, w3.irp);
  EXPECT_EQ(w3.status, NtStatus::OplockNotGranted);
}

TEST(OplockTable, ExpiredWaitTakesTheOplockAway) {
  OplockTable t;
  ASSERT_EQ(t.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
  int woken = 0;
  uint64_t id = 0;
  EXPECT_TRUE(t.break_for_open(
      kFile, kData, false, false, [&] { ++woken; }, &id));
  t.expire(kFile, id + 100);  // not a waiter: nothing happens
  EXPECT_TRUE(t.breaking(kFile, 1));
  t.expire(kFile, id);
  EXPECT_EQ(woken, 1);
  EXPECT_FALSE(t.breaking(kFile, 1));
  EXPECT_EQ(t.level(kFile, 1), ol::kNone);
  t.expire(kFile, id);  // again: no effect
  EXPECT_EQ(woken, 1);
}

TEST(OplockTable, ConcurrentBreaksAndAcksCompleteEverythingOnce) {
  for (int round = 0; round < 50; ++round) {
    OplockTable t;
    ASSERT_EQ(t.grant(kFile, 1, ol::kBatch, false, 0), ol::kBatch);
    WaitIrp w;
    t.wait_for_break(kFile, 1, w.irp);
    std::atomic<int> woken{0};
    std::thread breaker([&] {
      t.break_for_open(
          kFile, kData, false, false, [&] { ++woken; }, nullptr);
    });
    std::thread canceller([&] { w.irp->cancel(); });
    breaker.join();
    canceller.join();
    EXPECT_EQ(w.calls, 1);
    t.release(kFile, 1);
    EXPECT_LE(woken, 1);
  }
}

}  // namespace
}  // namespace lwsmb::server::pvfs

namespace lwsmb::test {
namespace {

namespace ol = oplock_level;

class PvfsOplockTest : public PvfsTest {
 protected:
  struct Created {
    std::promise<std::pair<IoStatusBlock, uint8_t>> done;
    std::shared_ptr<FileHandle> handle = std::make_shared<FileHandle>();
    IrpPtr irp;
  };
  // An asynchronous CREATE asking for an oplock; the future has its status and granted level.
  std::future<std::pair<IoStatusBlock, uint8_t>> create_async(const std::string& prefix,
                                                              const std::string& path,
                                                              uint8_t oplock, Created& c,
                                                              uint32_t share_mode = share::kAll) {
    CreateArgs a;
    a.path = prefix + "\\" + path;
    a.desired_access = access::kReadData | access::kWriteData;
    a.disposition = CreateDisposition::OpenIf;
    a.share_access = share_mode;
    a.requested_oplock = oplock;
    auto fut = c.done.get_future();
    auto h = c.handle;
    auto* cp = &c;
    c.irp = io.create_file(std::move(a), [cp, h](const IoStatusBlock& sb, FileHandle f) {
      *h = std::move(f);
      cp->done.set_value({sb, 0});
    });
    return fut;
  }
  static uint8_t granted(const Created& c) { return c.irp->args_as<CreateArgs>().granted_oplock; }
};

TEST_F(PvfsOplockTest, SecondOpenWaitsForTheBreakAcknowledgment) {
  Created first;
  auto f1 = create_async("\\pvfs", "f.txt", ol::kBatch, first);
  ASSERT_EQ(f1.get().first.status, NtStatus::Success);
  EXPECT_EQ(granted(first), ol::kBatch);

  std::array<std::byte, 1> level{};
  std::promise<NtStatus> broke;
  auto broke_fut = broke.get_future();
  io.call(*first.handle, FsControlArgs{oplock_fsctl::kWaitForBreak, {}, std::span(level)},
          [&](Irp& irp) { broke.set_value(irp.status_block().status); });

  Created second;
  auto f2 = create_async("\\pvfs", "f.txt", ol::kBatch, second);
  ASSERT_EQ(broke_fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(broke_fut.get(), NtStatus::Success);
  EXPECT_EQ(std::to_integer<uint8_t>(level[0]), ol::kLevelII);
  // The second CREATE is held until the holder answers.
  EXPECT_EQ(f2.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);

  std::array<std::byte, 1> in{std::byte{ol::kLevelII}}, out{};
  auto ack = io.fs_control(*first.handle, oplock_fsctl::kAcknowledge, in, out);
  EXPECT_EQ(ack.status, NtStatus::Success);
  EXPECT_EQ(std::to_integer<uint8_t>(out[0]), ol::kLevelII);
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f2.get().first.status, NtStatus::Success);
  EXPECT_EQ(granted(second), ol::kLevelII);

  // A write through the second open breaks the first's Level II to none, without waiting.
  std::promise<NtStatus> broke2;
  auto broke2_fut = broke2.get_future();
  io.call(*first.handle, FsControlArgs{oplock_fsctl::kWaitForBreak, {}, std::span(level)},
          [&](Irp& irp) { broke2.set_value(irp.status_block().status); });
  EXPECT_EQ(write(*second.handle, "x").status, NtStatus::Success);
  ASSERT_EQ(broke2_fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(broke2_fut.get(), NtStatus::Success);
  EXPECT_EQ(std::to_integer<uint8_t>(level[0]), ol::kNone);
  EXPECT_EQ(close(std::move(*first.handle)), NtStatus::Success);
  EXPECT_EQ(close(std::move(*second.handle)), NtStatus::Success);
}

TEST_F(PvfsOplockTest, HolderClosingLetsASharingOpenThrough) {
  Created first;
  auto f1 = create_async("\\pvfs", "g.txt", ol::kBatch, first, /*share*/ 0);
  ASSERT_EQ(f1.get().first.status, NtStatus::Success);
  Created second;
  auto f2 = create_async("\\pvfs", "g.txt", ol::kNone, second, 0);
  EXPECT_EQ(f2.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  EXPECT_EQ(close(std::move(*first.handle)), NtStatus::Success);
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f2.get().first.status, NtStatus::Success);  // the share check came after the break
  EXPECT_EQ(close(std::move(*second.handle)), NtStatus::Success);
}

TEST_F(PvfsOplockTest, UnansweredBreakTimesOut) {
  auto opts = server::PvfsOptions{};
  opts.root = root().string();
  opts.oplock_break_timeout_ms = 300;
  ASSERT_EQ(io.register_driver("\\quick", server::make_pvfs_driver(opts)), NtStatus::Success);
  Created first;
  auto f1 = create_async("\\quick", "h.txt", ol::kBatch, first, 0);
  ASSERT_EQ(f1.get().first.status, NtStatus::Success);
  EXPECT_EQ(granted(first), ol::kBatch);
  const auto start = std::chrono::steady_clock::now();
  Created second;
  auto f2 = create_async("\\quick", "h.txt", ol::kNone, second, share::kAll);
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  // The holder never answered: its oplock is gone, and its share mode still refuses the open.
  EXPECT_EQ(f2.get().first.status, NtStatus::SharingViolation);
  std::array<std::byte, 1> in{std::byte{ol::kNone}}, out{};
  EXPECT_EQ(io.fs_control(*first.handle, oplock_fsctl::kAcknowledge, in, out).status,
            NtStatus::InvalidDeviceState);
  EXPECT_EQ(close(std::move(*first.handle)), NtStatus::Success);
}

TEST_F(PvfsOplockTest, BadAcknowledgmentBuffers) {
  Created first;
  auto f1 = create_async("\\pvfs", "i.txt", ol::kBatch, first);
  ASSERT_EQ(f1.get().first.status, NtStatus::Success);
  std::array<std::byte, 2> two{};
  std::array<std::byte, 1> out{};
  EXPECT_EQ(io.fs_control(*first.handle, oplock_fsctl::kAcknowledge, two, out).status,
            NtStatus::InvalidParameter);
  EXPECT_EQ(io.fs_control(*first.handle, oplock_fsctl::kAcknowledge, {}, out).status,
            NtStatus::InvalidParameter);
  EXPECT_EQ(io.fs_control(*first.handle, oplock_fsctl::kWaitForBreak, {}, {}).status,
            NtStatus::BufferTooSmall);
  EXPECT_EQ(close(std::move(*first.handle)), NtStatus::Success);
}

}  // namespace
}  // namespace lwsmb::test
