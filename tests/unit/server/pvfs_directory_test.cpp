// pvfs QUERY_DIRECTORY: classes, wildcards, restart, resume, single entry, end statuses.
#include <algorithm>
#include <set>

#include <sys/stat.h>

#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

namespace fscc = proto::fscc;
using CD = CreateDisposition;

class PvfsDirectory : public PvfsTest {
 protected:
  PvfsDirectory() {
    put("a.txt", "aaaa");
    put("B.TXT", "b");
    put("readme", "r");
    put("data.bin", "dd");
    fs::create_directory(root() / "sub");
    dir = must_open("", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  }
  std::set<std::string> names(const std::string& pattern) {
    auto v = list(dir, pattern);
    return {v.begin(), v.end()};
  }
  FileHandle dir;
};

TEST_F(PvfsDirectory, EveryClassDecodes) {
  const FileInfoClass classes[] = {FileInfoClass::Directory,       FileInfoClass::FullDirectory,
                                   FileInfoClass::BothDirectory,   FileInfoClass::IdBothDirectory,
                                   FileInfoClass::IdFullDirectory, FileInfoClass::Names};
  struct stat st {};
  ASSERT_EQ(::stat((root() / "a.txt").c_str(), &st), 0);
  for (auto cls : classes) {
    std::vector<std::byte> buf(8192);
    auto sb = io.query_directory(dir, cls, "*", query_directory_flag::kRestartScans, buf);
    ASSERT_EQ(sb.status, NtStatus::Success) << static_cast<int>(cls);
    auto entries = fscc::decode_directory(cls, std::span(buf).first(sb.information));
    ASSERT_TRUE(entries.ok()) << static_cast<int>(cls);
    ASSERT_EQ(entries->size(), 7u) << static_cast<int>(cls);  // . .. and 5 entries
    EXPECT_EQ((*entries)[0].file_name, u".");
    EXPECT_EQ((*entries)[1].file_name, u"..");
    auto a = std::find_if(entries->begin(), entries->end(),
                          [](const auto& e) { return e.file_name == u"a.txt"; });
    ASSERT_NE(a, entries->end());
    if (cls == FileInfoClass::Names) continue;
    EXPECT_EQ(a->end_of_file, 4);
    EXPECT_EQ(a->attributes, file_attribute::kNormal);
    EXPECT_EQ(a->last_write_time, fscc::filetime_from_unix(st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
    if (cls == FileInfoClass::IdBothDirectory || cls == FileInfoClass::IdFullDirectory) {
      EXPECT_EQ(a->file_id, st.st_ino);
    }
    auto sub = std::find_if(entries->begin(), entries->end(),
                            [](const auto& e) { return e.file_name == u"sub"; });
    ASSERT_NE(sub, entries->end());
    EXPECT_EQ(sub->attributes, file_attribute::kDirectory);
  }
}

TEST_F(PvfsDirectory, Wildcards) {
  EXPECT_EQ(names("*.TXT"), (std::set<std::string>{"a.txt", "B.TXT"}));
  EXPECT_EQ(names("?.txt"), (std::set<std::string>{"a.txt", "B.TXT"}));
  EXPECT_EQ(names("d*"), (std::set<std::string>{"data.bin"}));
  EXPECT_EQ(names("*"),
            (std::set<std::string>{".", "..", "a.txt", "B.TXT", "readme", "data.bin", "sub"}));
  // DOS wildcards: '<' (DOS_STAR), '>' (DOS_QM), '"' (DOS_DOT).
  EXPECT_EQ(names("<.txt"), (std::set<std::string>{"a.txt", "B.TXT"}));
  EXPECT_EQ(names("readme\"*"), (std::set<std::string>{"readme"}));
  EXPECT_EQ(names("data.>>>"), (std::set<std::string>{"data.bin"}));
}

TEST_F(PvfsDirectory, ExactNameFastPathIsCaseInsensitive) {
  EXPECT_EQ(list(dir, "README"), std::vector<std::string>{"readme"});
  EXPECT_EQ(list(dir, "a.txt"), std::vector<std::string>{"a.txt"});
  NtStatus end = NtStatus::Success;
  EXPECT_TRUE(list(dir, "nothing.here", FileInfoClass::BothDirectory, 4096, &end).empty());
  EXPECT_EQ(end, NtStatus::NoSuchFile);
}

TEST_F(PvfsDirectory, NoSuchFileThenNoMoreFiles) {
  std::vector<std::byte> buf(4096);
  EXPECT_EQ(io.query_directory(dir, FileInfoClass::Directory, "*.none",
                               query_directory_flag::kRestartScans, buf)
                .status,
            NtStatus::NoSuchFile);
  EXPECT_EQ(io.query_directory(dir, FileInfoClass::Directory, "*.none", 0, buf).status,
            NtStatus::NoMoreFiles);
  // A finished listing ends with NO_MORE_FILES.
  NtStatus end = NtStatus::Success;
  auto all = list(dir, "*", FileInfoClass::Directory, 4096, &end);
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EQ(end, NtStatus::NoMoreFiles);
}

TEST_F(PvfsDirectory, ResumeAcrossSmallBuffersReturnsEveryNameOnce) {
  for (int i = 0; i < 150; ++i) put("many" + std::to_string(i) + ".dat", "");
  // Room for one or two entries per call.
  auto small = list(dir, "*", FileInfoClass::IdBothDirectory, 260);
  auto large = list(dir, "*", FileInfoClass::IdBothDirectory, 65536);
  EXPECT_EQ(small.size(), 157u);
  EXPECT_EQ(small, large);
  std::set<std::string> unique(small.begin(), small.end());
  EXPECT_EQ(unique.size(), small.size());
}

TEST_F(PvfsDirectory, SingleEntryAndRestart) {
  std::vector<std::byte> buf(4096);
  auto query = [&](const std::string& pattern, uint8_t flags) {
    auto sb = io.query_directory(dir, FileInfoClass::Names, pattern, flags, buf);
    EXPECT_EQ(sb.status, NtStatus::Success);
    std::vector<std::string> out;
    if (sb.status != NtStatus::Success) return out;
    auto e = fscc::decode_directory(FileInfoClass::Names, std::span(buf).first(sb.information));
    EXPECT_TRUE(e.ok());
    for (auto& x : *e) out.push_back(*fscc::utf16_to_utf8(x.file_name));
    return out;
  };
  constexpr uint8_t kRestart = query_directory_flag::kRestartScans;
  constexpr uint8_t kSingle = query_directory_flag::kReturnSingleEntry;
  auto first = query("*.txt", kRestart | kSingle);
  ASSERT_EQ(first.size(), 1u);
  auto second = query("*.txt", kSingle);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(first, second);
  EXPECT_EQ(io.query_directory(dir, FileInfoClass::Names, "*.txt", 0, buf).status,
            NtStatus::NoMoreFiles);
  EXPECT_EQ(query("*.txt", kRestart | kSingle), first);
  // The pattern of the scan holds until a restart (MS-FSA 2.1.5.5): "readme" continues "*.txt".
  EXPECT_EQ(query("readme", 0), second);
  EXPECT_EQ(query("readme", kRestart), std::vector<std::string>{"readme"});
}

TEST_F(PvfsDirectory, BufferTooSmallForOneEntry) {
  std::vector<std::byte> tiny(8);
  EXPECT_EQ(io.query_directory(dir, FileInfoClass::BothDirectory, "*",
                               query_directory_flag::kRestartScans, tiny)
                .status,
            NtStatus::InfoLengthMismatch);
  // Fixed part fits, name does not: the entry stays for the next, larger call.
  std::vector<std::byte> fixed(fscc::directory_entry_fixed_size(FileInfoClass::BothDirectory));
  EXPECT_EQ(io.query_directory(dir, FileInfoClass::BothDirectory, "readme",
                               query_directory_flag::kRestartScans, fixed)
                .status,
            NtStatus::InfoLengthMismatch);
  std::vector<std::byte> buf(4096);
  auto sb = io.query_directory(dir, FileInfoClass::BothDirectory, "readme", 0, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(
      fscc::decode_directory(FileInfoClass::BothDirectory, std::span(buf).first(sb.information))
          ->at(0)
          .file_name,
      u"readme");
}

TEST_F(PvfsDirectory, ErrorsOnFilesAndClasses) {
  auto f = must_open("a.txt", access::kGenericRead);
  std::vector<std::byte> buf(4096);
  EXPECT_EQ(io.query_directory(f, FileInfoClass::Directory, "*", 0, buf).status,
            NtStatus::InvalidParameter);
  EXPECT_EQ(io.query_directory(dir, FileInfoClass::Basic, "*", 0, buf).status,
            NtStatus::InvalidInfoClass);
  auto noread = must_open("sub", access::kReadAttributes, CD::Open, create_option::kDirectoryFile);
  EXPECT_EQ(io.query_directory(noread, FileInfoClass::Directory, "*", 0, buf).status,
            NtStatus::AccessDenied);
}

TEST_F(PvfsDirectory, SubdirectoryListingAndHiddenAttribute) {
  ASSERT_EQ(
      open("sub\\h.txt", access::kGenericAll, CD::Create, 0, share::kAll, file_attribute::kHidden)
          .status(),
      NtStatus::Success);
  auto sub = must_open("SUB", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  std::vector<std::byte> buf(4096);
  auto sb = io.query_directory(sub, FileInfoClass::FullDirectory, "h.txt",
                               query_directory_flag::kRestartScans, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto e =
      fscc::decode_directory(FileInfoClass::FullDirectory, std::span(buf).first(sb.information));
  ASSERT_EQ(e->size(), 1u);
  EXPECT_EQ(e->at(0).attributes, file_attribute::kHidden | file_attribute::kArchive);
  EXPECT_EQ(list(sub, "*"), (std::vector<std::string>{".", "..", "h.txt"}));
}

}  // namespace
}  // namespace lwsmb::test
