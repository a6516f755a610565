// MS-FSCC 2.5 volume information classes: layout, round trip, short buffers, malformed input.
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

TEST(FsccVolumeInfo, SizeLayout) {
  FsSizeInfo v{1000000, 250000, 8, 512};
  Bytes b(32, kFill);
  auto r = encode(v, std::span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 24u);
  EXPECT_EQ(le64(b, 0), 1000000u);
  EXPECT_EQ(le64(b, 8), 250000u);
  EXPECT_EQ(le32(b, 16), 8u);
  EXPECT_EQ(le32(b, 20), 512u);
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(24)));
  std::span<const std::byte> in(b.data(), 24);
  auto d = decode_fs_size(in);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);

  Bytes small(23, kFill);
  EXPECT_EQ(encode(v, std::span(small)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_TRUE(test::all_fill(small));
  EXPECT_EQ(decode_fs_size({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_size(in.first(23)).status(), NtStatus::InfoLengthMismatch);
}

TEST(FsccVolumeInfo, FullSizeLayout) {
  FsFullSizeInfo v{1 << 30, 1 << 20, 1 << 21, 1, 4096};
  Bytes b(40, kFill);
  auto r = encode(v, std::span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 32u);
  EXPECT_EQ(le64(b, 0), 1u << 30);
  EXPECT_EQ(le64(b, 8), 1u << 20);   // CallerAvailable
  EXPECT_EQ(le64(b, 16), 1u << 21);  // ActualAvailable
  EXPECT_EQ(le32(b, 24), 1u);
  EXPECT_EQ(le32(b, 28), 4096u);
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(32)));
  std::span<const std::byte> in(b.data(), 32);
  auto d = decode_fs_full_size(in);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);

  Bytes small(31, kFill);
  EXPECT_EQ(encode(v, std::span(small)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_TRUE(test::all_fill(small));
  EXPECT_EQ(decode_fs_full_size({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_full_size(in.first(31)).status(), NtStatus::InfoLengthMismatch);
}

TEST(FsccVolumeInfo, DeviceLayout) {
  FsDeviceInfo v{0x7, 0x20};
  Bytes b(12, kFill);
  auto r = encode(v, std::span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 8u);
  EXPECT_EQ(le32(b, 0), 7u);
  EXPECT_EQ(le32(b, 4), 0x20u);
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(8)));
  std::span<const std::byte> in(b.data(), 8);
  auto d = decode_fs_device(in);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);

  Bytes small(7, kFill);
  EXPECT_EQ(encode(v, std::span(small)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_device({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_device(in.first(7)).status(), NtStatus::InfoLengthMismatch);
}

TEST(FsccVolumeInfo, AttributeLayout) {
  FsAttributeInfo v{0x0000008F, 255, u"NTFS"};
  Bytes b(32, kFill);
  size_t written = 0;
  auto r = encode(v, std::span(b), &written);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 20u);
  EXPECT_EQ(written, 20u);
  EXPECT_EQ(encoded_size(v), 20u);
  EXPECT_EQ(le32(b, 0), 0x8Fu);
  EXPECT_EQ(le32(b, 4), 255u);
  EXPECT_EQ(le32(b, 8), 8u);
  EXPECT_EQ(le16(b, 12), u'N');
  EXPECT_EQ(le16(b, 18), u'S');
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(20)));
  auto d = decode_fs_attribute(std::span(b).first(20));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);
}

TEST(FsccVolumeInfo, AttributeShortBuffers) {
  FsAttributeInfo v{0, 255, u"NTFS"};
  size_t written = 5;
  Bytes fixed_short(11, kFill);
  EXPECT_EQ(encode(v, std::span(fixed_short), &written).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(written, 0u);
  EXPECT_TRUE(test::all_fill(fixed_short));

  Bytes cut(17, kFill);  // fixed 12 + room for 2.5 units
  EXPECT_EQ(encode(v, std::span(cut), &written).status(), NtStatus::BufferOverflow);
  EXPECT_EQ(written, 16u);
  EXPECT_EQ(le32(cut, 8), 8u);  // full length
  EXPECT_EQ(le16(cut, 14), u'T');
  EXPECT_EQ(cut[16], kFill);
}

TEST(FsccVolumeInfo, AttributeDecodeMalformed) {
  FsAttributeInfo v{1, 255, u"lwfs"};
  Bytes b(encoded_size(v));
  ASSERT_TRUE(encode(v, std::span(b)).ok());
  std::span<const std::byte> in(b);
  EXPECT_EQ(decode_fs_attribute({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_attribute(in.first(11)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_attribute(in.first(b.size() - 1)).status(), NtStatus::InvalidParameter);
  Bytes odd = b;
  test::put32(odd, 8, 7);
  EXPECT_EQ(decode_fs_attribute(odd).status(), NtStatus::InvalidParameter);
  Bytes past = b;
  test::put32(past, 8, 0x80000000);
  EXPECT_EQ(decode_fs_attribute(past).status(), NtStatus::InvalidParameter);
}

TEST(FsccVolumeInfo, VolumeLayout) {
  FsVolumeInfo v{0x01D0000000000000, 0xCAFEBABE, true, u"DATA"};
  Bytes b(40, kFill);
  size_t written = 0;
  auto r = encode(v, std::span(b), &written);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 26u);
  EXPECT_EQ(written, 26u);
  EXPECT_EQ(le64(b, 0), 0x01D0000000000000u);
  EXPECT_EQ(le32(b, 8), 0xCAFEBABEu);
  EXPECT_EQ(le32(b, 12), 8u);  // VolumeLabelLength
  EXPECT_EQ(le8(b, 16), 1u);   // SupportsObjects
  EXPECT_EQ(le8(b, 17), 0u);   // Reserved
  EXPECT_EQ(le16(b, 18), u'D');
  EXPECT_EQ(le16(b, 24), u'A');
  EXPECT_TRUE(test::all_fill(std::span(b).subspan(26)));
  auto d = decode_fs_volume(std::span(b).first(26));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == v);
}

TEST(FsccVolumeInfo, VolumeShortBuffers) {
  FsVolumeInfo v{1, 2, false, u"LABEL"};
  size_t written = 9;
  Bytes fixed_short(17, kFill);
  EXPECT_EQ(encode(v, std::span(fixed_short), &written).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(written, 0u);
  EXPECT_TRUE(test::all_fill(fixed_short));

  Bytes just_fixed(18, kFill);
  EXPECT_EQ(encode(v, std::span(just_fixed), &written).status(), NtStatus::BufferOverflow);
  EXPECT_EQ(written, 18u);
  EXPECT_EQ(le32(just_fixed, 12), 10u);

  Bytes cut(23, kFill);
  EXPECT_EQ(encode(v, std::span(cut), &written).status(), NtStatus::BufferOverflow);
  EXPECT_EQ(written, 22u);
  EXPECT_EQ(le16(cut, 20), u'A');
  EXPECT_EQ(cut[22], kFill);

  // An empty label fits in exactly the fixed part.
  FsVolumeInfo empty{1, 2, false, u""};
  auto r = encode(empty, std::span(just_fixed), &written);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 18u);
}

TEST(FsccVolumeInfo, VolumeDecodeMalformed) {
  FsVolumeInfo v{1, 2, true, u"ab"};
  Bytes b(encoded_size(v));
  ASSERT_TRUE(encode(v, std::span(b)).ok());
  std::span<const std::byte> in(b);
  EXPECT_EQ(decode_fs_volume({}).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_volume(in.first(17)).status(), NtStatus::InfoLengthMismatch);
  EXPECT_EQ(decode_fs_volume(in.first(b.size() - 1)).status(), NtStatus::InvalidParameter);
  Bytes odd = b;
  test::put32(odd, 12, 3);
  EXPECT_EQ(decode_fs_volume(odd).status(), NtStatus::InvalidParameter);
  Bytes past = b;
  test::put32(past, 12, 6);
  EXPECT_EQ(decode_fs_volume(past).status(), NtStatus::InvalidParameter);
}

}  // namespace
}  // namespace lwsmb::proto::fscc
