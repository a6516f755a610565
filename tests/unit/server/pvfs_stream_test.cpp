// pvfs named streams: the "file:stream:$DATA" parser, FileStreamInformation, and stream
// create/read/write/list/delete/rename through the driver.
#include <sys/xattr.h>

#include "pvfs/pvfs_path.hpp"
#include "pvfs/pvfs_stream.hpp"
#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

namespace fscc = proto::fscc;
using CD = CreateDisposition;
using server::pvfs::encode_stream_information;
using server::pvfs::parse_nt_path;
using server::pvfs::split_stream_path;
using server::pvfs::StreamEntry;
using PvfsStream = PvfsTest;

TEST(PvfsStreamPath, PlainPathsHaveNoStream) {
  for (std::string_view p : {"", "a", "dir\\file.txt", "dir\\"}) {
    auto s = split_stream_path(p);
    ASSERT_TRUE(s.ok()) << p;
    EXPECT_EQ(s->file, p);
    EXPECT_TRUE(s->stream.empty());
    EXPECT_FALSE(s->explicit_default);
  }
}

TEST(PvfsStreamPath, NamedAndDefaultStreams) {
  struct Case {
    std::string_view path, file, stream;
    bool def;
  } cases[] = {
      {"f:s", "f", "s", false},
      {"dir\\f:Stream One", "dir\\f", "Stream One", false},
      {"f:s:$DATA", "f", "s", false},
      {"f:s:$dAtA", "f", "s", false},
      {"f::$DATA", "f", "", true},
      {"f::$data", "f", "", true},
      {"f:?Stream*", "f", "?Stream*", false},          // wildcards are legal in stream names
      {"f:\x05Stream\n", "f", "\x05Stream\n", false},  // so are control characters but NUL
      {"f:$DATA", "f", "$DATA", false},                // a stream called $DATA
      {"f:\xc3\xa9t\xc3\xa9", "f", "\xc3\xa9t\xc3\xa9", false},
  };
  for (const auto& c : cases) {
    auto s = split_stream_path(c.path);
    ASSERT_TRUE(s.ok()) << c.path;
    EXPECT_EQ(s->file, c.file) << c.path;
    EXPECT_EQ(s->stream, c.stream) << c.path;
    EXPECT_EQ(s->explicit_default, c.def) << c.path;
  }
  EXPECT_TRUE(split_stream_path("f:" + std::string(255, 'x')).ok());
}

TEST(PvfsStreamPath, MalformedNamesAreInvalid) {
  const std::string cases[] = {
      "f:",                          // no name and no type
      "f::",                         // empty type
      "f:s:",                        // empty type
      "f:s:$FOO",                    // only $DATA is a stream type here
      "f::$INDEX_ALLOCATION",        //
      "f:s:?D*a",                    //
      "f:s:$DATA:x",                 // too many colons
      "f:s:x:$DATA",                 //
      "f:a/b",                       // '/' is not allowed in stream names
      "f:s\\x",                      // no separator after the stream part
      "f:s:$DATA\\",                 //
      "a:b\\c",                      // a stream part in a directory component
      "f:.",                         //
      "f:..",                        //
      "f:" + std::string(256, 'x'),  // over 255 characters
      "f:" + std::string(128, 'x') + std::string(64, '\xc3'),  // invalid UTF-8
      "f:\xff",                                                //
      std::string("f:a\0b", 5),                                // embedded NUL
  };
  for (const auto& c : cases) {
    auto s = split_stream_path(c);
    EXPECT_FALSE(s.ok()) << c;
    if (!s.ok()) {
      EXPECT_EQ(s.status(), NtStatus::ObjectNameInvalid) << c;
    }
  }
  // 128 two-byte characters fit NTFS's 255-character limit but not the 255-byte file name.
  std::string wide = "f:";
  for (int i = 0; i < 128; ++i) wide += "\xc3\xa9";
  EXPECT_EQ(split_stream_path(wide).status(), NtStatus::ObjectNameInvalid);
}

TEST(PvfsStreamPath, GarbageNeverGetsPast) {
  // Random names built from the characters that matter: every result is either a clean split
  // or STATUS_OBJECT_NAME_INVALID, and a named stream never holds a separator or NUL.
  const char alphabet[] = {':', ':', '\\', '/', '\0', 'a', '$', 'D', '.', '\xc3', '\xa9', '\xff'};
  uint32_t seed = 12345;
  for (int i = 0; i < 20000; ++i) {
    std::string name;
    const size_t len = seed % 12;
    for (size_t j = 0; j < len; ++j) {
      seed = seed * 1103515245 + 12345;
      name += alphabet[(seed >> 16) % sizeof alphabet];
    }
    seed = seed * 1103515245 + 12345;
    auto s = split_stream_path(name);
    if (!s.ok()) {
      EXPECT_EQ(s.status(), NtStatus::ObjectNameInvalid) << name;
      continue;
    }
    EXPECT_EQ(s->stream.find_first_of(std::string("\\/:\0", 4)), std::string::npos) << name;
    EXPECT_EQ(s->file.find(':'), std::string::npos) << name;
  }
}

TEST(PvfsStreamPath, StoreNameIsReserved) {
  for (std::string_view p : {".lwsmb-streams", ".LWSMB-Streams", ".lwsmb-streams\\x"}) {
    auto r = parse_nt_path(p);
    EXPECT_FALSE(r.ok()) << p;
    if (!r.ok()) {
      EXPECT_EQ(r.status(), NtStatus::ObjectNameInvalid) << p;
    }
  }
  EXPECT_TRUE(parse_nt_path("dir\\.lwsmb-streams-not").ok());
}

struct Entry {
  std::string name;
  int64_t size = 0;
};

// A FileStreamInformation list; fails the test on a malformed one.
std::vector<Entry> decode_streams(std::span<const std::byte> b) {
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v |= std::to_integer<uint32_t>(b[at + i]) << (8 * i);
    return v;
  };
  std::vector<Entry> out;
  size_t at = 0;
  while (at + 24 <= b.size()) {
    const uint32_t next = u32(at), len = u32(at + 4);
    EXPECT_LE(at + 24 + len, b.size());
    if (at + 24 + len > b.size()) break;
    std::u16string name(len / 2, u'\0');
    for (size_t i = 0; i < len / 2; ++i) {
      name[i] = static_cast<char16_t>(std::to_integer<uint16_t>(b[at + 24 + 2 * i]) |
                                      std::to_integer<uint16_t>(b[at + 25 + 2 * i]) << 8);
    }
    Entry e;
    e.name = *fscc::utf16_to_utf8(name);
    e.size = static_cast<int64_t>(u32(at + 8)) | static_cast<int64_t>(u32(at + 12)) << 32;
    out.push_back(e);
    if (next == 0) break;
    EXPECT_EQ(next % 8, 0u);
    at += next;
  }
  return out;
}

TEST(PvfsStreamInfo, EncodingAndOverflow) {
  std::vector<StreamEntry> streams(2);
  streams[0].name = "a";
  streams[0].size = 3;
  streams[1].name = "Second";
  streams[1].size = 70000;
  std::vector<std::byte> buf(256);
  size_t written = 0;
  ASSERT_EQ(encode_stream_information(true, 5, 4096, streams, buf, &written), NtStatus::Success);
  auto e = decode_streams(std::span(buf).first(written));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].name, "::$DATA");
  EXPECT_EQ(e[0].size, 5);
  EXPECT_EQ(e[1].name, ":a:$DATA");
  EXPECT_EQ(e[2].name, ":Second:$DATA");
  EXPECT_EQ(e[2].size, 70000);
  // Room for the first entry only (24 + 14 bytes): the rest is left out.
  std::vector<std::byte> small(45);
  ASSERT_EQ(encode_stream_information(true, 5, 4096, streams, small, &written),
            NtStatus::BufferOverflow);
  EXPECT_EQ(written, 38u);
  EXPECT_EQ(decode_streams(std::span(small).first(written)).size(), 1u);
  // A directory has no unnamed stream; nothing at all is an empty list.
  ASSERT_EQ(encode_stream_information(false, 0, 0, {}, buf, &written), NtStatus::Success);
  EXPECT_EQ(written, 0u);
  std::vector<std::byte> none;
  EXPECT_EQ(encode_stream_information(true, 0, 0, {}, none, &written), NtStatus::BufferOverflow);
}

class PvfsStreamDriver : public PvfsTest {
 protected:
  std::vector<Entry> streams_of(const FileHandle& h) {
    std::vector<std::byte> buf(4096);
    auto sb = query(h, FileInfoClass::Stream, buf);
    EXPECT_EQ(sb.status, NtStatus::Success);
    return decode_streams(std::span(buf).first(sb.information));
  }
  std::vector<std::string> names_of(const FileHandle& h) {
    std::vector<std::string> out;
    for (auto& e : streams_of(h)) out.push_back(e.name);
    return out;
  }
  std::string name_info(const FileHandle& h, FileInfoClass cls) {
    std::vector<std::byte> buf(1024);
    auto sb = query(h, cls, buf);
    EXPECT_EQ(sb.status, NtStatus::Success);
    // FileNameInformation: u32 length, then the UTF-16LE name.
    EXPECT_GE(sb.information, 4u);
    if (sb.information < 4) return "?";
    uint32_t len = 0;
    for (size_t i = 0; i < 4; ++i) len |= std::to_integer<uint32_t>(buf[i]) << (8 * i);
    EXPECT_EQ(4 + len, sb.information);
    if (4 + len > sb.information) return "?";
    std::u16string name(len / 2, u'\0');
    for (size_t i = 0; i < len / 2; ++i) {
      name[i] = static_cast<char16_t>(std::to_integer<uint16_t>(buf[4 + 2 * i]) |
                                      std::to_integer<uint16_t>(buf[5 + 2 * i]) << 8);
    }
    return *fscc::utf16_to_utf8(name);
  }
  size_t store_folders() {
    const auto store = root() / ".lwsmb-streams";
    if (!fs::exists(store)) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(store), {}));
  }
};

TEST_F(PvfsStreamDriver, CreateWriteReadOnANewFile) {
  auto o = open("f.txt:Stream One", access::kGenericAll, CD::Create);
  ASSERT_EQ(o.status(), NtStatus::Success);
  EXPECT_EQ(o.iosb.information, static_cast<uint64_t>(CreateAction::Created));
  EXPECT_TRUE(exists("f.txt"));  // the file is made with its first stream
  EXPECT_EQ(write(o.handle, "stream data").status, NtStatus::Success);
  EXPECT_EQ(close(std::move(o.handle)), NtStatus::Success);
  EXPECT_EQ(get("f.txt"), "");  // the main stream is untouched

  auto h = must_open("F.TXT:stream one:$DATA");  // names ignore case
  EXPECT_EQ(read(h, 100, 0), "stream data");
  EXPECT_EQ(read(h, 4, 7), "data");
  IoStatusBlock sb;
  read(h, 10, 11, &sb);
  EXPECT_EQ(sb.status, NtStatus::EndOfFile);
  EXPECT_EQ(name_info(h, FileInfoClass::Name), "\\f.txt:Stream One");  // the stored case
  EXPECT_EQ(name_info(h, FileInfoClass::NormalizedName), "f.txt:Stream One");
  close(std::move(h));

  auto main = must_open("f.txt::$DATA");
  EXPECT_EQ(read(main, 10, 0), "");
  EXPECT_EQ(name_info(main, FileInfoClass::Name), "\\f.txt");
  EXPECT_EQ(names_of(main), (std::vector<std::string>{"::$DATA", ":Stream One:$DATA"}));
  EXPECT_EQ(streams_of(main)[1].size, 11);
  // The store is out of the share's namespace.
  auto dir = must_open("", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  for (const auto& n : list(dir, "*")) EXPECT_NE(n, ".lwsmb-streams");
  EXPECT_TRUE(list(dir, ".lwsmb-streams").empty());
  EXPECT_EQ(open(".lwsmb-streams", access::kGenericRead, CD::Open).status(),
            NtStatus::ObjectNameInvalid);
}

TEST_F(PvfsStreamDriver, DispositionsAndErrors) {
  put("f", "main");
  EXPECT_EQ(open("f:s", access::kGenericAll, CD::Open).status(), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(open("f:s", access::kGenericAll, CD::Overwrite).status(), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(open("missing:s", access::kGenericAll, CD::Open).status(),
            NtStatus::ObjectNameNotFound);
  EXPECT_FALSE(exists("missing"));
  EXPECT_EQ(open("nodir\\f:s", access::kGenericAll, CD::OpenIf).status(),
            NtStatus::ObjectPathNotFound);
  EXPECT_EQ(open("f:s:", access::kGenericAll, CD::OpenIf).status(), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(open("f:s:$FOO", access::kGenericAll, CD::OpenIf).status(),
            NtStatus::ObjectNameInvalid);
  EXPECT_EQ(open("f:s", access::kGenericAll, CD::Create, create_option::kDirectoryFile).status(),
            NtStatus::NotADirectory);

  auto h = must_open("f:s", access::kGenericAll, CD::OpenIf);
  write(h, "12345");
  close(std::move(h));
  EXPECT_EQ(open("f:s", access::kGenericAll, CD::Create).status(), NtStatus::ObjectNameCollision);
  auto o = open("f:s", access::kGenericAll, CD::Overwrite);
  ASSERT_EQ(o.status(), NtStatus::Success);
  EXPECT_EQ(o.iosb.information, static_cast<uint64_t>(CreateAction::Overwritten));
  EXPECT_EQ(read(o.handle, 10, 0), "");  // the stream was truncated, not the file
  close(std::move(o.handle));
  EXPECT_EQ(get("f"), "main");

  // Overwriting the main stream drops the named ones.
  auto main = must_open("f", access::kGenericAll, CD::OverwriteIf);
  EXPECT_EQ(names_of(main), (std::vector<std::string>{"::$DATA"}));
  close(std::move(main));
  EXPECT_EQ(open("f:s", access::kGenericAll, CD::Open).status(), NtStatus::ObjectNameNotFound);
}

TEST_F(PvfsStreamDriver, EndOfFileAndInfoOfAStream) {
  put("f", "0123456789");
  auto h = must_open("f:s", access::kGenericAll, CD::Create);
  std::vector<std::byte> eof(8);
  ASSERT_TRUE(fscc::encode(fscc::EndOfFileInfo{8192}, eof).ok());
  EXPECT_EQ(set_info(h, FileInfoClass::EndOfFile, eof).status, NtStatus::Success);
  std::vector<std::byte> buf(64);
  auto sb = query(h, FileInfoClass::Standard, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  auto std_info = fscc::decode_standard(std::span(buf).first(sb.information));
  ASSERT_TRUE(std_info.ok());
  EXPECT_EQ(std_info->end_of_file, 8192);
  EXPECT_FALSE(std_info->directory);
  EXPECT_EQ(get("f"), "0123456789");
  auto main = must_open("f");
  auto e = streams_of(main);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].size, 10);
  EXPECT_EQ(e[1].size, 8192);
}

TEST_F(PvfsStreamDriver, DeleteAStreamThenTheFile) {
  put("f", "main");
  close(must_open("f:one", access::kGenericAll, CD::Create));
  close(must_open("f:two", access::kGenericAll, CD::Create));
  EXPECT_EQ(store_folders(), 1u);
  // Delete-on-close of a stream removes that stream only.
  auto h = must_open("f:one", access::kGenericAll, CD::Open, create_option::kDeleteOnClose);
  close(std::move(h));
  auto main = must_open("f");
  EXPECT_EQ(names_of(main), (std::vector<std::string>{"::$DATA", ":two:$DATA"}));
  EXPECT_EQ(get("f"), "main");
  // Deleting the file deletes its streams and their folder.
  EXPECT_EQ(set_disposition(main, true).status, NtStatus::Success);
  close(std::move(main));
  EXPECT_FALSE(exists("f"));
  EXPECT_EQ(store_folders(), 0u);
  EXPECT_EQ(open("f:two", access::kGenericAll, CD::Open).status(), NtStatus::ObjectNameNotFound);
}

TEST_F(PvfsStreamDriver, ShareModesArePerStream) {
  put("f", "");
  auto h1 = must_open("f:one", access::kGenericAll, CD::Create, 0, 0);
  // Another stream, and the file itself without DELETE, open freely.
  auto h2 = must_open("f:two", access::kGenericAll, CD::Create, 0, 0);
  close(must_open("f", access::kGenericRead, CD::Open, 0, 0));
  EXPECT_EQ(open("f:one", access::kGenericRead, CD::Open).status(), NtStatus::SharingViolation);
  // A stream open without FILE_SHARE_DELETE keeps the file from being opened for DELETE.
  EXPECT_EQ(open("f", access::kDelete, CD::Open).status(), NtStatus::SharingViolation);
  close(std::move(h1));
  close(std::move(h2));
  close(must_open("f", access::kDelete, CD::Open));
}

TEST_F(PvfsStreamDriver, FileDeletedWhileAStreamIsOpenGoesWithIt) {
  put("f", "main");
  auto s = must_open("f:s", access::kGenericAll, CD::Create, 0, share::kAll);
  write(s, "data");
  auto main = must_open("f", access::kDelete, CD::Open, create_option::kDeleteOnClose);
  close(std::move(main));
  // Still there while the stream is open, but nothing opens it by name.
  EXPECT_TRUE(exists("f"));
  EXPECT_EQ(open("f", access::kGenericRead, CD::OpenIf).status(), NtStatus::DeletePending);
  EXPECT_EQ(open("f:s", access::kGenericRead, CD::OpenIf).status(), NtStatus::DeletePending);
  EXPECT_EQ(read(s, 10, 0), "data");
  close(std::move(s));
  EXPECT_FALSE(exists("f"));
  EXPECT_EQ(store_folders(), 0u);
}

TEST_F(PvfsStreamDriver, RenameKeepsStreamsAndStreamRename) {
  put("f", "main");
  auto s = must_open("f:old", access::kGenericAll, CD::Create);
  write(s, "payload");
  auto main = must_open("f", access::kGenericAll, CD::Open);
  // A file with an open stream is not moved.
  auto to_g = [] {
    fscc::RenameInfo r;
    r.file_name = u"g";
    std::vector<std::byte> b(fscc::encoded_size(r));
    EXPECT_TRUE(fscc::encode(r, b).ok());
    return b;
  }();
  EXPECT_EQ(set_info(main, FileInfoClass::Rename, to_g).status, NtStatus::AccessDenied);
  // A stream is renamed within its file.
  fscc::RenameInfo r;
  r.file_name = u":new:$DATA";
  std::vector<std::byte> b(fscc::encoded_size(r));
  ASSERT_TRUE(fscc::encode(r, b).ok());
  EXPECT_EQ(set_info(s, FileInfoClass::Rename, b).status, NtStatus::Success);
  EXPECT_EQ(name_info(s, FileInfoClass::Name), "\\f:new");
  close(std::move(s));
  EXPECT_EQ(set_info(main, FileInfoClass::Rename, to_g).status, NtStatus::Success);
  close(std::move(main));
  EXPECT_FALSE(exists("f"));
  auto moved = must_open("g:new");
  EXPECT_EQ(read(moved, 20, 0), "payload");
  // Onto an existing stream: a collision without ReplaceIfExists.
  close(must_open("g:other", access::kGenericAll, CD::Create));
  r.file_name = u":other";
  b.resize(fscc::encoded_size(r));
  ASSERT_TRUE(fscc::encode(r, b).ok());
  EXPECT_EQ(set_info(moved, FileInfoClass::Rename, b).status, NtStatus::ObjectNameCollision);
}

std::vector<std::byte> rename_to(const std::u16string& name, bool replace) {
  fscc::RenameInfo r;
  r.file_name = name;
  r.replace_if_exists = replace;
  std::vector<std::byte> b(fscc::encoded_size(r));
  EXPECT_TRUE(fscc::encode(r, b).ok());
  return b;
}

TEST_F(PvfsStreamDriver, RenameIntoTheMainStream) {
  put("full", "x");
  auto s = must_open("full:s", access::kGenericAll, CD::Create);
  // The main stream must be empty (and a malformed target is an invalid parameter).
  EXPECT_EQ(set_info(s, FileInfoClass::Rename, rename_to(u"::$DATA", true)).status,
            NtStatus::InvalidParameter);
  EXPECT_EQ(set_info(s, FileInfoClass::Rename, rename_to(u"::$DATA", false)).status,
            NtStatus::ObjectNameCollision);
  EXPECT_EQ(set_info(s, FileInfoClass::Rename, rename_to(u":a:$FOO", true)).status,
            NtStatus::InvalidParameter);
  // A stream never moves to another file.
  EXPECT_EQ(set_info(s, FileInfoClass::Rename, rename_to(u"other:s", true)).status,
            NtStatus::SharingViolation);
  close(std::move(s));

  auto h = must_open("empty:s", access::kGenericAll, CD::Create);
  write(h, "moved data");
  ASSERT_EQ(set_info(h, FileInfoClass::Rename, rename_to(u"::$DATA", true)).status,
            NtStatus::Success);
  EXPECT_EQ(get("empty"), "moved data");
  // The open now stands for the main stream.
  EXPECT_EQ(write(h, "M").status, NtStatus::Success);
  EXPECT_EQ(names_of(h), (std::vector<std::string>{"::$DATA"}));
  close(std::move(h));
  EXPECT_EQ(get("empty"), "Moved data");
}

TEST_F(PvfsStreamDriver, StreamsOnDirectories) {
  fs::create_directory(root() / "d");
  auto h = must_open("d:meta", access::kGenericAll, CD::Create);
  write(h, "x");
  EXPECT_EQ(open("d::$DATA", access::kGenericRead, CD::Open).status(), NtStatus::FileIsADirectory);
  EXPECT_EQ(
      open("d::$DATA", access::kGenericRead, CD::Open, create_option::kDirectoryFile).status(),
      NtStatus::NotADirectory);
  auto dir = must_open("d", access::kGenericRead, CD::Open, create_option::kDirectoryFile);
  EXPECT_EQ(names_of(dir), (std::vector<std::string>{":meta:$DATA"}));  // no unnamed stream
  EXPECT_TRUE(list(dir, "*") == (std::vector<std::string>{".", ".."}));
}

}  // namespace
}  // namespace lwsmb::test
