// pvfs QUERY/SET_INFORMATION and QUERY_VOLUME_INFORMATION.
#include <sys/stat.h>

#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

namespace fscc = proto::fscc;
using CD = CreateDisposition;
using PvfsInfo = PvfsTest;

template <class T>
std::vector<std::byte> encoded(const T& v, size_t size) {
  std::vector<std::byte> b(size);
  EXPECT_TRUE(fscc::encode(v, b).ok());
  return b;
}

std::vector<std::byte> rename_buf(const std::u16string& name, bool replace) {
  fscc::RenameInfo r;
  r.replace_if_exists = replace;
  r.file_name = name;
  std::vector<std::byte> b(fscc::encoded_size(r));
  EXPECT_TRUE(fscc::encode(r, b).ok());
  return b;
}

TEST_F(PvfsInfo, BasicStandardInternalNetworkOpen) {
  put("f", "12345");
  auto h = must_open("f", access::kGenericRead);
  struct stat st {};
  ASSERT_EQ(::stat((root() / "f").c_str(), &st), 0);

  std::vector<std::byte> b(fscc::kBasicInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
  auto basic = *fscc::decode_basic(b);
  EXPECT_EQ(basic.last_write_time, fscc::filetime_from_unix(st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
  EXPECT_EQ(basic.attributes, file_attribute::kNormal);
  EXPECT_GT(basic.creation_time, 0);

  std::vector<std::byte> s(fscc::kStandardInfoSize);
  auto sb = query(h, FileInfoClass::Standard, s);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, fscc::kStandardInfoSize);
  auto standard = *fscc::decode_standard(s);
  EXPECT_EQ(standard.end_of_file, 5);
  EXPECT_FALSE(standard.directory);
  EXPECT_FALSE(standard.delete_pending);
  EXPECT_EQ(standard.number_of_links, 1u);

  std::vector<std::byte> i(fscc::kInternalInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Internal, i).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_internal(i)->index_number, st.st_ino);

  std::vector<std::byte> n(fscc::kNetworkOpenInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::NetworkOpen, n).status, NtStatus::Success);
  auto net = *fscc::decode_network_open(n);
  EXPECT_EQ(net.end_of_file, 5);
  EXPECT_EQ(net.last_write_time, basic.last_write_time);
  EXPECT_EQ(net.attributes, file_attribute::kNormal);
}

TEST_F(PvfsInfo, AllInformationCarriesTheName) {
  put("dir/file.txt", "abc");
  auto h = must_open("dir\\file.txt", access::kGenericRead);
  std::vector<std::byte> b(512);
  auto sb = query(h, FileInfoClass::All, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto all = fscc::decode_all(std::span(b).first(sb.information));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->file_name, u"\\dir\\file.txt");
  EXPECT_EQ(all->standard.end_of_file, 3);
  EXPECT_EQ(all->access_flags, access::kFileGenericRead);
  // Too small for the name: the fixed part and STATUS_BUFFER_OVERFLOW.
  std::vector<std::byte> small(fscc::kAllInfoFixedSize + 4);
  sb = query(h, FileInfoClass::All, small);
  EXPECT_EQ(sb.status, NtStatus::BufferOverflow);
  EXPECT_EQ(sb.information, small.size());
}

TEST_F(PvfsInfo, DirectoryStandardInfo) {
  fs::create_directory(root() / "d");
  auto h = must_open("d", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  std::vector<std::byte> s(fscc::kStandardInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Standard, s).status, NtStatus::Success);
  EXPECT_TRUE(fscc::decode_standard(s)->directory);
  std::vector<std::byte> b(fscc::kBasicInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_basic(b)->attributes, file_attribute::kDirectory);
}

TEST_F(PvfsInfo, ErrorsForClassAndLength) {
  put("f", "x");
  auto h = must_open("f", access::kGenericAll);
  std::vector<std::byte> tiny(3);
  EXPECT_EQ(query(h, FileInfoClass::Basic, tiny).status, NtStatus::InfoLengthMismatch);
  EXPECT_EQ(query(h, FileInfoClass::Standard, tiny).status, NtStatus::InfoLengthMismatch);
  std::vector<std::byte> big(256);
  // FileCompressionInformation is answered now (smbtorture getinfo.complex queries it and
  // MS-FSCC 2.4.9 defines it for every file); a class pvfs has no answer for is still refused.
  EXPECT_EQ(query(h, FileInfoClass::CompressionInformation, big).status, NtStatus::Success);
  EXPECT_EQ(query(h, FileInfoClass::Link, big).status, NtStatus::InvalidInfoClass);
  EXPECT_EQ(query(h, FileInfoClass::Directory, big).status, NtStatus::InvalidInfoClass);
  EXPECT_EQ(set_info(h, FileInfoClass::Internal, big).status, NtStatus::InvalidInfoClass);
  EXPECT_EQ(set_info(h, FileInfoClass::EndOfFile, tiny).status, NtStatus::InfoLengthMismatch);
}

TEST_F(PvfsInfo, PositionRoundTrip) {
  put("f", "x");
  auto h = must_open("f", access::kGenericRead);
  EXPECT_EQ(set_info(h, FileInfoClass::Position,
                     encoded(fscc::PositionInfo{1234}, fscc::kPositionInfoSize))
                .status,
            NtStatus::Success);
  std::vector<std::byte> p(fscc::kPositionInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Position, p).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_position(p)->current_byte_offset, 1234);
}

TEST_F(PvfsInfo, EndOfFileShrinksAndGrows) {
  put("f", "0123456789");
  auto h = must_open("f", access::kGenericAll);
  EXPECT_EQ(set_info(h, FileInfoClass::EndOfFile,
                     encoded(fscc::EndOfFileInfo{4}, fscc::kEndOfFileInfoSize))
                .status,
            NtStatus::Success);
  EXPECT_EQ(get("f"), "0123");
  EXPECT_EQ(set_info(h, FileInfoClass::EndOfFile,
                     encoded(fscc::EndOfFileInfo{8}, fscc::kEndOfFileInfoSize))
                .status,
            NtStatus::Success);
  EXPECT_EQ(get("f"), std::string("0123\0\0\0\0", 8));
  EXPECT_EQ(set_info(h, FileInfoClass::EndOfFile,
                     encoded(fscc::EndOfFileInfo{-1}, fscc::kEndOfFileInfoSize))
                .status,
            NtStatus::InvalidParameter);
}

TEST_F(PvfsInfo, AllocationBelowEndOfFileTruncates) {
  put("f", "0123456789");
  auto h = must_open("f", access::kGenericAll);
  EXPECT_EQ(set_info(h, FileInfoClass::Allocation,
                     encoded(fscc::AllocationInfo{3}, fscc::kAllocationInfoSize))
                .status,
            NtStatus::Success);
  EXPECT_EQ(get("f"), "012");
  EXPECT_EQ(set_info(h, FileInfoClass::Allocation,
                     encoded(fscc::AllocationInfo{1 << 20}, fscc::kAllocationInfoSize))
                .status,
            NtStatus::Success);
  EXPECT_EQ(get("f"), "012");
}

TEST_F(PvfsInfo, SetBasicTimesAndAttributes) {
  put("f", "x");
  auto h = must_open("f", access::kGenericAll);
  std::vector<std::byte> b(fscc::kBasicInfoSize);
  ASSERT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
  const auto before = *fscc::decode_basic(b);

  const int64_t t_write = fscc::filetime_from_unix(1'000'000'000, 500'000'000);
  const int64_t t_create = fscc::filetime_from_unix(900'000'000, 0);
  fscc::BasicInfo set{t_create, 0, t_write, 0, file_attribute::kHidden};
  ASSERT_EQ(set_info(h, FileInfoClass::Basic, encoded(set, fscc::kBasicInfoSize)).status,
            NtStatus::Success);
  ASSERT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
  auto after = *fscc::decode_basic(b);
  EXPECT_EQ(after.last_write_time, t_write);
  EXPECT_EQ(after.creation_time, t_create);
  EXPECT_EQ(after.last_access_time, before.last_access_time);  // 0: unchanged
  EXPECT_EQ(after.attributes, file_attribute::kHidden);
  struct stat st {};
  ASSERT_EQ(::stat((root() / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'000'000'000);

  // -1 leaves times alone too; values below -2 are invalid.
  fscc::BasicInfo keep{-1, -1, -1, -1, 0};
  ASSERT_EQ(set_info(h, FileInfoClass::Basic, encoded(keep, fscc::kBasicInfoSize)).status,
            NtStatus::Success);
  ASSERT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_basic(b)->last_write_time, t_write);
  EXPECT_EQ(fscc::decode_basic(b)->attributes, file_attribute::kHidden);
  fscc::BasicInfo bad{0, -3, 0, 0, 0};
  EXPECT_EQ(set_info(h, FileInfoClass::Basic, encoded(bad, fscc::kBasicInfoSize)).status,
            NtStatus::InvalidParameter);
  // DIRECTORY on a file is invalid; NORMAL clears the attributes.
  fscc::BasicInfo dir{0, 0, 0, 0, file_attribute::kDirectory};
  EXPECT_EQ(set_info(h, FileInfoClass::Basic, encoded(dir, fscc::kBasicInfoSize)).status,
            NtStatus::InvalidParameter);
  fscc::BasicInfo normal{0, 0, 0, 0, file_attribute::kNormal};
  ASSERT_EQ(set_info(h, FileInfoClass::Basic, encoded(normal, fscc::kBasicInfoSize)).status,
            NtStatus::Success);
  ASSERT_EQ(query(h, FileInfoClass::Basic, b).status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_basic(b)->attributes, file_attribute::kNormal);
}

TEST_F(PvfsInfo, ReadonlyAttributeViaSetBasic) {
  put("f", "x");
  {
    auto h = must_open("f", access::kGenericAll);
    fscc::BasicInfo ro{0, 0, 0, 0, file_attribute::kReadonly};
    ASSERT_EQ(set_info(h, FileInfoClass::Basic, encoded(ro, fscc::kBasicInfoSize)).status,
              NtStatus::Success);
  }
  EXPECT_EQ(open("f", access::kGenericWrite, CD::Open).status(), NtStatus::AccessDenied);
}

TEST_F(PvfsInfo, RenameWithinAndAcrossDirectories) {
  put("a.txt", "A");
  fs::create_directory(root() / "sub");
  auto h = must_open("a.txt", access::kGenericRead | access::kDelete);
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"b.txt", false)).status,
            NtStatus::Success);
  EXPECT_FALSE(exists("a.txt"));
  EXPECT_EQ(get("b.txt"), "A");
  // Leading backslash and a subdirectory; the open follows its file.
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"\\sub\\c.txt", false)).status,
            NtStatus::Success);
  EXPECT_EQ(get("sub/c.txt"), "A");
  std::vector<std::byte> b(512);
  auto sb = query(h, FileInfoClass::All, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_all(std::span(b).first(sb.information))->file_name, u"\\sub\\c.txt");
  // Case-only rename.
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"sub\\C.TXT", false)).status,
            NtStatus::Success);
  EXPECT_TRUE(exists("sub/C.TXT"));
  EXPECT_FALSE(exists("sub/c.txt"));
}

TEST_F(PvfsInfo, RenameOntoExistingName) {
  put("src", "new");
  put("dst", "old");
  put("Other", "other");
  auto h = must_open("src", access::kDelete);
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"dst", false)).status,
            NtStatus::ObjectNameCollision);
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"DST", false)).status,
            NtStatus::ObjectNameCollision);
  EXPECT_EQ(get("dst"), "old");
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"dst", true)).status, NtStatus::Success);
  EXPECT_EQ(get("dst"), "new");
  EXPECT_FALSE(exists("src"));
  // Replacing a name that differs in case leaves one file, with the new case.
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"other", true)).status,
            NtStatus::Success);
  EXPECT_EQ(get("other"), "new");
  EXPECT_FALSE(exists("Other"));
  EXPECT_FALSE(exists("dst"));
}

TEST_F(PvfsInfo, RenameRefusals) {
  put("f", "x");
  put("busy", "y");
  put("d/inner", "z");
  auto h = must_open("f", access::kDelete);
  auto busy = must_open("busy", access::kGenericRead);
  // A target someone has open is not replaced.
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"busy", true)).status,
            NtStatus::AccessDenied);
  // A directory is never replaced.
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"d", true)).status,
            NtStatus::AccessDenied);
  // Missing target directory; bad names; escapes.
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"nodir\\x", false)).status,
            NtStatus::ObjectPathNotFound);
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"..\\escaped", false)).status,
            NtStatus::ObjectPathSyntaxBad);
  EXPECT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"a/b", false)).status,
            NtStatus::ObjectNameInvalid);
  // Needs DELETE access.
  auto r = must_open("busy", access::kGenericRead);
  EXPECT_EQ(set_info(r, FileInfoClass::Rename, rename_buf(u"z", false)).status,
            NtStatus::AccessDenied);
  // A directory with an open file below it stays where it is.
  auto inner = must_open("d\\inner", access::kGenericRead);
  auto dir = must_open("d", access::kDelete, CD::Open, create_option::kDirectoryFile);
  EXPECT_EQ(set_info(dir, FileInfoClass::Rename, rename_buf(u"d2", false)).status,
            NtStatus::AccessDenied);
  close(std::move(inner));
  EXPECT_EQ(set_info(dir, FileInfoClass::Rename, rename_buf(u"d2", false)).status,
            NtStatus::Success);
  EXPECT_EQ(get("d2/inner"), "z");
  EXPECT_EQ(get("f"), "x");
  EXPECT_FALSE(exists("../escaped"));
}

TEST_F(PvfsInfo, DeleteOnCloseAfterRenameDeletesTheNewName) {
  put("f", "x");
  auto h = must_open("f", access::kGenericAll, CD::Open, create_option::kDeleteOnClose);
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_buf(u"g", false)).status, NtStatus::Success);
  EXPECT_TRUE(exists("g"));
  close(std::move(h));
  EXPECT_FALSE(exists("g"));
  EXPECT_FALSE(exists("f"));
}

TEST_F(PvfsInfo, VolumeClasses) {
  auto h = must_open("", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  std::vector<std::byte> b(256);
  auto sb = io.query_volume_information(h, FsInfoClass::Size, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto size = *fscc::decode_fs_size(std::span(b).first(sb.information));
  EXPECT_GT(size.total_allocation_units, 0);
  EXPECT_LE(size.available_allocation_units, size.total_allocation_units);
  EXPECT_EQ(size.bytes_per_sector, 512u);
  EXPECT_GT(size.sectors_per_allocation_unit, 0u);

  sb = io.query_volume_information(h, FsInfoClass::FullSize, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto full = *fscc::decode_fs_full_size(std::span(b).first(sb.information));
  EXPECT_EQ(full.total_allocation_units, size.total_allocation_units);
  EXPECT_GE(full.actual_available_allocation_units, full.caller_available_allocation_units);

  sb = io.query_volume_information(h, FsInfoClass::Attribute, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto attr = *fscc::decode_fs_attribute(std::span(b).first(sb.information));
  EXPECT_EQ(attr.file_system_name, u"NTFS");
  EXPECT_EQ(attr.maximum_component_name_length, 255);
  EXPECT_TRUE(attr.attributes & 0x2);      // FILE_CASE_PRESERVED_NAMES
  EXPECT_FALSE(attr.attributes & 0x1);     // not case-sensitive search
  EXPECT_TRUE(attr.attributes & 0x40000);  // FILE_NAMED_STREAMS

  sb = io.query_volume_information(h, FsInfoClass::Device, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(fscc::decode_fs_device(std::span(b).first(sb.information))->device_type, 7u);

  sb = io.query_volume_information(h, FsInfoClass::Volume, b);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_TRUE(fscc::decode_fs_volume(std::span(b).first(sb.information)).ok());

  std::vector<std::byte> tiny(4);
  EXPECT_EQ(io.query_volume_information(h, FsInfoClass::Size, tiny).status,
            NtStatus::InfoLengthMismatch);
  // FileFsObjectIdInformation is answered now (MS-FSCC 2.5.6; smbtorture getinfo.fsinfo
  // expects it to succeed); a class pvfs has no answer for is still refused.
  EXPECT_EQ(io.query_volume_information(h, FsInfoClass::ObjectId, b).status, NtStatus::Success);
  EXPECT_EQ(io.query_volume_information(h, FsInfoClass::Label, b).status,
            NtStatus::InvalidInfoClass);
}

TEST_F(PvfsInfo, StreamAndAlternateName) {
  put("dir/Report.txt", "12345");
  auto h = must_open("dir\\Report.txt", access::kFileGenericRead);
  std::vector<std::byte> buf(256);
  auto st = query(h, FileInfoClass::Stream, buf);
  ASSERT_EQ(st.status, NtStatus::Success);
  ASSERT_EQ(st.information, 24u + 14u);         // one entry, "::$DATA"
  EXPECT_EQ(std::to_integer<int>(buf[4]), 14);  // StreamNameLength
  EXPECT_EQ(std::to_integer<int>(buf[8]), 5);   // StreamSize
  EXPECT_EQ(std::to_integer<char>(buf[24]), ':');
  std::vector<std::byte> small(10);
  EXPECT_EQ(query(h, FileInfoClass::Stream, small).status, NtStatus::BufferOverflow);

  st = query(h, FileInfoClass::AlternateName, buf);
  ASSERT_EQ(st.status, NtStatus::Success);
  ASSERT_EQ(st.information, 4u + 20u);  // FileNameLength + "Report.txt"
  EXPECT_EQ(std::to_integer<int>(buf[0]), 20);
  EXPECT_EQ(std::to_integer<char>(buf[4]), 'R');

  auto d = must_open("dir", access::kFileGenericRead, CreateDisposition::Open,
                     create_option::kDirectoryFile);
  st = query(d, FileInfoClass::Stream, buf);
  EXPECT_EQ(st.status, NtStatus::Success);
  EXPECT_EQ(st.information, 0u);  // a directory has no data stream
}

TEST_F(PvfsInfo, ObjectIdIsStableAndSized) {
  put("obj", "x");
  auto h = must_open("obj", access::kFileGenericRead);
  std::vector<std::byte> a(64), b(64), small(63);
  auto st = io.fs_control(h, 0x000900C0, {}, a);
  ASSERT_EQ(st.status, NtStatus::Success);
  EXPECT_EQ(st.information, 64u);
  ASSERT_EQ(io.fs_control(h, 0x0009009C, {}, b).status, NtStatus::Success);
  EXPECT_EQ(a, b);  // the same id every time
  EXPECT_NE(std::vector<std::byte>(a.begin(), a.begin() + 16), std::vector<std::byte>(16));
  EXPECT_EQ(io.fs_control(h, 0x000900C0, {}, small).status, NtStatus::BufferTooSmall);
  EXPECT_EQ(io.fs_control(h, 0x12345678, {}, a).status, NtStatus::InvalidDeviceRequest);
}

}  // namespace
}  // namespace lwsmb::test
