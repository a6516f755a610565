// pvfs CREATE: dispositions, directory options, delete-on-close, delete-pending, access checks.
#include <sys/stat.h>

#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using CD = CreateDisposition;
using PvfsCreate = PvfsTest;

uint64_t action(CreateAction a) {
  return static_cast<uint64_t>(a);
}

TEST_F(PvfsCreate, OpenRootDirectory) {
  auto o = open("", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  EXPECT_EQ(o.status(), NtStatus::Success);
  EXPECT_EQ(o.iosb.information, action(CreateAction::Opened));
}

TEST_F(PvfsCreate, DispositionsOnMissingFile) {
  struct Case {
    CD disp;
    NtStatus status;
    CreateAction act;
  } cases[] = {
      {CD::Supersede, NtStatus::Success, CreateAction::Created},
      {CD::Open, NtStatus::ObjectNameNotFound, CreateAction::Opened},
      {CD::Create, NtStatus::Success, CreateAction::Created},
      {CD::OpenIf, NtStatus::Success, CreateAction::Created},
      {CD::Overwrite, NtStatus::ObjectNameNotFound, CreateAction::Opened},
      {CD::OverwriteIf, NtStatus::Success, CreateAction::Created},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string name = "missing" + std::to_string(i++);
    auto o = open(name, access::kGenericAll, c.disp);
    EXPECT_EQ(o.status(), c.status) << name;
    if (c.status == NtStatus::Success) {
      EXPECT_EQ(o.iosb.information, action(c.act)) << name;
      EXPECT_TRUE(exists(name));
    } else {
      EXPECT_FALSE(exists(name));
    }
  }
}

TEST_F(PvfsCreate, DispositionsOnExistingFile) {
  struct Case {
    CD disp;
    NtStatus status;
    CreateAction act;
    bool truncated;
  } cases[] = {
      {CD::Supersede, NtStatus::Success, CreateAction::Superseded, true},
      {CD::Open, NtStatus::Success, CreateAction::Opened, false},
      {CD::Create, NtStatus::ObjectNameCollision, CreateAction::Opened, false},
      {CD::OpenIf, NtStatus::Success, CreateAction::Opened, false},
      {CD::Overwrite, NtStatus::Success, CreateAction::Overwritten, true},
      {CD::OverwriteIf, NtStatus::Success, CreateAction::Overwritten, true},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string name = "f" + std::to_string(i++);
    put(name, "hello");
    auto o = open(name, access::kGenericAll, c.disp);
    EXPECT_EQ(o.status(), c.status) << name;
    if (c.status == NtStatus::Success) {
      EXPECT_EQ(o.iosb.information, action(c.act)) << name;
    }
    close(std::move(o.handle));
    EXPECT_EQ(get(name), c.truncated ? "" : "hello") << name;
  }
}

TEST_F(PvfsCreate, MissingIntermediateDirectoryIsPathNotFound) {
  EXPECT_EQ(open("nodir\\f", access::kGenericAll, CD::OpenIf).status(),
            NtStatus::ObjectPathNotFound);
  EXPECT_EQ(open("nodir\\f", access::kGenericRead, CD::Open).status(),
            NtStatus::ObjectPathNotFound);
  // A file used as a directory is a missing path too.
  put("file", "x");
  EXPECT_EQ(open("file\\f", access::kGenericRead, CD::Open).status(), NtStatus::ObjectPathNotFound);
  EXPECT_FALSE(exists("nodir"));
}

TEST_F(PvfsCreate, CreateInSubdirectory) {
  fs::create_directories(root() / "a" / "b");
  auto o = open("a\\b\\c.txt", access::kGenericAll, CD::Create);
  EXPECT_EQ(o.status(), NtStatus::Success);
  EXPECT_TRUE(exists("a/b/c.txt"));
}

TEST_F(PvfsCreate, DirectoryFileOption) {
  auto o = open("newdir", access::kGenericRead, CD::Create, create_option::kDirectoryFile);
  ASSERT_EQ(o.status(), NtStatus::Success);
  EXPECT_EQ(o.iosb.information, action(CreateAction::Created));
  EXPECT_TRUE(fs::is_directory(root() / "newdir"));
  // Opening a file as a directory.
  put("plain", "x");
  EXPECT_EQ(open("plain", access::kGenericRead, CD::Open, create_option::kDirectoryFile).status(),
            NtStatus::NotADirectory);
  // Directories are never overwritten.
  EXPECT_EQ(
      open("newdir", access::kGenericAll, CD::OverwriteIf, create_option::kDirectoryFile).status(),
      NtStatus::InvalidParameter);
  EXPECT_EQ(open("newdir", access::kGenericAll, CD::Overwrite).status(),
            NtStatus::InvalidParameter);
  EXPECT_EQ(open("newdir", access::kGenericAll, CD::Supersede).status(),
            NtStatus::InvalidParameter);
  // CREATE on an existing directory.
  EXPECT_EQ(
      open("newdir", access::kGenericRead, CD::Create, create_option::kDirectoryFile).status(),
      NtStatus::ObjectNameCollision);
  // OPEN_IF of an existing directory opens it.
  auto again = open("newdir", access::kGenericRead, CD::OpenIf, create_option::kDirectoryFile);
  EXPECT_EQ(again.status(), NtStatus::Success);
  EXPECT_EQ(again.iosb.information, action(CreateAction::Opened));
  // Both options at once.
  EXPECT_EQ(open("x", access::kGenericRead, CD::OpenIf,
                 create_option::kDirectoryFile | create_option::kNonDirectoryFile)
                .status(),
            NtStatus::InvalidParameter);
}

TEST_F(PvfsCreate, NonDirectoryFileOption) {
  fs::create_directory(root() / "d");
  EXPECT_EQ(open("d", access::kGenericRead, CD::Open, create_option::kNonDirectoryFile).status(),
            NtStatus::FileIsADirectory);
  put("f", "x");
  EXPECT_EQ(open("f", access::kGenericRead, CD::Open, create_option::kNonDirectoryFile).status(),
            NtStatus::Success);
  // Without FILE_DIRECTORY_FILE, a create makes a file.
  ASSERT_EQ(open("newfile", access::kGenericAll, CD::Create).status(), NtStatus::Success);
  EXPECT_TRUE(fs::is_regular_file(root() / "newfile"));
}

TEST_F(PvfsCreate, TrailingBackslashMeansDirectory) {
  put("f", "x");
  fs::create_directory(root() / "d");
  EXPECT_EQ(open("d\\", access::kGenericRead, CD::Open).status(), NtStatus::Success);
  EXPECT_EQ(open("f\\", access::kGenericRead, CD::Open).status(), NtStatus::ObjectNameInvalid);
  ASSERT_EQ(open("nd\\", access::kGenericRead, CD::Create).status(), NtStatus::Success);
  EXPECT_TRUE(fs::is_directory(root() / "nd"));
}

TEST_F(PvfsCreate, DeleteOnCloseRemovesFile) {
  put("doc", "x");
  auto o =
      open("doc", access::kGenericRead | access::kDelete, CD::Open, create_option::kDeleteOnClose);
  ASSERT_EQ(o.status(), NtStatus::Success);
  EXPECT_TRUE(exists("doc"));
  EXPECT_EQ(close(std::move(o.handle)), NtStatus::Success);
  EXPECT_FALSE(exists("doc"));
}

TEST_F(PvfsCreate, DeleteOnCloseOfNewFile) {
  auto o = open("tmpfile", access::kGenericAll, CD::Create, create_option::kDeleteOnClose);
  ASSERT_EQ(o.status(), NtStatus::Success);
  EXPECT_TRUE(exists("tmpfile"));
  close(std::move(o.handle));
  EXPECT_FALSE(exists("tmpfile"));
}

TEST_F(PvfsCreate, DeleteOnCloseNeedsDeleteAccess) {
  put("doc", "x");
  auto o = open("doc", access::kGenericRead, CD::Open, create_option::kDeleteOnClose);
  EXPECT_EQ(o.status(), NtStatus::AccessDenied);
  EXPECT_TRUE(exists("doc"));
}

TEST_F(PvfsCreate, DeleteOnCloseWaitsForLastHandle) {
  put("doc", "x");
  auto other = must_open("doc", access::kGenericRead);
  auto o = open("doc", access::kDelete, CD::Open, create_option::kDeleteOnClose);
  ASSERT_EQ(o.status(), NtStatus::Success);
  close(std::move(o.handle));
  EXPECT_TRUE(exists("doc"));
  // The file is delete-pending now: no new opens.
  EXPECT_EQ(open("doc", access::kGenericRead, CD::Open).status(), NtStatus::DeletePending);
  close(std::move(other));
  EXPECT_FALSE(exists("doc"));
}

TEST_F(PvfsCreate, DeleteOnCloseOfNonEmptyDirectoryKeepsIt) {
  put("full/child", "x");
  auto o = open("full", access::kGenericRead | access::kDelete, CD::Open,
                create_option::kDirectoryFile | create_option::kDeleteOnClose);
  ASSERT_EQ(o.status(), NtStatus::Success);
  close(std::move(o.handle));
  EXPECT_TRUE(exists("full/child"));
  // An empty one goes.
  fs::create_directory(root() / "empty");
  o = open("empty", access::kDelete, CD::Open,
           create_option::kDirectoryFile | create_option::kDeleteOnClose);
  ASSERT_EQ(o.status(), NtStatus::Success);
  close(std::move(o.handle));
  EXPECT_FALSE(exists("empty"));
}

TEST_F(PvfsCreate, DispositionDeletePending) {
  put("victim", "x");
  auto a = must_open("victim", access::kGenericRead | access::kDelete);
  auto b = must_open("victim", access::kGenericRead);
  EXPECT_EQ(set_disposition(a, true).status, NtStatus::Success);
  EXPECT_EQ(open("victim", access::kGenericRead, CD::Open).status(), NtStatus::DeletePending);
  // Standard information reports it.
  std::vector<std::byte> buf(proto::fscc::kStandardInfoSize);
  ASSERT_EQ(query(b, FileInfoClass::Standard, buf).status, NtStatus::Success);
  EXPECT_TRUE(proto::fscc::decode_standard(buf)->delete_pending);
  close(std::move(a));
  EXPECT_TRUE(exists("victim"));
  close(std::move(b));
  EXPECT_FALSE(exists("victim"));
}

TEST_F(PvfsCreate, DispositionCanBeUndone) {
  put("keep", "x");
  auto a = must_open("keep", access::kGenericRead | access::kDelete);
  EXPECT_EQ(set_disposition(a, true).status, NtStatus::Success);
  EXPECT_EQ(set_disposition(a, false).status, NtStatus::Success);
  close(std::move(a));
  EXPECT_TRUE(exists("keep"));
}

TEST_F(PvfsCreate, DispositionNeedsDeleteAccess) {
  put("f", "x");
  auto a = must_open("f", access::kGenericRead | access::kGenericWrite);
  EXPECT_EQ(set_disposition(a, true).status, NtStatus::AccessDenied);
  close(std::move(a));
  EXPECT_TRUE(exists("f"));
}

TEST_F(PvfsCreate, DispositionOnNonEmptyDirectory) {
  put("d/child", "x");
  auto d = must_open("d", access::kGenericRead | access::kDelete, CD::Open,
                     create_option::kDirectoryFile);
  EXPECT_EQ(set_disposition(d, true).status, NtStatus::DirectoryNotEmpty);
  close(std::move(d));
  EXPECT_TRUE(exists("d/child"));
}

TEST_F(PvfsCreate, DispositionOnRootIsRefused) {
  auto r = must_open("", access::kGenericAll, CD::Open, create_option::kDirectoryFile);
  EXPECT_EQ(set_disposition(r, true).status, NtStatus::CannotDelete);
}

TEST_F(PvfsCreate, GrantedAccessIsEnforced) {
  put("f", "data");
  auto ro = must_open("f", access::kGenericRead);
  EXPECT_EQ(write(ro, "x").status, NtStatus::AccessDenied);
  std::vector<std::byte> eof(8);
  EXPECT_EQ(set_info(ro, FileInfoClass::EndOfFile, eof).status, NtStatus::AccessDenied);
  auto wo = must_open("f", access::kWriteData);
  IoStatusBlock sb;
  read(wo, 4, 0, &sb);
  EXPECT_EQ(sb.status, NtStatus::AccessDenied);
  std::vector<std::byte> basic(proto::fscc::kBasicInfoSize);
  EXPECT_EQ(query(wo, FileInfoClass::Basic, basic).status, NtStatus::AccessDenied);
  EXPECT_EQ(set_info(wo, FileInfoClass::Basic, basic).status, NtStatus::AccessDenied);
  // Standard needs no access at all.
  std::vector<std::byte> standard(proto::fscc::kStandardInfoSize);
  EXPECT_EQ(query(wo, FileInfoClass::Standard, standard).status, NtStatus::Success);
  EXPECT_EQ(get("f"), "data");
}

TEST_F(PvfsCreate, GenericMappingAndMaximumAllowed) {
  put("f", "data");
  auto o = must_open("f", access::kMaximumAllowed);
  std::vector<std::byte> buf(4);
  ASSERT_EQ(query(o, FileInfoClass::Access, buf).status, NtStatus::Success);
  uint32_t granted = 0;
  std::memcpy(&granted, buf.data(), 4);
  EXPECT_EQ(granted & access::kFileAllAccess, access::kFileAllAccess);
  auto r = must_open("f", access::kGenericRead);
  ASSERT_EQ(query(r, FileInfoClass::Access, buf).status, NtStatus::Success);
  std::memcpy(&granted, buf.data(), 4);
  EXPECT_EQ(granted, access::kFileGenericRead);
}

TEST_F(PvfsCreate, ReadonlyAttributeForbidsWriting) {
  ASSERT_EQ(open("ro", access::kGenericAll, CD::Create, 0, share::kAll, file_attribute::kReadonly)
                .status(),
            NtStatus::Success);
  EXPECT_EQ(open("ro", access::kGenericWrite, CD::Open).status(), NtStatus::AccessDenied);
  EXPECT_EQ(open("ro", access::kAppendData, CD::Open).status(), NtStatus::AccessDenied);
  EXPECT_EQ(open("ro", access::kGenericRead, CD::Overwrite).status(), NtStatus::AccessDenied);
  EXPECT_EQ(open("ro", access::kGenericRead, CD::Open).status(), NtStatus::Success);
  // MAXIMUM_ALLOWED leaves out the write rights instead of failing.
  auto m = open("ro", access::kMaximumAllowed, CD::Open);
  ASSERT_EQ(m.status(), NtStatus::Success);
  EXPECT_EQ(write(m.handle, "x").status, NtStatus::AccessDenied);
  // Delete access may be held, but the file cannot be deleted (MS-FSA: STATUS_CANNOT_DELETE).
  auto d = must_open("ro", access::kDelete);
  EXPECT_EQ(set_disposition(d, true).status, NtStatus::CannotDelete);
  EXPECT_EQ(open("ro", access::kDelete, CD::Open, create_option::kDeleteOnClose).status(),
            NtStatus::CannotDelete);
}

TEST_F(PvfsCreate, UnixPermissionsOfNonRootCaller) {
  put("mine", "x");
  put("theirs", "x");
  fs::permissions(root() / "theirs", fs::perms::owner_read | fs::perms::owner_write);
  auto who = std::make_shared<SecurityContext>();
  who->uid = 4242;
  who->gid = 4242;
  // Owned by root, mode 0600: nothing but attributes for uid 4242.
  EXPECT_EQ(open("theirs", access::kGenericRead, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::AccessDenied);
  EXPECT_EQ(open("theirs", access::kReadAttributes, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::Success);
  // 0644: readable, not writable.
  fs::permissions(root() / "mine", fs::perms::owner_read | fs::perms::owner_write |
                                       fs::perms::group_read | fs::perms::others_read);
  EXPECT_EQ(open("mine", access::kGenericRead, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::Success);
  EXPECT_EQ(open("mine", access::kGenericWrite, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::AccessDenied);
  // The share root is 0755 and owned by root: no new files there.
  fs::permissions(root(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  EXPECT_EQ(open("new", access::kGenericAll, CD::Create, 0, share::kAll, 0, who).status(),
            NtStatus::AccessDenied);
  // A writable directory: the new file belongs to the caller.
  fs::create_directory(root() / "pub");
  fs::permissions(root() / "pub", fs::perms::all);
  auto o = open("pub\\new", access::kGenericAll, CD::Create, 0, share::kAll, 0, who);
  ASSERT_EQ(o.status(), NtStatus::Success);
  struct stat st {};
  ASSERT_EQ(::stat((root() / "pub" / "new").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4242u);
  EXPECT_EQ(st.st_gid, 4242u);
}

TEST_F(PvfsCreate, CreatedFileGetsArchiveAndRequestedAttributes) {
  auto o = open("h", access::kGenericAll, CD::Create, 0, share::kAll, file_attribute::kHidden);
  ASSERT_EQ(o.status(), NtStatus::Success);
  std::vector<std::byte> buf(proto::fscc::kBasicInfoSize);
  ASSERT_EQ(query(o.handle, FileInfoClass::Basic, buf).status, NtStatus::Success);
  EXPECT_EQ(proto::fscc::decode_basic(buf)->attributes,
            file_attribute::kHidden | file_attribute::kArchive);
  // Overwriting a hidden file without repeating HIDDEN is refused (MS-FSA 2.1.5.1.2.1).
  close(std::move(o.handle));
  EXPECT_EQ(open("h", access::kGenericAll, CD::OverwriteIf).status(), NtStatus::AccessDenied);
  EXPECT_EQ(open("h", access::kGenericAll, CD::OverwriteIf, 0, share::kAll, file_attribute::kHidden)
                .status(),
            NtStatus::Success);
}

TEST_F(PvfsCreate, InvalidDispositionAndDirectoryDisposition) {
  EXPECT_EQ(open("x", access::kGenericAll, static_cast<CD>(9)).status(),
            NtStatus::InvalidParameter);
  EXPECT_EQ(open("x", access::kGenericAll, CD::Supersede, create_option::kDirectoryFile).status(),
            NtStatus::InvalidParameter);
  EXPECT_FALSE(exists("x"));
}

}  // namespace
}  // namespace lwsmb::test
