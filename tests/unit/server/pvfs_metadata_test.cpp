// pvfs security descriptors, EAs, ChangeTime, FileModeInformation, read position, directory
// FileIndex and I/O offset limits (behaviour smbtorture checks against Windows).
#include <sys/stat.h>

#include "lwsmb/proto/fscc_ea.hpp"
#include "lwsmb/proto/security.hpp"
#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using CD = CreateDisposition;
namespace sec = proto::security;
namespace fscc = proto::fscc;

class PvfsMeta : public PvfsTest {
 protected:
  std::shared_ptr<SecurityContext> user() {
    auto who = std::make_shared<SecurityContext>();
    who->uid = 4242;
    who->gid = 4242;
    return who;
  }
  // A directory the user owns, mode 0755.
  void user_dir(const std::string& rel) {
    fs::create_directory(root() / rel);
    ASSERT_EQ(::chown((root() / rel).c_str(), 4242, 4242), 0);
  }
  sec::SecurityDescriptor query_sd(const FileHandle& h, uint32_t info) {
    std::vector<std::byte> buf(4096);
    auto sb = io.query_security(h, info, buf);
    EXPECT_EQ(sb.status, NtStatus::Success);
    auto sd = sec::decode_security_descriptor(std::span(buf).first(sb.information));
    EXPECT_TRUE(sd.ok());
    return sd ? *sd : sec::SecurityDescriptor{};
  }
  NtStatus set_sd(const FileHandle& h, uint32_t info, const sec::SecurityDescriptor& sd) {
    auto bytes = sec::encode_security_descriptor(sd);
    return io.set_security(h, info, bytes).status;
  }
};

constexpr uint32_t kOwnerGroupDacl =
    sec::secinfo::kOwner | sec::secinfo::kGroup | sec::secinfo::kDacl;

TEST_F(PvfsMeta, SecurityDescriptorFromUnixModeAndRoundTrip) {
  user_dir("d");
  auto who = user();
  auto o = open("d\\f", access::kFileAllAccess, CD::Create, 0, share::kAll, 0, who);
  ASSERT_EQ(o.status(), NtStatus::Success);
  auto sd = query_sd(o.handle, kOwnerGroupDacl);
  ASSERT_TRUE(sd.owner && sd.group && sd.dacl);
  EXPECT_EQ(sec::to_string(*sd.owner), "S-1-22-1-4242");
  EXPECT_EQ(sec::to_string(*sd.group), "S-1-22-2-4242");
  EXPECT_EQ(sd.dacl->aces.size(), 3u);  // owner, group, Everyone

  // An added ACE reads back as set (smbtorture setinfo "sec_desc level").
  sec::Ace ace;
  ace.mask = access::kReadControl;
  ace.sid = sec::authenticated_users_sid();
  sd.dacl->aces.push_back(ace);
  EXPECT_EQ(set_sd(o.handle, kOwnerGroupDacl, sd), NtStatus::Success);
  EXPECT_EQ(query_sd(o.handle, kOwnerGroupDacl), sd);
  // Only the owner was asked for: no DACL comes back.
  auto only_owner = query_sd(o.handle, sec::secinfo::kOwner);
  EXPECT_TRUE(only_owner.owner && !only_owner.dacl && !only_owner.group);
  // Giving the file away needs root.
  auto other = sd;
  other.owner = sec::unix_user_sid(4343);
  EXPECT_EQ(set_sd(o.handle, sec::secinfo::kOwner, other), NtStatus::InvalidOwner);
  // A too small buffer gets nothing but the size it needs.
  std::vector<std::byte> tiny(8);
  auto sb = io.query_security(o.handle, kOwnerGroupDacl, tiny);
  EXPECT_EQ(sb.status, NtStatus::BufferTooSmall);
  EXPECT_GT(sb.information, 8u);
}

TEST_F(PvfsMeta, StoredDaclNarrowsAccessAndIsInherited) {
  user_dir("d");
  auto who = user();
  auto dir = open("d", access::kReadControl | access::kWriteDac | access::kWriteOwner, CD::Open,
                  create_option::kDirectoryFile, share::kAll, 0, who);
  ASSERT_EQ(dir.status(), NtStatus::Success);
  // As delete-on-close.c's create_dir: everything but DELETE and FILE_DELETE_CHILD, inherited
  // by files.
  sec::SecurityDescriptor sd;
  sd.owner = sec::unix_user_sid(4242);
  sd.dacl = sec::Acl{};
  sec::Ace ace;
  ace.mask = 0x1e01bf;
  ace.flags = sec::ace_flag::kObjectInherit;
  ace.sid = sec::unix_user_sid(4242);
  sd.dacl->aces.push_back(ace);
  ASSERT_EQ(set_sd(dir.handle, sec::secinfo::kOwner | sec::secinfo::kDacl, sd), NtStatus::Success);

  // The creator of a new file gets what it asks for, DELETE included.
  const uint32_t want =
      access::kDelete | access::kWriteData | access::kReadAttributes | access::kReadControl;
  auto f = open("d\\f", want, CD::Create, 0, share::kAll, 0, who);
  ASSERT_EQ(f.status(), NtStatus::Success);
  auto inherited = query_sd(f.handle, sec::secinfo::kDacl);
  ASSERT_TRUE(inherited.dacl);
  ASSERT_EQ(inherited.dacl->aces.size(), 1u);
  EXPECT_EQ(inherited.dacl->aces[0].mask, 0x1e01bfu);
  EXPECT_EQ(inherited.dacl->aces[0].flags, sec::ace_flag::kInherited);
  EXPECT_EQ(close(std::move(f.handle)), NtStatus::Success);
  // Reopened: neither the file's DACL nor the directory's FILE_DELETE_CHILD allows DELETE.
  EXPECT_EQ(open("d\\f", want, CD::Open, 0, share::kAll, 0, who).status(), NtStatus::AccessDenied);
  EXPECT_EQ(open("d\\f", access::kWriteData, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::Success);
  // The directory itself may still be deleted: its parent (the root, Unix only) allows it.
  fs::permissions(root(), fs::perms::all);
  EXPECT_EQ(open("d", access::kDelete, CD::Open, create_option::kDirectoryFile, share::kAll, 0, who)
                .status(),
            NtStatus::Success);
}

TEST_F(PvfsMeta, ExtendedAttributesSetQueryAndRemove) {
  put("f", "x");
  auto h = must_open("f");
  std::vector<std::byte> buf(1024);
  EXPECT_EQ(query(h, FileInfoClass::FullEa, buf).status, NtStatus::NoEasOnFile);
  std::vector<fscc::FullEa> list{{0, "EaOne", to_bytes("VALUE1")}, {0, "Second", to_bytes("v2")}};
  std::vector<std::byte> in(fscc::encoded_size(list));
  ASSERT_TRUE(fscc::encode_full_ea_list(list, in).ok());
  EXPECT_EQ(set_info(h, FileInfoClass::FullEa, in).status, NtStatus::Success);
  auto sb = query(h, FileInfoClass::FullEa, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto got = fscc::decode_full_ea_list(std::span(buf).first(sb.information));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].name, "EAONE");  // stored upper-cased, as Windows reports them
  EXPECT_EQ((*got)[0].value, to_bytes("VALUE1"));
  // An empty value removes the EA; a bad name changes nothing.
  std::vector<fscc::FullEa> del{{0, "eaone", {}}};
  in.assign(fscc::encoded_size(del), std::byte{0});
  ASSERT_TRUE(fscc::encode_full_ea_list(del, in).ok());
  EXPECT_EQ(set_info(h, FileInfoClass::FullEa, in).status, NtStatus::Success);
  std::vector<fscc::FullEa> bad{{0, "a*b", to_bytes("x")}};
  in.assign(fscc::encoded_size(bad), std::byte{0});
  ASSERT_TRUE(fscc::encode_full_ea_list(bad, in).ok());
  EXPECT_EQ(set_info(h, FileInfoClass::FullEa, in).status, NtStatus::InvalidEaName);
  sb = query(h, FileInfoClass::FullEa, buf);
  got = fscc::decode_full_ea_list(std::span(buf).first(sb.information));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].name, "SECOND");
}

// More EA names than the first listxattr buffer holds (512 bytes): all of them are listed.
TEST_F(PvfsMeta, ManyExtendedAttributesAreAllListed) {
  put("many", "x");
  auto h = must_open("many");
  std::vector<fscc::FullEa> list;
  for (int i = 0; i < 24; ++i) {
    list.push_back({0, "ATTRIBUTE_NAME_OF_SOME_LENGTH_" + std::to_string(100 + i), to_bytes("v")});
  }
  std::vector<std::byte> in(fscc::encoded_size(list));
  ASSERT_TRUE(fscc::encode_full_ea_list(list, in).ok());
  ASSERT_EQ(set_info(h, FileInfoClass::FullEa, in).status, NtStatus::Success);
  std::vector<std::byte> buf(8192);
  auto sb = query(h, FileInfoClass::FullEa, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto got = fscc::decode_full_ea_list(std::span(buf).first(sb.information));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), list.size());
  std::vector<std::byte> ea(4);
  ASSERT_EQ(query(h, FileInfoClass::Ea, ea).status, NtStatus::Success);
  const uint32_t size = std::to_integer<uint32_t>(ea[0]) | std::to_integer<uint32_t>(ea[1]) << 8 |
                        std::to_integer<uint32_t>(ea[2]) << 16;
  EXPECT_EQ(size, fscc::encoded_size(*got));
}

// A file just made reports the attributes it was made with and its inode as its id, as a later
// open of it does (the create path no longer reads them back).
TEST_F(PvfsMeta, NewFileReportsWhatAReopenReports) {
  user_dir("n");
  auto who = user();
  auto made =
      open("n\\f", access::kGenericAll, CD::Create, 0, share::kAll, file_attribute::kHidden, who);
  ASSERT_EQ(made.status(), NtStatus::Success);
  // FileBasicInformation and FileInternalInformation of an open.
  auto basic_and_id = [this](const FileHandle& h) {
    std::vector<std::byte> b(fscc::kBasicInfoSize), i(fscc::kInternalInfoSize);
    EXPECT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
    EXPECT_EQ(query(h, FileInfoClass::Internal, i).status, NtStatus::Success);
    return std::pair(fscc::decode_basic(b), fscc::decode_internal(i));
  };
  auto [basic1, id1] = basic_and_id(made.handle);
  ASSERT_TRUE(basic1.ok() && id1.ok());
  EXPECT_EQ(basic1->attributes, file_attribute::kHidden | file_attribute::kArchive);
  struct stat st {};
  ASSERT_EQ(::stat((root() / "n" / "f").c_str(), &st), 0);
  EXPECT_EQ(id1->index_number, static_cast<uint64_t>(st.st_ino));
  EXPECT_EQ(st.st_uid, 4242u);
  EXPECT_EQ(close(std::move(made.handle)), NtStatus::Success);

  auto again = open("n\\f", access::kReadAttributes, CD::Open, 0, share::kAll, 0, who);
  ASSERT_EQ(again.status(), NtStatus::Success);
  auto [basic2, id2] = basic_and_id(again.handle);
  ASSERT_TRUE(basic2.ok() && id2.ok());
  EXPECT_EQ(basic2->attributes, basic1->attributes);
  EXPECT_EQ(basic2->creation_time, basic1->creation_time);
  EXPECT_EQ(id2->index_number, id1->index_number);
}

// The parent directory decides DELETE only: a stat-like open of a file in a directory the user
// may not write works, DELETE there is refused, and MAXIMUM_ALLOWED leaves DELETE out.
TEST_F(PvfsMeta, ParentDecidesDeleteOnly) {
  fs::create_directory(root() / "q");  // root's, 0755: the user may not remove entries
  put("q/g", "data");
  ::chmod((root() / "q" / "g").c_str(), 0666);
  auto who = user();
  auto r = open("q\\g", access::kReadAttributes | access::kSynchronize, CD::Open, 0, share::kAll, 0,
                who);
  EXPECT_EQ(r.status(), NtStatus::Success);
  EXPECT_EQ(open("q\\g", access::kDelete, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::AccessDenied);
  EXPECT_EQ(open("q\\g", access::kGenericAll, CD::Open, 0, share::kAll, 0, who).status(),
            NtStatus::AccessDenied);
  auto most = open("q\\g", access::kMaximumAllowed, CD::Open, 0, share::kAll, 0, who);
  ASSERT_EQ(most.status(), NtStatus::Success);
  std::vector<std::byte> a(4);
  ASSERT_EQ(query(most.handle, FileInfoClass::Access, a).status, NtStatus::Success);
  const uint32_t granted = std::to_integer<uint32_t>(a[0]) | std::to_integer<uint32_t>(a[1]) << 8 |
                           std::to_integer<uint32_t>(a[2]) << 16 |
                           std::to_integer<uint32_t>(a[3]) << 24;
  EXPECT_EQ(granted & access::kDelete, 0u);
  EXPECT_NE(granted & access::kWriteData, 0u);
}

TEST_F(PvfsMeta, ChangeTimeSetHoldsUntilTheDataChanges) {
  put("f", "abc");
  auto h = must_open("f");
  fscc::BasicInfo b;
  b.last_write_time = fscc::filetime_from_unix(1600000000, 0);
  b.change_time = fscc::filetime_from_unix(1500000000, 0);
  std::vector<std::byte> in(fscc::kBasicInfoSize);
  ASSERT_TRUE(fscc::encode(b, in).ok());
  ASSERT_EQ(set_info(h, FileInfoClass::Basic, in).status, NtStatus::Success);
  std::vector<std::byte> out(fscc::kBasicInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Basic, out).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_basic(out)->change_time, b.change_time);
  // Attributes alone keep it (smbtorture setinfo "a zero time means don't change").
  fscc::BasicInfo attrs_only;
  attrs_only.attributes = file_attribute::kHidden;
  ASSERT_TRUE(fscc::encode(attrs_only, in).ok());
  ASSERT_EQ(set_info(h, FileInfoClass::Basic, in).status, NtStatus::Success);
  ASSERT_EQ(query(h, FileInfoClass::Basic, out).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_basic(out)->change_time, b.change_time);
  // A write moves the last write time: the real ctime shows again.
  ASSERT_EQ(write(h, "more", 3).status, NtStatus::Success);
  ASSERT_EQ(query(h, FileInfoClass::Basic, out).status, NtStatus::Success);
  EXPECT_NE(fscc::decode_basic(out)->change_time, b.change_time);
}

TEST_F(PvfsMeta, ModeInformationAndReadPosition) {
  put("f", "0123456789");
  auto h = must_open("f");
  auto set_mode = [&](uint32_t mode) {
    std::vector<std::byte> in(4);
    for (size_t i = 0; i < 4; ++i) in[i] = static_cast<std::byte>(mode >> (8 * i));
    return set_info(h, FileInfoClass::Mode, in).status;
  };
  EXPECT_EQ(set_mode(create_option::kWriteThrough), NtStatus::Success);
  EXPECT_EQ(set_mode(1), NtStatus::InvalidParameter);  // not a settable mode bit
  std::vector<std::byte> out(4);
  ASSERT_EQ(query(h, FileInfoClass::Mode, out).status, NtStatus::Success);
  EXPECT_EQ(std::to_integer<uint32_t>(out[0]), create_option::kWriteThrough);
  // CurrentByteOffset follows a read.
  EXPECT_EQ(read(h, 4, 2), "2345");
  std::vector<std::byte> pos(8);
  ASSERT_EQ(query(h, FileInfoClass::Position, pos).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_position(pos)->current_byte_offset, 6);
}

TEST_F(PvfsMeta, OffsetLimits) {
  put("f", "x");
  auto h = must_open("f");
  IoStatusBlock sb;
  read(h, 0, static_cast<uint64_t>(INT64_MAX), &sb);
  EXPECT_EQ(sb.status, NtStatus::Success);
  read(h, 1, static_cast<uint64_t>(INT64_MAX), &sb);
  EXPECT_EQ(sb.status, NtStatus::InvalidParameter);
  read(h, 0, static_cast<uint64_t>(INT64_MAX) + 1, &sb);
  EXPECT_EQ(sb.status, NtStatus::InvalidParameter);
  // MS-FSA MAXFILESIZE (0xfffffff0000): at it invalid, growing up to it "disk full".
  EXPECT_EQ(write(h, "x", 0xfffffff0000).status, NtStatus::InvalidParameter);
  EXPECT_EQ(write(h, "x", 0xfffffff0000 - 1).status, NtStatus::DiskFull);
  EXPECT_EQ(write(h, "", 0xfffffff0000).status, NtStatus::Success);
}

TEST_F(PvfsMeta, DirectoryEntriesCarryAFileIndexToResumeFrom) {
  for (const char* n : {"a", "b", "c", "d"}) put(n, "x");
  auto dir = must_open("", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  std::vector<std::byte> buf(4096);
  auto sb = io.query_directory(dir, FileInfoClass::FullDirectory, "*",
                               query_directory_flag::kRestartScans, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto all =
      fscc::decode_directory(FileInfoClass::FullDirectory, std::span(buf).first(sb.information));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6u);  // . .. a b c d
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].file_index, i + 1);
  // Resume after "b" (index 4): "c" comes next.
  QueryDirectoryArgs a;
  a.info_class = FileInfoClass::FullDirectory;
  a.flags = query_directory_flag::kIndexSpecified | query_directory_flag::kReturnSingleEntry;
  a.file_index = 4;
  a.pattern = "*";
  a.buffer = buf;
  sb = io.call(dir, std::move(a));
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto next =
      fscc::decode_directory(FileInfoClass::FullDirectory, std::span(buf).first(sb.information));
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].file_name, u"c");
}

TEST_F(PvfsMeta, RenameConflictsWithADeleteOpenOfTheDirectory) {
  fs::create_directory(root() / "d");
  put("d/f", "x");
  auto f = must_open("d\\f", access::kDelete, CD::Open, 0, 0);
  fscc::RenameInfo ri;
  ri.file_name = u"d\\g";
  std::vector<std::byte> in(fscc::encoded_size(ri));
  ASSERT_TRUE(fscc::encode(ri, in).ok());
  {
    // The directory open with DELETE access (even sharing delete) blocks the rename.
    auto d = must_open("d", access::kDelete | access::kReadAttributes, CD::Open,
                       create_option::kDirectoryFile, share::kAll);
    EXPECT_EQ(set_info(f, FileInfoClass::Rename, in).status, NtStatus::SharingViolation);
    close(std::move(d));
  }
  auto d = must_open("d", access::kReadAttributes | access::kReadData, CD::Open,
                     create_option::kDirectoryFile, share::kAll);
  EXPECT_EQ(set_info(f, FileInfoClass::Rename, in).status, NtStatus::Success);
}

}  // namespace
}  // namespace lwsmb::test
