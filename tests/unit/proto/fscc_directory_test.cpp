// MS-FSCC directory listings: per-class layout, alignment and chaining, full buffers, decoding
// of malformed listings.
#include <gtest/gtest.h>

#include "lwsmb/proto/fscc.hpp"
#include "proto_test_util.hpp"

namespace lwsmb::proto::fscc {
namespace {

using test::Bytes;
using test::kFill;
using test::le16;
using test::le32;
using test::le64;
using test::le8;

constexpr FileInfoClass kClasses[] = {
    FileInfoClass::Directory,       FileInfoClass::FullDirectory,   FileInfoClass::BothDirectory,
    FileInfoClass::IdBothDirectory, FileInfoClass::IdFullDirectory, FileInfoClass::Names,
};

DirectoryEntry sample_entry(std::u16string name, uint32_t index = 7) {
  DirectoryEntry e;
  e.file_index = index;
  e.creation_time = 0x1000 + index;
  e.last_access_time = 0x2000 + index;
  e.last_write_time = 0x3000 + index;
  e.change_time = 0x4000 + index;
  e.end_of_file = 0x5000 + index;
  e.allocation_size = 0x6000 + index;
  e.attributes = 0x20;
  e.ea_size = 0x30 + index;
  e.file_id = 0x0102030405060708 + index;
  e.short_name = u"SHORT~1.TXT";
  e.file_name = std::move(name);
  return e;
}

// What survives a round trip in a class: fields the class does not carry decode as zero.
DirectoryEntry project(FileInfoClass cls, DirectoryEntry e) {
  const bool ea = cls != FileInfoClass::Directory && cls != FileInfoClass::Names;
  const bool id = cls == FileInfoClass::IdBothDirectory || cls == FileInfoClass::IdFullDirectory;
  const bool shortn = cls == FileInfoClass::BothDirectory || cls == FileInfoClass::IdBothDirectory;
  if (cls == FileInfoClass::Names) {
    DirectoryEntry n;
    n.file_index = e.file_index;
    n.file_name = e.file_name;
    return n;
  }
  if (!ea) e.ea_size = 0;
  if (!id) e.file_id = 0;
  if (!shortn) e.short_name.clear();
  return e;
}

// Encodes one entry and returns the bytes (size() of the writer).
Bytes encode_one(FileInfoClass cls, const DirectoryEntry& e) {
  Bytes b(512, kFill);
  DirectoryListWriter w(cls, b);
  EXPECT_TRUE(w.append(e));
  EXPECT_EQ(w.entries(), 1u);
  EXPECT_EQ(w.size(), directory_entry_fixed_size(cls) + 2 * e.file_name.size());
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(w.size())));
  b.resize(w.size());
  return b;
}

void expect_common_times(const Bytes& b, const DirectoryEntry& e) {
  EXPECT_EQ(le32(b, 0), 0u);  // NextEntryOffset of the only entry
  EXPECT_EQ(le32(b, 4), e.file_index);
  EXPECT_EQ(le64(b, 8), static_cast<uint64_t>(e.creation_time));
  EXPECT_EQ(le64(b, 16), static_cast<uint64_t>(e.last_access_time));
  EXPECT_EQ(le64(b, 24), static_cast<uint64_t>(e.last_write_time));
  EXPECT_EQ(le64(b, 32), static_cast<uint64_t>(e.change_time));
  EXPECT_EQ(le64(b, 40), static_cast<uint64_t>(e.end_of_file));
  EXPECT_EQ(le64(b, 48), static_cast<uint64_t>(e.allocation_size));
  EXPECT_EQ(le32(b, 56), e.attributes);
  EXPECT_EQ(le32(b, 60), 2 * e.file_name.size());
}

TEST(FsccDirectory, FixedSizes) {
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::Directory), 64u);
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::FullDirectory), 68u);
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::BothDirectory), 94u);
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::IdBothDirectory), 104u);
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::IdFullDirectory), 80u);
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::Names), 12u);
  EXPECT_EQ(directory_entry_fixed_size(FileInfoClass::Basic), 0u);
  for (auto cls : kClasses) EXPECT_TRUE(is_directory_class(cls));
  EXPECT_FALSE(is_directory_class(FileInfoClass::Basic));
  EXPECT_FALSE(is_directory_class(FileInfoClass::All));
  EXPECT_FALSE(is_directory_class(FileInfoClass::Stream));
}

TEST(FsccDirectory, DirectoryLayout) {  // 2.4.10
  auto e = sample_entry(u"a.txt");
  Bytes b = encode_one(FileInfoClass::Directory, e);
  ASSERT_EQ(b.size(), 64u + 10);
  expect_common_times(b, e);
  EXPECT_EQ(le16(b, 64), u'a');
  EXPECT_EQ(le16(b, 72), u't');
}

TEST(FsccDirectory, FullDirectoryLayout) {  // 2.4.14
  auto e = sample_entry(u"a.txt");
  Bytes b = encode_one(FileInfoClass::FullDirectory, e);
  ASSERT_EQ(b.size(), 68u + 10);
  expect_common_times(b, e);
  EXPECT_EQ(le32(b, 64), e.ea_size);
  EXPECT_EQ(le16(b, 68), u'a');
}

TEST(FsccDirectory, BothDirectoryLayout) {  // 2.4.8
  auto e = sample_entry(u"a long name.txt");
  e.short_name = u"ALONGN~1.TXT";  // exactly 12 units
  Bytes b = encode_one(FileInfoClass::BothDirectory, e);
  ASSERT_EQ(b.size(), 94u + 30);
  expect_common_times(b, e);
  EXPECT_EQ(le32(b, 64), e.ea_size);
  EXPECT_EQ(le8(b, 68), 24u);  // ShortNameLength
  EXPECT_EQ(le8(b, 69), 0u);   // Reserved
  EXPECT_EQ(le16(b, 70), u'A');
  EXPECT_EQ(le16(b, 92), u'T');
  EXPECT_EQ(le16(b, 94), u'a');
}

TEST(FsccDirectory, BothDirectoryShortNamePaddedWithZeros) {
  auto e = sample_entry(u"x");
  e.short_name = u"X";
  Bytes b = encode_one(FileInfoClass::BothDirectory, e);
  ASSERT_EQ(b.size(), 96u);
  EXPECT_EQ(le8(b, 68), 2u);
  EXPECT_EQ(le16(b, 70), u'X');
  for (size_t i = 72; i < 94; ++i) EXPECT_EQ(b[i], std::byte{0}) << i;
  EXPECT_EQ(le16(b, 94), u'x');
}

TEST(FsccDirectory, LongShortNameIsCutToTwelveUnits) {
  auto e = sample_entry(u"x");
  e.short_name = u"ABCDEFGHIJKLMNOP";
  Bytes b = encode_one(FileInfoClass::BothDirectory, e);
  ASSERT_EQ(b.size(), 96u);
  EXPECT_EQ(le8(b, 68), 24u);
  auto d = decode_directory(FileInfoClass::BothDirectory, b);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].short_name, u"ABCDEFGHIJKL");
}

TEST(FsccDirectory, IdBothDirectoryLayout) {  // 2.4.17
  auto e = sample_entry(u"f");
  e.short_name = u"F";
  Bytes b = encode_one(FileInfoClass::IdBothDirectory, e);
  ASSERT_EQ(b.size(), 106u);
  expect_common_times(b, e);
  EXPECT_EQ(le32(b, 64), e.ea_size);
  EXPECT_EQ(le8(b, 68), 2u);
  EXPECT_EQ(le16(b, 70), u'F');
  EXPECT_EQ(le16(b, 94), 0u);  // Reserved2
  EXPECT_EQ(le64(b, 96), e.file_id);
  EXPECT_EQ(le16(b, 104), u'f');
}

TEST(FsccDirectory, IdFullDirectoryLayout) {  // 2.4.18
  auto e = sample_entry(u"f");
  Bytes b = encode_one(FileInfoClass::IdFullDirectory, e);
  ASSERT_EQ(b.size(), 82u);
  expect_common_times(b, e);
  EXPECT_EQ(le32(b, 64), e.ea_size);
  EXPECT_EQ(le32(b, 68), 0u);  // Reserved
  EXPECT_EQ(le64(b, 72), e.file_id);
  EXPECT_EQ(le16(b, 80), u'f');
}

TEST(FsccDirectory, NamesLayout) {  // 2.4.26
  auto e = sample_entry(u"abc", 42);
  Bytes b = encode_one(FileInfoClass::Names, e);
  ASSERT_EQ(b.size(), 18u);
  EXPECT_EQ(le32(b, 0), 0u);
  EXPECT_EQ(le32(b, 4), 42u);
  EXPECT_EQ(le32(b, 8), 6u);
  EXPECT_EQ(le16(b, 12), u'a');
  EXPECT_EQ(le16(b, 16), u'c');
}

class FsccDirectoryClass : public ::testing::TestWithParam<FileInfoClass> {};

TEST_P(FsccDirectoryClass, ChainingAlignmentAndRoundTrip) {
  const FileInfoClass cls = GetParam();
  const size_t fixed = directory_entry_fixed_size(cls);
  // Names of 1..5 units give every padding length.
  std::vector<DirectoryEntry> in;
  for (uint32_t i = 0; i < 5; ++i) in.push_back(sample_entry(std::u16string(i + 1, u'a' + i), i));
  in.push_back(sample_entry(u"", 9));  // empty name still chains

  Bytes b(2048, kFill);
  DirectoryListWriter w(cls, b);
  for (const auto& e : in) ASSERT_TRUE(w.append(e));
  EXPECT_EQ(w.entries(), in.size());

  size_t off = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(off % 8, 0u) << "entry " << i;
    const size_t entry_size = fixed + 2 * in[i].file_name.size();
    const uint32_t next = le32(b, off);
    if (i + 1 < in.size()) {
      EXPECT_EQ(next, (entry_size + 7) / 8 * 8) << "entry " << i;
      for (size_t p = off + entry_size; p < off + next; ++p) EXPECT_EQ(b[p], std::byte{0}) << p;
    } else {
      EXPECT_EQ(next, 0u);
      EXPECT_EQ(w.size(), off + entry_size);  // no trailing padding reported
    }
    off += next;
  }
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(w.size())));

  auto d = decode_directory(cls, std::span(b).first(w.size()));
  ASSERT_TRUE(d.ok()) << static_cast<uint32_t>(d.status());
  ASSERT_EQ(d->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_TRUE((*d)[i] == project(cls, in[i])) << i;

  // Trailing padding after the last entry is allowed on decode.
  auto padded = decode_directory(cls, std::span(b).first(w.size() + 6));
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->size(), in.size());
}

TEST_P(FsccDirectoryClass, BufferFull) {
  const FileInfoClass cls = GetParam();
  const size_t fixed = directory_entry_fixed_size(cls);
  auto first = sample_entry(u"abc", 1);  // fixed + 6, padded to the next multiple of 8
  auto second = sample_entry(u"defgh", 2);
  const size_t first_padded = (fixed + 6 + 7) / 8 * 8;
  const size_t exact = first_padded + fixed + 10;

  // One byte short for the second entry: it is refused and nothing changes.
  Bytes b(exact - 1, kFill);
  DirectoryListWriter w(cls, b);
  ASSERT_TRUE(w.append(first));
  const size_t after_first = w.size();
  EXPECT_FALSE(w.append(second));
  EXPECT_EQ(w.entries(), 1u);
  EXPECT_EQ(w.size(), after_first);
  EXPECT_EQ(le32(b, 0), 0u);  // the first entry still ends the chain
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(after_first)));
  // A smaller entry may still fit after a refused one.
  EXPECT_TRUE(w.append(sample_entry(u"d", 3)));
  EXPECT_EQ(le32(b, 0), first_padded);

  // Exactly enough room (the last entry needs no trailing padding).
  Bytes e(exact, kFill);
  DirectoryListWriter we(cls, e);
  ASSERT_TRUE(we.append(first));
  ASSERT_TRUE(we.append(second));
  EXPECT_EQ(we.size(), exact);

  // First entry does not fit in an empty buffer.
  Bytes tiny(fixed + 5, kFill);
  DirectoryListWriter wt(cls, tiny);
  EXPECT_FALSE(wt.append(first));
  EXPECT_EQ(wt.entries(), 0u);
  EXPECT_EQ(wt.size(), 0u);
  EXPECT_TRUE(test::all_fill(tiny));

  DirectoryListWriter wz(cls, std::span<std::byte>());
  EXPECT_FALSE(wz.append(sample_entry(u"")));
}

TEST_P(FsccDirectoryClass, DecodeMalformed) {
  const FileInfoClass cls = GetParam();
  const size_t fixed = directory_entry_fixed_size(cls);
  const size_t name_len_at = cls == FileInfoClass::Names ? 8 : 60;
  Bytes b(512, kFill);
  DirectoryListWriter w(cls, b);
  ASSERT_TRUE(w.append(sample_entry(u"one", 1)));
  ASSERT_TRUE(w.append(sample_entry(u"two", 2)));
  b.resize(w.size());
  const uint32_t second = le32(b, 0);
  std::span<const std::byte> in(b);

  EXPECT_EQ(decode_directory(cls, {}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_directory(cls, in.first(fixed - 1)).status(), NtStatus::InfoLengthMismatch);
  // Truncated by one byte: the second name runs past the end.
  EXPECT_EQ(decode_directory(cls, in.first(b.size() - 1)).status(), NtStatus::InvalidParameter);
  // Only the first entry: NextEntryOffset points past the end.
  EXPECT_EQ(decode_directory(cls, in.first(second)).status(), NtStatus::InvalidParameter);

  auto with = [&](size_t off, uint32_t v) {
    Bytes m = b;
    test::put32(m, off, v);
    return decode_directory(cls, m).status();
  };
  EXPECT_EQ(with(name_len_at, 5), NtStatus::InvalidParameter);       // odd
  EXPECT_EQ(with(name_len_at, 0x1000), NtStatus::InvalidParameter);  // past the end
  EXPECT_EQ(with(name_len_at, 0xFFFFFFFE), NtStatus::InvalidParameter);
  EXPECT_EQ(with(second + name_len_at, 7), NtStatus::InvalidParameter);  // odd in entry 2
  EXPECT_EQ(with(0, static_cast<uint32_t>(b.size())), NtStatus::InvalidParameter);
  EXPECT_EQ(with(0, 0xFFFFFFF8), NtStatus::InvalidParameter);  // would wrap around
  EXPECT_EQ(with(0, 4), NtStatus::InvalidParameter);           // inside the first entry
  EXPECT_EQ(with(0, static_cast<uint32_t>(b.size() - fixed + 1)), NtStatus::InvalidParameter);
  // A second entry pointing back at itself can't be expressed as an offset > 0, but one
  // pointing past the end must still fail.
  EXPECT_EQ(with(second, 8), NtStatus::InvalidParameter);

  // A NextEntryOffset of 0 in the first entry ends the listing there.
  Bytes cut = b;
  test::put32(cut, 0, 0);
  auto d = decode_directory(cls, cut);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].file_name, u"one");
}

TEST_P(FsccDirectoryClass, DecodeRandomNextOffsetsNeverEscape) {
  const FileInfoClass cls = GetParam();
  Bytes b(1024, kFill);
  DirectoryListWriter w(cls, b);
  for (uint32_t i = 0; i < 6; ++i) ASSERT_TRUE(w.append(sample_entry(u"entry", i)));
  b.resize(w.size());
  std::mt19937 rng(1234);
  std::uniform_int_distribution<uint32_t> any;
  for (int iter = 0; iter < 2000; ++iter) {
    Bytes m = b;
    // Overwrite a few 32-bit words anywhere with small or arbitrary values.
    for (int k = 0; k < 3; ++k) {
      const size_t off = any(rng) % (m.size() - 3);
      const uint32_t v = (iter % 2) ? any(rng) : any(rng) % 256;
      test::put32(m, off, v);
    }
    auto d = decode_directory(cls, m);
    if (!d.ok()) {
      EXPECT_TRUE(d.status() == NtStatus::InvalidParameter ||
                  d.status() == NtStatus::InfoLengthMismatch);
    } else {
      EXPECT_LE(d->size(), m.size() / directory_entry_fixed_size(cls));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllClasses, FsccDirectoryClass, ::testing::ValuesIn(kClasses),
                         [](const auto& info) {
                           return std::to_string(static_cast<int>(info.param));
                         });

TEST(FsccDirectory, BadShortNameLengthRejected) {
  for (auto cls : {FileInfoClass::BothDirectory, FileInfoClass::IdBothDirectory}) {
    Bytes b = encode_one(cls, sample_entry(u"name"));
    Bytes longer = b;
    longer[68] = std::byte{26};  // more than the 24-byte field
    EXPECT_EQ(decode_directory(cls, longer).status(), NtStatus::InvalidParameter);
    Bytes odd = b;
    odd[68] = std::byte{3};
    EXPECT_EQ(decode_directory(cls, odd).status(), NtStatus::InvalidParameter);
    Bytes ok = b;
    ok[68] = std::byte{0};
    auto d = decode_directory(cls, ok);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE((*d)[0].short_name.empty());
  }
}

TEST(FsccDirectory, UnknownClass) {
  Bytes b(256, std::byte{0});
  EXPECT_EQ(decode_directory(FileInfoClass::Basic, b).status(), NtStatus::InvalidInfoClass);
  EXPECT_EQ(decode_directory(FileInfoClass::All, {}).status(), NtStatus::InvalidInfoClass);
  DirectoryListWriter w(FileInfoClass::Basic, b);
  EXPECT_FALSE(w.append(sample_entry(u"x")));
  EXPECT_EQ(w.size(), 0u);
}

TEST(FsccDirectory, OverlappingNextOffsetRejected) {
  // Entry 1 is 12 bytes but NextEntryOffset = 4 points inside it; the bytes there would parse
  // as a valid Names entry, so only the overlap check can refuse it.
  Bytes b(16, std::byte{0});
  test::put32(b, 0, 4);
  EXPECT_EQ(decode_directory(FileInfoClass::Names, b).status(), NtStatus::InvalidParameter);
  Bytes ok(24, std::byte{0});  // NextEntryOffset = 12, just past entry 1: accepted
  test::put32(ok, 0, 12);
  auto d2 = decode_directory(FileInfoClass::Names, ok);
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->size(), 2u);
}

TEST(FsccDirectory, UnalignedNextOffsetIsAccepted) {
  // Receivers follow NextEntryOffset as given; alignment is the sender's duty (MS-FSCC 2.4).
  Bytes b(12 + 2 + 3 + 12 + 2, std::byte{0});
  test::put32(b, 0, 17);  // entry 1: 14 bytes + 3 bytes gap
  test::put32(b, 8, 2);
  b[12] = std::byte{'a'};
  test::put32(b, 17 + 8, 2);
  b[17 + 12] = std::byte{'b'};
  auto d = decode_directory(FileInfoClass::Names, b);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].file_name, u"a");
  EXPECT_EQ((*d)[1].file_name, u"b");
}

}  // namespace
}  // namespace lwsmb::proto::fscc
