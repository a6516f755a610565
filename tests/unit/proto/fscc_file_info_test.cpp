// MS-FSCC 2.4 file information classes: layout, round trip, short buffers, malformed input.
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

// Encodes a fixed-size structure into a larger filled buffer, checks the size, that nothing
// past it was touched, the too-small cases, and the round trip. Returns the encoded bytes.
template <class T, class Decode>
Bytes check_fixed(const T& v, size_t size, Decode decode) {
  Bytes buf(size + 8, kFill);
  auto r = encode(v, std::span(buf));
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  EXPECT_EQ(*r, size);
  EXPECT_TRUE(test::all_fill(std::span(buf).subspan(size)));

  for (size_t n : {size_t{0}, size - 1}) {
    Bytes small(n, kFill);
    auto e = encode(v, std::span(small));
    EXPECT_EQ(e.status(), NtStatus::InfoLengthMismatch) << "buffer " << n;
    EXPECT_TRUE(test::all_fill(small));
  }

  std::span<const std::byte> in(buf.data(), size);
  auto d = decode(in);
  EXPECT_TRUE(d.ok());
  if (d.ok()) {
    EXPECT_TRUE(*d == v);
  }
  EXPECT_EQ(decode(in.first(0)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode(in.first(size - 1)).status(), NtStatus::InfoLengthMismatch);
  buf.resize(size);
  return buf;
}

TEST(FsccFileInfo, BasicLayout) {
  BasicInfo v{0x0102030405060708, 0x1112131415161718, 0x2122232425262728, -2, 0x20};
  Bytes b = check_fixed(v, kBasicInfoSize, decode_basic);
  ASSERT_EQ(b.size(), 40u);
  EXPECT_EQ(le64(b, 0), 0x0102030405060708u);
  EXPECT_EQ(b[0], std::byte{0x08});  // little-endian
  EXPECT_EQ(le64(b, 8), 0x1112131415161718u);
  EXPECT_EQ(le64(b, 16), 0x2122232425262728u);
  EXPECT_EQ(le64(b, 24), 0xFFFFFFFFFFFFFFFEu);
  EXPECT_EQ(le32(b, 32), 0x20u);
  EXPECT_EQ(le32(b, 36), 0u);  // Reserved is zeroed
}

TEST(FsccFileInfo, BasicDecodeIgnoresReservedAndTrailing) {
  Bytes b(48, std::byte{0xFF});
  auto d = decode_basic(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->creation_time, -1);
  EXPECT_EQ(d->attributes, 0xFFFFFFFFu);
}

TEST(FsccFileInfo, StandardLayout) {
  StandardInfo v{4096, 1234, 3, true, false};
  Bytes b = check_fixed(v, kStandardInfoSize, decode_standard);
  ASSERT_EQ(b.size(), 24u);
  EXPECT_EQ(le64(b, 0), 4096u);
  EXPECT_EQ(le64(b, 8), 1234u);
  EXPECT_EQ(le32(b, 16), 3u);
  EXPECT_EQ(le8(b, 20), 1u);  // DeletePending
  EXPECT_EQ(le8(b, 21), 0u);  // Directory
  EXPECT_EQ(le16(b, 22), 0u);

  StandardInfo dir{0, 0, 1, false, true};
  Bytes d = check_fixed(dir, kStandardInfoSize, decode_standard);
  ASSERT_EQ(d.size(), 24u);
  EXPECT_EQ(le8(d, 20), 0u);
  EXPECT_EQ(le8(d, 21), 1u);
}

TEST(FsccFileInfo, StandardDecodeTreatsNonzeroBytesAsTrue) {
  Bytes b(24, std::byte{0});
  b[20] = std::byte{0x7F};
  b[21] = std::byte{0x02};
  auto d = decode_standard(b);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->delete_pending);
  EXPECT_TRUE(d->directory);
  EXPECT_EQ(d->number_of_links, 0u);
}

TEST(FsccFileInfo, InternalLayout) {
  Bytes b = check_fixed(InternalInfo{0xDEADBEEFCAFEF00D}, kInternalInfoSize, decode_internal);
  ASSERT_EQ(b.size(), 8u);
  EXPECT_EQ(le64(b, 0), 0xDEADBEEFCAFEF00Du);
}

TEST(FsccFileInfo, NetworkOpenLayout) {
  NetworkOpenInfo v{1, 2, 3, 4, 8192, 5000, 0x10};
  Bytes b = check_fixed(v, kNetworkOpenInfoSize, decode_network_open);
  ASSERT_EQ(b.size(), 56u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(le64(b, 8 * i), i + 1);
  EXPECT_EQ(le64(b, 32), 8192u);  // AllocationSize before EndOfFile
  EXPECT_EQ(le64(b, 40), 5000u);
  EXPECT_EQ(le32(b, 48), 0x10u);
  EXPECT_EQ(le32(b, 52), 0u);
}

TEST(FsccFileInfo, SmallFixedClasses) {
  Bytes p = check_fixed(PositionInfo{0x123456789}, kPositionInfoSize, decode_position);
  ASSERT_EQ(p.size(), 8u);
  EXPECT_EQ(le64(p, 0), 0x123456789u);
  Bytes e = check_fixed(EndOfFileInfo{-5}, kEndOfFileInfoSize, decode_end_of_file);
  ASSERT_EQ(e.size(), 8u);
  EXPECT_EQ(le64(e, 0), static_cast<uint64_t>(-5));
  Bytes a = check_fixed(AllocationInfo{1 << 20}, kAllocationInfoSize, decode_allocation);
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(le64(a, 0), 1u << 20);
  Bytes d = check_fixed(DispositionInfo{true}, kDispositionInfoSize, decode_disposition);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(le8(d, 0), 1u);
  Bytes d0 = check_fixed(DispositionInfo{false}, kDispositionInfoSize, decode_disposition);
  ASSERT_EQ(d0.size(), 1u);
  EXPECT_EQ(le8(d0, 0), 0u);
}

AllInfo sample_all() {
  AllInfo v;
  v.basic = {10, 20, 30, 40, 0x80};
  v.standard = {4096, 100, 2, false, true};
  v.internal.index_number = 0x0A0B0C0D;
  v.ea_size = 0x11;
  v.access_flags = 0x001F01FF;
  v.current_byte_offset = 77;
  v.mode = 0x20;
  v.alignment_requirement = 0x1FF;
  v.file_name = u"\\dir\\f\u00e9.txt";
  return v;
}

TEST(FsccFileInfo, AllLayout) {
  AllInfo v = sample_all();
  const size_t name_bytes = v.file_name.size() * 2;
  Bytes b(200, kFill);
  size_t written = 99;
  auto r = encode(v, std::span(b), &written);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 100 + name_bytes);
  EXPECT_EQ(written, *r);
  EXPECT_EQ(encoded_size(v), *r);
  EXPECT_EQ(le64(b, 0), 10u);     // Basic.CreationTime
  EXPECT_EQ(le32(b, 32), 0x80u);  // Basic.FileAttributes
  EXPECT_EQ(le32(b, 36), 0u);     // Basic.Reserved
  EXPECT_EQ(le64(b, 40), 4096u);  // Standard.AllocationSize
  EXPECT_EQ(le64(b, 48), 100u);   // Standard.EndOfFile
  EXPECT_EQ(le32(b, 56), 2u);     // Standard.NumberOfLinks
  EXPECT_EQ(le8(b, 60), 0u);      // DeletePending
  EXPECT_EQ(le8(b, 61), 1u);      // Directory
  EXPECT_EQ(le16(b, 62), 0u);     // Reserved
  EXPECT_EQ(le64(b, 64), 0x0A0B0C0Du);
  EXPECT_EQ(le32(b, 72), 0x11u);  // EaSize
  EXPECT_EQ(le32(b, 76), 0x001F01FFu);
  EXPECT_EQ(le64(b, 80), 77u);     // CurrentByteOffset
  EXPECT_EQ(le32(b, 88), 0x20u);   // Mode
  EXPECT_EQ(le32(b, 92), 0x1FFu);  // AlignmentRequirement
  EXPECT_EQ(le32(b, 96), name_bytes);
  EXPECT_EQ(le16(b, 100), u'\\');
  EXPECT_EQ(le16(b, 100 + 2 * 6), 0xE9u);
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(*r)));

  auto d = decode_all(std::span(b).first(*r));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);
  EXPECT_EQ(d->file_name, v.file_name);
}

TEST(FsccFileInfo, AllNameCutGivesBufferOverflow) {
  AllInfo v = sample_all();
  const size_t name_bytes = v.file_name.size() * 2;
  // Room for 1.5 units: one whole unit is written, the odd byte stays untouched.
  Bytes b(103, kFill);
  size_t written = 0;
  auto r = encode(v, std::span(b), &written);
  EXPECT_EQ(r.status(), NtStatus::BufferOverflow);
  EXPECT_EQ(written, 102u);
  EXPECT_EQ(le32(b, 96), name_bytes);  // full length, data cut
  EXPECT_EQ(le16(b, 100), u'\\');
  EXPECT_EQ(b[102], kFill);

  // Exactly the fixed part: no name bytes, still overflow.
  Bytes f(100, kFill);
  r = encode(v, std::span(f), &written);
  EXPECT_EQ(r.status(), NtStatus::BufferOverflow);
  EXPECT_EQ(written, 100u);

  // One byte short of the whole: overflow with the last unit missing.
  Bytes s(100 + name_bytes - 1, kFill);
  r = encode(v, std::span(s), &written);
  EXPECT_EQ(r.status(), NtStatus::BufferOverflow);
  EXPECT_EQ(written, 100 + name_bytes - 2);

  // Fixed part does not fit.
  Bytes t(99, kFill);
  written = 7;
  r = encode(v, std::span(t), &written);
  EXPECT_EQ(r.status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(written, 0u);
  EXPECT_TRUE(test::all_fill(t));

  // Without the out-parameter the status is the same.
  EXPECT_EQ(encode(v, std::span(b)).status(), NtStatus::BufferOverflow);
}

TEST(FsccFileInfo, AllEmptyNameFitsFixedPart) {
  AllInfo v;
  Bytes b(100, kFill);
  auto r = encode(v, std::span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 100u);
  EXPECT_EQ(le32(b, 96), 0u);
  auto d = decode_all(b);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->file_name.empty());
}

TEST(FsccFileInfo, AllDecodeMalformed) {
  AllInfo v = sample_all();
  Bytes b(encoded_size(v));
  ASSERT_TRUE(encode(v, std::span(b)).ok());
  std::span<const std::byte> in(b);
  EXPECT_EQ(decode_all({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_all(in.first(99)).status(), NtStatus::InfoLengthMismatch);
  // One byte short: the name length points past the end.
  EXPECT_EQ(decode_all(in.first(b.size() - 1)).status(), NtStatus::InvalidParameter);
  Bytes odd = b;
  test::put32(odd, 96, 3);
  EXPECT_EQ(decode_all(odd).status(), NtStatus::InvalidParameter);
  Bytes huge = b;
  test::put32(huge, 96, 0xFFFFFFFE);
  EXPECT_EQ(decode_all(huge).status(), NtStatus::InvalidParameter);
}

TEST(FsccFileInfo, RenameLayout) {
  RenameInfo v{true, 0x1122334455667788, u"new name.txt"};
  Bytes b(64, kFill);
  auto r = encode(v, std::span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 20 + 24u);
  EXPECT_EQ(encoded_size(v), *r);
  EXPECT_EQ(le8(b, 0), 1u);
  for (size_t i = 1; i < 8; ++i) EXPECT_EQ(b[i], std::byte{0}) << i;  // Reserved
  EXPECT_EQ(le64(b, 8), 0x1122334455667788u);
  EXPECT_EQ(le32(b, 16), 24u);
  EXPECT_EQ(le16(b, 20), u'n');
  EXPECT_EQ(le16(b, 42), u't');
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(44)));

  auto d = decode_rename(std::span(b).first(*r));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);
}

TEST(FsccFileInfo, RenameMustFitWhole) {
  RenameInfo v{false, 0, u"abc"};
  for (size_t n : {size_t{0}, size_t{19}, size_t{20}, size_t{25}}) {
    Bytes b(n, kFill);
    EXPECT_EQ(encode(v, std::span(b)).status(), NtStatus::InfoLengthMismatch) << n;
    EXPECT_TRUE(test::all_fill(b)) << n;
  }
  Bytes exact(26);
  auto r = encode(v, std::span(exact));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 26u);
}

TEST(FsccFileInfo, RenameDecodeMalformed) {
  RenameInfo v{false, 5, u"xy"};
  Bytes b(encoded_size(v));
  ASSERT_TRUE(encode(v, std::span(b)).ok());
  std::span<const std::byte> in(b);
  EXPECT_EQ(decode_rename({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_rename(in.first(19)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_rename(in.first(b.size() - 1)).status(), NtStatus::InvalidParameter);
  Bytes odd = b;
  test::put32(odd, 16, 1);
  EXPECT_EQ(decode_rename(odd).status(), NtStatus::InvalidParameter);
  Bytes past = b;
  test::put32(past, 16, 6);
  EXPECT_EQ(decode_rename(past).status(), NtStatus::InvalidParameter);
  // Trailing bytes after the name are ignored.
  Bytes longer = b;
  longer.resize(b.size() + 6, std::byte{0x41});
  auto d = decode_rename(longer);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->file_name, u"xy");
}

}  // namespace
}  // namespace lwsmb::proto::fscc
