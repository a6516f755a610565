// pvfs's inline READ and WRITE (PvfsDriver::inline_io): on a share on a memory file system,
// requests of up to 64 KiB are done on the loop thread instead of through io_uring. They must
// answer exactly as the io_uring path does; /dev/shm is the tmpfs these tests use (pvfs_io_test
// runs its basic read and write tests there too).
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "pvfs/pvfs_driver.hpp"
#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using CD = CreateDisposition;

class PvfsInlineIo : public PvfsTest {
 protected:
  PvfsInlineIo() : PvfsTest("/dev/shm") {}
};

server::pvfs::FileKey key_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return {st.st_dev, st.st_ino};
}

bool driver_inlines(const fs::path& root, const server::pvfs::FileKey& key) {
  server::PvfsOptions o;
  o.root = root.string();
  server::pvfs::UniqueFd fd(::open(o.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  EXPECT_TRUE(fd) << root;
  server::pvfs::PvfsDriver d(o, std::move(fd));
  return d.inline_io(key);
}

TEST_F(PvfsInlineIo, OnlyFilesOfAMemoryFileSystemAreInline) {
  struct statfs sfs {};
  ASSERT_EQ(::statfs(root().c_str(), &sfs), 0);
  ASSERT_EQ(sfs.f_type, TMPFS_MAGIC) << "/dev/shm is not a tmpfs on this machine";
  put("f", "x");
  const auto key = key_of(root() / "f");
  EXPECT_TRUE(driver_inlines(root(), key));
  // A file on another device below the share (a mount inside it) goes through the ring.
  EXPECT_FALSE(driver_inlines(root(), {key.dev + 1, key.ino}));
  // A share that is not on a memory file system never inlines.
  EXPECT_FALSE(driver_inlines("/proc/self", key_of("/proc/self")));
}

// Both sides of the 64 KiB line: inline up to it, through the ring above it, same bytes.
TEST_F(PvfsInlineIo, EitherSideOfTheInlineLimit) {
  std::string data(256 * 1024, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (i * 7) % 26);
  auto h = must_open("f", access::kGenericAll, CD::Create);
  for (size_t len : {size_t{65536}, size_t{65537}}) {
    auto part = std::string_view(data).substr(1000, len);
    auto sb = write(h, part, 1000);
    EXPECT_EQ(sb.status, NtStatus::Success) << len;
    EXPECT_EQ(sb.information, len);
    EXPECT_EQ(read(h, len, 1000), part) << len;
  }
}

}  // namespace
}  // namespace lwsmb::test
