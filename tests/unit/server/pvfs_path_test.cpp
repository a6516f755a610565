// pvfs names: the NT path parser, case-insensitive lookup, and every escape from the root.
#include <unistd.h>

#include <set>

#include "pvfs/pvfs_path.hpp"
#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using CD = CreateDisposition;
using server::pvfs::parse_nt_path;
using PvfsPath = PvfsTest;

TEST(PvfsPathParser, Components) {
  auto p = parse_nt_path("a\\b\\c.txt");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->components, (std::vector<std::string>{"a", "b", "c.txt"}));
  EXPECT_FALSE(p->trailing_backslash);
  p = parse_nt_path("\\a\\");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->components, std::vector<std::string>{"a"});
  EXPECT_TRUE(p->trailing_backslash);
  EXPECT_TRUE(parse_nt_path("")->components.empty());
  EXPECT_TRUE(parse_nt_path("\\")->components.empty());
  EXPECT_TRUE(parse_nt_path("caf\xc3\xa9 \xe2\x82\xac.txt").ok());
}

TEST(PvfsPathParser, Rejections) {
  struct Case {
    std::string path;
    NtStatus status;
  } cases[] = {
      {"..", NtStatus::ObjectPathSyntaxBad},
      {"..\\etc\\passwd", NtStatus::ObjectPathSyntaxBad},
      {"a\\..\\..\\x", NtStatus::ObjectPathSyntaxBad},
      {"a\\..", NtStatus::ObjectPathSyntaxBad},
      {"a\\.\\b", NtStatus::ObjectNameInvalid},
      {"a\\\\b", NtStatus::ObjectNameInvalid},
      {"\\\\a", NtStatus::ObjectNameInvalid},
      {"/etc/passwd", NtStatus::ObjectNameInvalid},
      {"a/b", NtStatus::ObjectNameInvalid},
      {"C:\\Windows", NtStatus::ObjectNameInvalid},
      {"file:stream", NtStatus::ObjectNameInvalid},
      {std::string("a\0b", 3), NtStatus::ObjectNameInvalid},
      {"a\x01", NtStatus::ObjectNameInvalid},
      {"a<b", NtStatus::ObjectNameInvalid},
      {"a>b", NtStatus::ObjectNameInvalid},
      {"a\"b", NtStatus::ObjectNameInvalid},
      {"a|b", NtStatus::ObjectNameInvalid},
      {"a?b", NtStatus::ObjectNameInvalid},
      {"a*b", NtStatus::ObjectNameInvalid},
      {"bad\xff", NtStatus::ObjectNameInvalid},
      {std::string(256, 'n'), NtStatus::ObjectNameInvalid},
  };
  for (const auto& c : cases) {
    auto p = parse_nt_path(c.path);
    EXPECT_FALSE(p.ok()) << c.path;
    EXPECT_EQ(p.status(), c.status) << c.path;
  }
}

TEST_F(PvfsPath, CaseInsensitiveOpen) {
  put("readme.txt", "hello");
  put("Dir/Sub/File.Txt", "deep");
  auto h = must_open("README.TXT", access::kGenericRead);
  EXPECT_EQ(read(h, 10, 0), "hello");
  auto d = must_open("dir\\SUB\\file.txt", access::kGenericRead);
  EXPECT_EQ(read(d, 10, 0), "deep");
  // Creating under a case-different directory uses the existing one.
  ASSERT_EQ(open("DIR\\sub\\New.TXT", access::kGenericAll, CD::Create).status(), NtStatus::Success);
  EXPECT_TRUE(exists("Dir/Sub/New.TXT"));
}

TEST_F(PvfsPath, CreatedNameKeepsClientCase) {
  auto c = open("New.TXT", access::kGenericAll, CD::Create);
  ASSERT_EQ(c.status(), NtStatus::Success);
  write(c.handle, "x");
  EXPECT_TRUE(exists("New.TXT"));
  EXPECT_FALSE(exists("new.txt"));
  auto o = open("new.txt", access::kGenericRead, CD::Open);
  ASSERT_EQ(o.status(), NtStatus::Success);
  EXPECT_EQ(read(o.handle, 4, 0), "x");
  // CREATE of a case variant collides; OPEN_IF opens the existing file.
  EXPECT_EQ(open("NEW.txt", access::kGenericAll, CD::Create).status(),
            NtStatus::ObjectNameCollision);
  auto oi = open("nEw.TxT", access::kGenericAll, CD::OpenIf);
  EXPECT_EQ(oi.iosb.information, static_cast<uint64_t>(CreateAction::Opened));
  size_t count = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(root())) ++count;
  EXPECT_EQ(count, 1u);
}

TEST_F(PvfsPath, CaseSensitiveWhenConfigured) {
  IoManager io2;
  server::PvfsOptions opts;
  opts.root = root().string();
  opts.case_insensitive = false;
  ASSERT_EQ(io2.register_driver("\\cs", server::make_pvfs_driver(opts)), NtStatus::Success);
  put("readme.txt", "x");
  CreateArgs a;
  a.path = "\\cs\\README.TXT";
  a.desired_access = access::kGenericRead;
  IoStatusBlock sb;
  auto r = io2.create_file(a, &sb);
  EXPECT_EQ(sb.status, NtStatus::ObjectNameNotFound);
}

class PvfsEscape : public PvfsTest {
 protected:
  // Nothing outside the share was created, changed or read.
  void TearDown() override {
    EXPECT_EQ(tmp.read("outside/sentinel"), "secret");
    size_t entries = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(tmp.path())) ++entries;
    EXPECT_EQ(entries, 2u);  // share and outside
    size_t outside = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(tmp.path() / "outside")) ++outside;
    EXPECT_EQ(outside, 1u);
  }
  void expect_refused(const std::string& path, NtStatus status) {
    for (auto disp : {CD::Open, CD::OpenIf, CD::OverwriteIf, CD::Create}) {
      auto o = open(path, access::kGenericAll, disp);
      EXPECT_EQ(o.status(), status) << path << " disposition " << static_cast<int>(disp);
      EXPECT_FALSE(o);
    }
  }
  void link(const std::string& target, const std::string& name) {
    ASSERT_EQ(::symlink(target.c_str(), (root() / name).c_str()), 0);
  }
};

TEST_F(PvfsEscape, DotDotComponents) {
  expect_refused("..\\outside\\sentinel", NtStatus::ObjectPathSyntaxBad);
  expect_refused("..\\etc\\passwd", NtStatus::ObjectPathSyntaxBad);
  expect_refused("a\\..\\..\\x", NtStatus::ObjectPathSyntaxBad);
  expect_refused("\\..", NtStatus::ObjectPathSyntaxBad);
  expect_refused("..", NtStatus::ObjectPathSyntaxBad);
}

TEST_F(PvfsEscape, AbsoluteLookingNames) {
  expect_refused("/etc/passwd", NtStatus::ObjectNameInvalid);
  expect_refused(tmp.path().string() + "/outside/sentinel", NtStatus::ObjectNameInvalid);
  expect_refused("C:\\Windows", NtStatus::ObjectNameInvalid);
  expect_refused(std::string("sentinel\0x", 10), NtStatus::ObjectNameInvalid);
  expect_refused("a\\\\b", NtStatus::ObjectNameInvalid);
}

TEST_F(PvfsEscape, SymlinkToAbsolutePathOutside) {
  link("/etc", "etc");
  link((tmp.path() / "outside" / "sentinel").string(), "abs");
  expect_refused("etc\\passwd", NtStatus::AccessDenied);
  expect_refused("etc", NtStatus::AccessDenied);
  expect_refused("abs", NtStatus::AccessDenied);
  expect_refused("ABS", NtStatus::AccessDenied);  // through the case-insensitive scan
}

TEST_F(PvfsEscape, RelativeSymlinkOutside) {
  link("../outside/sentinel", "rel");
  link("../outside", "reldir");
  expect_refused("rel", NtStatus::AccessDenied);
  expect_refused("REL", NtStatus::AccessDenied);
  expect_refused("reldir\\sentinel", NtStatus::AccessDenied);
  expect_refused("reldir\\newfile", NtStatus::AccessDenied);
  expect_refused("RELDIR\\newfile", NtStatus::AccessDenied);
}

TEST_F(PvfsEscape, DirectorySymlinkOutsideAsIntermediate) {
  fs::create_directory(root() / "real");
  link((tmp.path() / "outside").string(), "real/out");
  expect_refused("real\\out\\sentinel", NtStatus::AccessDenied);
  expect_refused("real\\out\\created", NtStatus::AccessDenied);
  expect_refused("REAL\\OUT\\SENTINEL", NtStatus::AccessDenied);
}

TEST_F(PvfsEscape, SymlinksInsideAreFollowed) {
  put("dir/target.txt", "inside");
  link("dir/target.txt", "good");
  link("dir", "gooddir");
  ASSERT_EQ(::symlink("../dir/target.txt", (root() / "dir" / "up").c_str()), 0);
  auto h = must_open("good", access::kGenericRead);
  EXPECT_EQ(read(h, 10, 0), "inside");
  auto h2 = must_open("gooddir\\target.txt", access::kGenericRead);
  EXPECT_EQ(read(h2, 10, 0), "inside");
  auto h3 = must_open("dir\\up", access::kGenericRead);  // "../" that stays inside
  EXPECT_EQ(read(h3, 10, 0), "inside");
}

TEST_F(PvfsEscape, ListingDoesNotShowOrStatLinksOut) {
  put("f", "x");
  link((tmp.path() / "outside" / "sentinel").string(), "abs");
  link("f", "inlink");
  auto d = must_open("", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  auto v = list(d, "*", FileInfoClass::FullDirectory);
  std::set<std::string> names(v.begin(), v.end());
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "f", "inlink"}));
}

TEST_F(PvfsEscape, RenameCannotLeaveTheRoot) {
  put("f", "x");
  link((tmp.path() / "outside").string(), "out");
  auto h = must_open("f", access::kGenericAll);
  proto::fscc::RenameInfo r;
  r.file_name = u"out\\moved";
  std::vector<std::byte> b(proto::fscc::encoded_size(r));
  ASSERT_TRUE(proto::fscc::encode(r, b).ok());
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, b).status, NtStatus::AccessDenied);
  EXPECT_TRUE(exists("f"));
}

}  // namespace
}  // namespace lwsmb::test
