// The I/O manager: prefix routing, sync and async calls, pending/cancel, close and RAII.
#include "lwsmb/iocore/io_manager.hpp"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "iocore/test_drivers.hpp"
#include "test_util.hpp"

namespace lwsmb {
namespace {

using test::NullDriver;
using test::ready_within;

CreateArgs create_args(std::string path) {
  CreateArgs a;
  a.path = std::move(path);
  a.desired_access = access::kFileGenericRead;
  a.share_access = share::kAll;
  return a;
}

TEST(IoManager, RejectsMalformedPrefixes) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  EXPECT_EQ(io.register_driver("", d), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(io.register_driver("\\", d), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(io.register_driver("pvfs", d), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(io.register_driver("\\pvfs\\x", d), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(io.register_driver("\\pvfs\\", d), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(io.register_driver("\\pvfs", nullptr), NtStatus::InvalidParameter);
  EXPECT_FALSE(d->attached);
  EXPECT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  EXPECT_TRUE(d->attached);
}

TEST(IoManager, DuplicatePrefixIgnoringCase) {
  IoManager io;
  EXPECT_EQ(io.register_driver("\\pvfs", std::make_shared<NullDriver>()), NtStatus::Success);
  EXPECT_EQ(io.register_driver("\\PVFS", std::make_shared<NullDriver>()),
            NtStatus::ObjectNameCollision);
  EXPECT_EQ(io.register_driver("\\npfs", std::make_shared<NullDriver>()), NtStatus::Success);
  io.unregister_driver("\\PvFs");
  EXPECT_EQ(io.route("\\pvfs\\a").first, nullptr);
  EXPECT_EQ(io.register_driver("\\pvfs", std::make_shared<NullDriver>()), NtStatus::Success);
}

TEST(IoManager, RoutesByWholeFirstComponent) {
  IoManager io;
  auto pvfs = std::make_shared<NullDriver>();
  auto pv = std::make_shared<NullDriver>();
  ASSERT_EQ(io.register_driver("\\pvfs", pvfs), NtStatus::Success);
  ASSERT_EQ(io.register_driver("\\pv", pv), NtStatus::Success);

  auto [d1, rest1] = io.route("\\pvfs\\a\\b");
  EXPECT_EQ(d1, pvfs);
  EXPECT_EQ(rest1, "a\\b");
  auto [d2, rest2] = io.route("\\pvfs");
  EXPECT_EQ(d2, pvfs);
  EXPECT_EQ(rest2, "");
  auto [d3, rest3] = io.route("\\PVFS\\Etc\\Hosts");
  EXPECT_EQ(d3, pvfs);
  EXPECT_EQ(rest3, "Etc\\Hosts");  // the rest keeps its case
  auto [d4, rest4] = io.route("\\pv\\x");
  EXPECT_EQ(d4, pv);
  EXPECT_EQ(rest4, "x");

  EXPECT_EQ(io.route("\\pvfsx\\a").first, nullptr);
  EXPECT_EQ(io.route("\\pvf").first, nullptr);
  EXPECT_EQ(io.route("pvfs\\a").first, nullptr);
  EXPECT_EQ(io.route("").first, nullptr);
  EXPECT_EQ(io.route("\\").first, nullptr);
}

TEST(IoManager, CreateStripsPrefixAndKeepsFullPath) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  IoStatusBlock iosb;
  auto h = io.create_file(create_args("\\PVFS\\etc\\hosts"), &iosb);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(*h);
  EXPECT_EQ(iosb.status, NtStatus::Success);
  EXPECT_EQ(iosb.information, static_cast<uint64_t>(CreateAction::Opened));
  EXPECT_EQ(d->last_create_path, "etc\\hosts");
  EXPECT_EQ(d->last_file_path, "\\PVFS\\etc\\hosts");
  EXPECT_EQ(&h->object()->driver(), d.get());
}

TEST(IoManager, UnknownPrefixSync) {
  IoManager io;
  ASSERT_EQ(io.register_driver("\\pvfs", std::make_shared<NullDriver>()), NtStatus::Success);
  IoStatusBlock iosb;
  auto h = io.create_file(create_args("\\nope\\x"), &iosb);
  EXPECT_FALSE(h.ok());
  EXPECT_EQ(h.status(), NtStatus::ObjectPathNotFound);
  EXPECT_EQ(iosb.status, NtStatus::ObjectPathNotFound);
  EXPECT_EQ(io.create_file(create_args("relative\\x")).status(), NtStatus::ObjectPathNotFound);
}

TEST(IoManager, UnknownPrefixAsyncCompletesOnce) {
  IoManager io;
  int calls = 0;
  NtStatus st = NtStatus::Pending;
  bool had_handle = true;
  auto irp = io.create_file(create_args("\\nope"), [&](const IoStatusBlock& sb, FileHandle h) {
    ++calls;
    st = sb.status;
    had_handle = static_cast<bool>(h);
  });
  ASSERT_NE(irp, nullptr);
  EXPECT_TRUE(irp->completed());
  EXPECT_FALSE(irp->complete(NtStatus::Success));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(st, NtStatus::ObjectPathNotFound);
  EXPECT_FALSE(had_handle);
}

TEST(IoManager, FailedCreateGivesNoHandle) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  d->create_status = NtStatus::ObjectNameNotFound;
  ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  auto h = io.create_file(create_args("\\pvfs\\missing"));
  EXPECT_EQ(h.status(), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(d->count(IrpType::Close), 0u);  // nothing was opened, nothing to close
}

TEST(IoManager, TypedHelpersBuildTheRightIrps) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  d->information = 7;
  ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  auto h = io.create_file(create_args("\\pvfs\\f"));
  ASSERT_TRUE(h.ok());
  const FileHandle& f = *h;

  std::vector<std::byte> buf(8);
  IoStatusBlock sb = io.read_file(f, buf, 100);
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 7u);
  ASSERT_TRUE(std::holds_alternative<ReadArgs>(d->last_args));
  EXPECT_EQ(std::get<ReadArgs>(d->last_args).offset, 100u);
  EXPECT_EQ(std::get<ReadArgs>(d->last_args).buffer.data(), buf.data());

  io.lock_file(f, LockRange{10, 20, false}, false, 3);
  ASSERT_TRUE(std::holds_alternative<LockControlArgs>(d->last_args));
  auto lock = std::get<LockControlArgs>(d->last_args);
  EXPECT_EQ(lock.operation, LockOperation::Lock);
  EXPECT_EQ(lock.range.offset, 10u);
  EXPECT_EQ(lock.range.length, 20u);
  EXPECT_FALSE(lock.range.exclusive);
  EXPECT_FALSE(lock.fail_immediately);
  EXPECT_EQ(lock.key, 3u);

  io.unlock_file(f, LockRange{10, 20, true});
  EXPECT_EQ(std::get<LockControlArgs>(d->last_args).operation, LockOperation::Unlock);

  io.query_directory(f, FileInfoClass::IdBothDirectory, "*.txt",
                     query_directory_flag::kRestartScans, buf);
  ASSERT_TRUE(std::holds_alternative<QueryDirectoryArgs>(d->last_args));
  EXPECT_EQ(std::get<QueryDirectoryArgs>(d->last_args).pattern, "*.txt");
  EXPECT_EQ(std::get<QueryDirectoryArgs>(d->last_args).info_class, FileInfoClass::IdBothDirectory);

  io.write_file(f, test::bytes("x"), 0);
  io.flush_file(f);
  io.query_information(f, FileInfoClass::Basic, buf);
  io.set_information(f, FileInfoClass::Basic, test::bytes("12345678"));
  io.query_volume_information(f, FsInfoClass::Size, buf);
  io.device_io_control(f, 1, {}, buf);
  io.fs_control(f, 2, {}, buf);
  io.query_security(f, 4, buf);
  io.set_security(f, 4, test::bytes("sd"));
  for (IrpType t :
       {IrpType::Write, IrpType::Flush, IrpType::QueryInformation, IrpType::SetInformation,
        IrpType::QueryVolumeInformation, IrpType::DeviceIoControl, IrpType::FsControl,
        IrpType::QuerySecurity, IrpType::SetSecurity}) {
    EXPECT_EQ(d->count(t), 1u) << irp_type_name(t);
  }
}

TEST(IoManager, CallRejectsEmptyHandleAndMisroutedArgs) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  FileHandle empty;
  EXPECT_EQ(io.flush_file(empty).status, NtStatus::InvalidHandle);
  EXPECT_EQ(io.close_file(FileHandle()).status, NtStatus::InvalidHandle);
  auto h = io.create_file(create_args("\\pvfs\\f"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(io.call(*h, CloseArgs{}).status, NtStatus::InvalidParameter);
  EXPECT_EQ(d->count(IrpType::Close), 0u);
}

TEST(IoManager, AsyncPendingCompletesFromLoop) {
  IoManager io;
  ASSERT_EQ(io.register_driver("\\slow", std::make_shared<test::PendingDriver>()),
            NtStatus::Success);
  auto h = io.create_file(create_args("\\slow\\f"));
  ASSERT_TRUE(h.ok());
  std::promise<std::pair<IoStatusBlock, bool>> p;
  auto f = p.get_future();
  EventLoop& loop = h->object()->loop();
  auto irp = io.call(*h, FlushArgs{}, [&](Irp& irp) {
    p.set_value({irp.status_block(), loop.in_loop_thread()});
  });
  EXPECT_TRUE(irp->pending());
  ASSERT_TRUE(ready_within(f));
  auto [sb, on_loop] = f.get();
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 42u);
  EXPECT_TRUE(on_loop);
}

TEST(IoManager, SyncCallWaitsForPendingIrp) {
  IoManager io(IoManagerOptions{.workers = 2});
  auto slow = std::make_shared<test::PendingDriver>();
  ASSERT_EQ(io.register_driver("\\slow", slow), NtStatus::Success);
  auto h = io.create_file(create_args("\\slow\\f"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(io.flush_file(*h).information, 42u);  // completed from the loop
  slow->use_thread = true;
  EXPECT_EQ(io.flush_file(*h).information, 42u);  // completed from another thread
}

TEST(IoManager, CancelPendingIrp) {
  IoManager io;
  auto parking = std::make_shared<test::ParkingDriver>();
  ASSERT_EQ(io.register_driver("\\park", parking), NtStatus::Success);
  auto h = io.create_file(create_args("\\park\\f"));
  ASSERT_TRUE(h.ok());
  int calls = 0;
  NtStatus st = NtStatus::Pending;
  auto irp = io.call(*h, FlushArgs{}, [&](Irp& i) {
    ++calls;
    st = i.status_block().status;
  });
  EXPECT_TRUE(irp->pending());
  EXPECT_FALSE(irp->completed());
  EXPECT_EQ(calls, 0);
  irp->cancel();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(st, NtStatus::Cancelled);
  // The driver's own late completion is a no-op.
  IrpPtr parked = parking->take();
  ASSERT_EQ(parked, irp);
  EXPECT_FALSE(parked->clear_cancel_routine());
  EXPECT_FALSE(parked->complete(NtStatus::Success));
  EXPECT_EQ(calls, 1);
}

TEST(IoManager, CloseThenCallFails) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  auto h = io.create_file(create_args("\\pvfs\\f"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(d->live_contexts, 1);
  FileHandle alias(&io, h->object());  // a second view of the same open
  EXPECT_EQ(io.close_file(std::move(*h)).status, NtStatus::Success);
  EXPECT_EQ(d->count(IrpType::Close), 1u);
  EXPECT_EQ(d->live_contexts, 0);  // context dropped after CLOSE
  EXPECT_TRUE(alias.object()->closed());
  EXPECT_EQ(io.flush_file(alias).status, NtStatus::FileClosed);
  EXPECT_EQ(io.close_file(std::move(alias)).status, NtStatus::FileClosed);
  EXPECT_EQ(d->count(IrpType::Close), 1u);
  EXPECT_EQ(d->count(IrpType::Flush), 0u);
}

TEST(IoManager, HandleDestructorClosesFile) {
  IoManager io;
  auto d = std::make_shared<NullDriver>();
  ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
  {
    auto h = io.create_file(create_args("\\pvfs\\a"));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(d->count(IrpType::Close), 0u);
  }
  EXPECT_EQ(d->count(IrpType::Close), 1u);
  EXPECT_EQ(d->live_contexts, 0);

  // Move-assignment closes the open it replaces.
  auto a = io.create_file(create_args("\\pvfs\\a"));
  auto b = io.create_file(create_args("\\pvfs\\b"));
  ASSERT_TRUE(a.ok() && b.ok());
  FileObjectPtr first = a->object();
  *a = std::move(*b);
  EXPECT_TRUE(first->closed());
  EXPECT_EQ(d->count(IrpType::Close), 2u);
  EXPECT_EQ(a->object()->path(), "\\pvfs\\b");

  // An async create whose caller drops the handle closes it too.
  io.create_file(create_args("\\pvfs\\c"), IoManager::CreateCompletion{});
  EXPECT_EQ(d->count(IrpType::Close), 3u);
}

TEST(IoManager, SyncCallOnLoopThreadFailsInsteadOfDeadlocking) {
  IoManager io;
  ASSERT_EQ(io.register_driver("\\pvfs", std::make_shared<NullDriver>()), NtStatus::Success);
  auto h = io.create_file(create_args("\\pvfs\\f"));
  ASSERT_TRUE(h.ok());
  std::promise<std::pair<NtStatus, NtStatus>> p;
  auto f = p.get_future();
  io.loop(0).post([&] {
    p.set_value({io.flush_file(*h).status, io.create_file(create_args("\\pvfs\\g")).status()});
  });
  ASSERT_TRUE(ready_within(f));
  auto [call_st, create_st] = f.get();
  EXPECT_EQ(call_st, NtStatus::InternalError);
  EXPECT_EQ(create_st, NtStatus::InternalError);
}

TEST(IoManager, LoopsAreAssignedRoundRobin) {
  IoManager io(IoManagerOptions{.workers = 3});
  EXPECT_EQ(io.loop_count(), 3u);
  std::set<EventLoop*> seen;
  for (int i = 0; i < 3; ++i) seen.insert(&io.next_loop());
  EXPECT_EQ(seen.size(), 3u);
  IoManager zero(IoManagerOptions{.workers = 0});
  EXPECT_EQ(zero.loop_count(), 1u);
}

TEST(IoManager, ShutdownReachesDrivers) {
  auto d = std::make_shared<NullDriver>();
  auto retired = std::make_shared<NullDriver>();
  {
    IoManager io;
    ASSERT_EQ(io.register_driver("\\pvfs", d), NtStatus::Success);
    ASSERT_EQ(io.register_driver("\\old", retired), NtStatus::Success);
    io.unregister_driver("\\old");
    EXPECT_FALSE(d->shut_down);
  }
  EXPECT_TRUE(d->shut_down);
  EXPECT_TRUE(retired->shut_down);
}

TEST(IoManager, ReadsRealFileThroughTheRing) {
  test::TempDir dir;
  dir.write("etc/hosts", "127.0.0.1 localhost\n");
  IoManager io(IoManagerOptions{.workers = 2});
  ASSERT_EQ(io.register_driver("\\pvfs", std::make_shared<test::FileReadDriver>(dir.path())),
            NtStatus::Success);
  auto h = io.create_file(create_args("\\pvfs\\etc\\hosts"));
  ASSERT_TRUE(h.ok());
  std::vector<std::byte> buf(64);
  IoStatusBlock sb = io.read_file(*h, buf, 0);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), sb.information),
            "127.0.0.1 localhost\n");
  EXPECT_EQ(io.read_file(*h, buf, 1000).status, NtStatus::EndOfFile);
  EXPECT_EQ(io.create_file(create_args("\\pvfs\\etc\\nope")).status(),
            NtStatus::ObjectNameNotFound);
  EXPECT_EQ(io.close_file(std::move(*h)).status, NtStatus::Success);
}

}  // namespace
}  // namespace lwsmb
