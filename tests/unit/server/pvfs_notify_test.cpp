// Change notification of pvfs (MS-FSA 2.1.5.11): ReadDirectoryChange IRPs completed with
// FILE_NOTIFY_INFORMATION records for changes pvfs makes, ENUM_DIR on overflow, cancel, cleanup.
#include "pvfs/pvfs_notify.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

#include "lwsmb/proto/smb2_query.hpp"
#include "pvfs_fixture.hpp"

namespace lwsmb::server::pvfs {
namespace {

TEST(NotifyTable, EncodesRecordsWithBackslashesOrReportsTooSmall) {
  bool fits = false;
  auto bytes = NotifyTable::encode({{notify_action::kAdded, "a/b.txt"}, {2, "c"}}, 1024, &fits);
  ASSERT_TRUE(fits);
  auto list = proto::smb2::decode_file_notify_information(bytes);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].action, notify_action::kAdded);
  EXPECT_EQ((*list)[0].file_name, u"a\\b.txt");
  EXPECT_EQ((*list)[1].file_name, u"c");
  auto small = NotifyTable::encode({{1, "long-name.txt"}}, 8, &fits);
  EXPECT_FALSE(fits);
  EXPECT_TRUE(small.empty());
}

}  // namespace
}  // namespace lwsmb::server::pvfs

namespace lwsmb::test {
namespace {

namespace na = server::pvfs::notify_action;
namespace nf = server::pvfs::notify_filter;

class PvfsNotifyTest : public PvfsTest {
 protected:
  struct Watch {
    std::vector<std::byte> buffer;
    std::promise<IoStatusBlock> done;
    std::future<IoStatusBlock> result = done.get_future();
    IrpPtr irp;
  };
  void watch(const FileHandle& dir, Watch& w, uint32_t filter, bool tree = false,
             size_t size = 4096) {
    w.buffer.resize(size);
    ReadDirectoryChangeArgs a;
    a.completion_filter = filter;
    a.watch_tree = tree;
    a.buffer = w.buffer;
    w.irp = io.call(dir, a, [&w](Irp& irp) { w.done.set_value(irp.status_block()); });
  }
  static bool ready(Watch& w, int ms = 5000) {
    return w.result.wait_for(std::chrono::milliseconds(ms)) == std::future_status::ready;
  }
  static std::vector<proto::smb2::FileNotifyInformation> records(Watch& w, size_t n) {
    auto list = proto::smb2::decode_file_notify_information(std::span(w.buffer).first(n));
    return list ? *list : std::vector<proto::smb2::FileNotifyInformation>{};
  }
};

TEST_F(PvfsNotifyTest, CreateAndDeleteAreReported) {
  fs::create_directory(root() / "d");
  auto dir =
      must_open("d", access::kReadData, CreateDisposition::Open, create_option::kDirectoryFile);
  Watch w;
  watch(dir, w, nf::kFileName);
  EXPECT_FALSE(ready(w, 100));  // nothing changed yet: pending
  auto f = must_open("d\\new.txt", access::kGenericAll, CreateDisposition::Create);
  ASSERT_TRUE(ready(w));
  auto sb = w.result.get();
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto recs = records(w, sb.information);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].action, na::kAdded);
  EXPECT_EQ(recs[0].file_name, u"new.txt");

  // Changes between requests are kept: the next request returns at once.
  std::vector<std::byte> disp{std::byte{1}};
  EXPECT_EQ(io.set_information(f, FileInfoClass::Disposition, disp).status, NtStatus::Success);
  EXPECT_EQ(close(std::move(f)), NtStatus::Success);
  Watch w2;
  watch(dir, w2, nf::kFileName);
  ASSERT_TRUE(ready(w2));
  auto sb2 = w2.result.get();
  ASSERT_EQ(sb2.status, NtStatus::Success);
  auto recs2 = records(w2, sb2.information);
  ASSERT_EQ(recs2.size(), 1u);
  EXPECT_EQ(recs2[0].action, na::kRemoved);
  EXPECT_EQ(close(std::move(dir)), NtStatus::Success);
}

TEST_F(PvfsNotifyTest, FilterTreeAndRenamePairs) {
  fs::create_directory(root() / "top");
  fs::create_directory(root() / "top" / "sub");
  put("top/sub/a.txt", "x");
  auto top =
      must_open("top", access::kReadData, CreateDisposition::Open, create_option::kDirectoryFile);
  Watch dirs_only;
  watch(top, dirs_only, nf::kDirName, /*tree*/ true);
  auto f = must_open("top\\sub\\a.txt", access::kGenericAll | access::kDelete);
  // A file rename matches FILE_NAME, not DIR_NAME: the watch stays pending.
  std::u16string target = u"top\\sub\\b.txt";
  std::vector<std::byte> ren(20 + 2 * target.size());
  ren[0] = std::byte{0};
  const uint32_t len = static_cast<uint32_t>(2 * target.size());
  for (int i = 0; i < 4; ++i) ren[16 + i] = static_cast<std::byte>(len >> (8 * i));
  for (size_t i = 0; i < target.size(); ++i) {
    ren[20 + 2 * i] = static_cast<std::byte>(target[i] & 0xff);
    ren[21 + 2 * i] = static_cast<std::byte>(target[i] >> 8);
  }
  EXPECT_EQ(io.set_information(f, FileInfoClass::Rename, ren).status, NtStatus::Success);
  EXPECT_FALSE(ready(dirs_only, 100));
  // A new directory below matches, named relative to the watched one.
  auto sub2 = must_open("top\\sub\\deeper", access::kGenericAll, CreateDisposition::Create,
                        create_option::kDirectoryFile);
  ASSERT_TRUE(ready(dirs_only));
  auto sb = dirs_only.result.get();
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto recs = records(dirs_only, sb.information);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].file_name, u"sub\\deeper");

  // The rename was not lost for a FILE_NAME watch on the directory itself.
  auto sub = must_open("top\\sub", access::kReadData, CreateDisposition::Open,
                       create_option::kDirectoryFile);
  Watch names;
  watch(sub, names, nf::kFileName);
  EXPECT_EQ(io.set_information(f, FileInfoClass::Rename,
                               [&] {
                                 std::u16string t = u"top\\sub\\c.txt";
                                 auto r = ren;
                                 for (size_t i = 0; i < t.size(); ++i)
                                   r[20 + 2 * i] = static_cast<std::byte>(t[i]);
                                 return r;
                               }())
                .status,
            NtStatus::Success);
  ASSERT_TRUE(ready(names));
  auto sb2 = names.result.get();
  auto recs2 = records(names, sb2.information);
  ASSERT_EQ(recs2.size(), 2u);  // old and new name in one answer
  EXPECT_EQ(recs2[0].action, na::kRenamedOldName);
  EXPECT_EQ(recs2[0].file_name, u"b.txt");
  EXPECT_EQ(recs2[1].action, na::kRenamedNewName);
  EXPECT_EQ(recs2[1].file_name, u"c.txt");
  for (auto* h : {&f, &sub2, &sub, &top}) EXPECT_EQ(close(std::move(*h)), NtStatus::Success);
}

TEST_F(PvfsNotifyTest, CancelCleanupOverflowAndBadRequests) {
  fs::create_directory(root() / "d");
  auto dir =
      must_open("d", access::kReadData, CreateDisposition::Open, create_option::kDirectoryFile);
  Watch cancelled;
  watch(dir, cancelled, nf::kFileName);
  cancelled.irp->cancel();
  ASSERT_TRUE(ready(cancelled));
  EXPECT_EQ(cancelled.result.get().status, NtStatus::Cancelled);

  // Records that do not fit the buffer: "enumerate the directory".
  Watch tiny;
  watch(dir, tiny, nf::kFileName, false, /*size*/ 4);
  auto f = must_open("d\\a-rather-long-name.txt", access::kGenericAll, CreateDisposition::Create);
  ASSERT_TRUE(ready(tiny));
  auto sb = tiny.result.get();
  EXPECT_EQ(sb.status, NtStatus::NotifyEnumDir);
  EXPECT_EQ(sb.information, 0u);

  // More changes than are kept between requests: ENUM_DIR too.
  for (size_t i = 0; i <= server::pvfs::NotifyTable::kMaxQueued; ++i) {
    auto g = must_open("d\\f" + std::to_string(i), access::kGenericAll, CreateDisposition::Create);
    EXPECT_EQ(close(std::move(g)), NtStatus::Success);
  }
  Watch after;
  watch(dir, after, nf::kFileName);
  ASSERT_TRUE(ready(after));
  EXPECT_EQ(after.result.get().status, NtStatus::NotifyEnumDir);

  // A zero filter cannot start a watch, and a file cannot be watched.
  auto fresh =
      must_open("d", access::kReadData, CreateDisposition::Open, create_option::kDirectoryFile);
  Watch zero;
  watch(fresh, zero, 0);
  ASSERT_TRUE(ready(zero));
  EXPECT_EQ(zero.result.get().status, NtStatus::InvalidParameter);
  EXPECT_EQ(close(std::move(fresh)), NtStatus::Success);
  // On a running watch a zero filter goes on with the first request's.
  Watch zero_later;
  watch(dir, zero_later, 0);
  EXPECT_FALSE(ready(zero_later, 50));
  auto g = must_open("d\\later.txt", access::kGenericAll, CreateDisposition::Create);
  ASSERT_TRUE(ready(zero_later));
  EXPECT_EQ(zero_later.result.get().status, NtStatus::Success);
  EXPECT_EQ(close(std::move(g)), NtStatus::Success);
  Watch on_file;
  watch(f, on_file, nf::kFileName);
  ASSERT_TRUE(ready(on_file));
  EXPECT_EQ(on_file.result.get().status, NtStatus::InvalidParameter);

  // Closing the directory ends a pending watch with NOTIFY_CLEANUP.
  Watch pending;
  watch(dir, pending, nf::kFileName);
  EXPECT_FALSE(ready(pending, 50));
  EXPECT_EQ(close(std::move(dir)), NtStatus::Success);
  ASSERT_TRUE(ready(pending));
  EXPECT_EQ(pending.result.get().status, NtStatus::NotifyCleanup);
  EXPECT_EQ(close(std::move(f)), NtStatus::Success);
}

}  // namespace
}  // namespace lwsmb::test
