// LeReader / LeWriter: little-endian order, bounds checks, failure latching.
#include "byte_io.hpp"

#include <gtest/gtest.h>

#include "proto_test_util.hpp"

namespace lwsmb::proto {
namespace {

using test::Bytes;
using test::kFill;

TEST(ByteIo, WriterLittleEndian) {
  Bytes b(32, kFill);
  LeWriter w(b);
  EXPECT_TRUE(w.write_u8(0x01));
  EXPECT_TRUE(w.write_u16(0x0302));
  EXPECT_TRUE(w.write_u32(0x07060504));
  EXPECT_TRUE(w.write_u64(0x0F0E0D0C0B0A0908));
  EXPECT_TRUE(w.write_i32(-1));
  EXPECT_TRUE(w.write_utf16(u"\u00e9A"));
  EXPECT_EQ(w.offset(), 23u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(b[i], std::byte(i + 1)) << i;
  for (int i = 15; i < 19; ++i) EXPECT_EQ(b[i], std::byte{0xFF});
  EXPECT_EQ(b[19], std::byte{0xE9});
  EXPECT_EQ(b[20], std::byte{0x00});
  EXPECT_EQ(b[21], std::byte{'A'});
  EXPECT_EQ(b[22], std::byte{0x00});
  EXPECT_EQ(b[23], kFill);
  EXPECT_TRUE(w.ok());
}

TEST(ByteIo, WriterRefusesOverrunAndWritesNothing) {
  Bytes b(8, kFill);
  LeWriter w{std::span(b).first(6)};
  EXPECT_TRUE(w.write_u32(0));
  EXPECT_FALSE(w.write_u32(0x11223344));
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.offset(), 4u);
  EXPECT_EQ(b[4], kFill);
  EXPECT_FALSE(w.write_utf16(u"ab"));
  EXPECT_FALSE(w.write_zeros(3));
  const std::byte three[3] = {};
  EXPECT_FALSE(w.write_bytes(three));
  EXPECT_EQ(b[4], kFill);
  EXPECT_EQ(b[5], kFill);
  EXPECT_TRUE(w.write_u16(0x2211));  // what fits still works; ok() stays latched
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(b[6], kFill);  // outside the writer's span
}

TEST(ByteIo, WriterPatchAndSeek) {
  Bytes b(8, kFill);
  LeWriter w(b);
  EXPECT_TRUE(w.put_u32_at(4, 0xAABBCCDD));
  EXPECT_EQ(test::le32(b, 4), 0xAABBCCDDu);
  EXPECT_EQ(w.offset(), 0u);
  EXPECT_FALSE(w.put_u32_at(5, 1));
  EXPECT_FALSE(w.put_u32_at(SIZE_MAX - 1, 1));
  EXPECT_TRUE(w.seek(8));
  EXPECT_FALSE(w.seek(9));
  EXPECT_EQ(w.offset(), 8u);
}

TEST(ByteIo, ReaderLittleEndian) {
  Bytes b;
  for (int i = 1; i <= 19; ++i) b.push_back(std::byte(i));
  LeReader r(b);
  uint8_t a = 0;
  uint16_t c = 0;
  uint32_t d = 0;
  uint64_t e = 0;
  EXPECT_TRUE(r.read_u8(a));
  EXPECT_TRUE(r.read_u16(c));
  EXPECT_TRUE(r.read_u32(d));
  EXPECT_TRUE(r.read_u64(e));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(c, 0x0302);
  EXPECT_EQ(d, 0x07060504u);
  EXPECT_EQ(e, 0x0F0E0D0C0B0A0908u);
  EXPECT_EQ(r.remaining(), 4u);
  int32_t s = 0;
  EXPECT_TRUE(r.read_i32(s));
  EXPECT_EQ(s, 0x13121110);
  EXPECT_TRUE(r.ok());

  Bytes neg(8, std::byte{0xFF});
  LeReader rn(neg);
  int64_t v = 0;
  EXPECT_TRUE(rn.read_i64(v));
  EXPECT_EQ(v, -1);
}

TEST(ByteIo, ReaderFailsWithoutMoving) {
  Bytes b(5, std::byte{0x41});
  LeReader r(b);
  uint32_t d = 0xDEAD;
  EXPECT_TRUE(r.skip(2));
  EXPECT_FALSE(r.read_u32(d));
  EXPECT_EQ(d, 0xDEADu);
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_FALSE(r.ok());
  std::u16string s = u"keep";
  EXPECT_FALSE(r.read_utf16(4, s));  // past the end
  EXPECT_FALSE(r.read_utf16(1, s));  // odd
  EXPECT_EQ(s, u"keep");
  EXPECT_TRUE(r.read_utf16(2, s));
  EXPECT_EQ(s, u"\u4141");
  std::span<const std::byte> view;
  EXPECT_FALSE(r.read_bytes(2, view));
  EXPECT_TRUE(r.read_bytes(1, view));
  EXPECT_EQ(view.size(), 1u);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_FALSE(r.skip(1));
  EXPECT_FALSE(r.skip(SIZE_MAX));
  EXPECT_TRUE(r.seek(0));
  EXPECT_FALSE(r.seek(6));
}

TEST(ByteIo, EmptySpans) {
  LeReader r({});
  uint8_t a = 0;
  EXPECT_FALSE(r.read_u8(a));
  std::u16string s;
  EXPECT_TRUE(r.read_utf16(0, s));  // zero-length reads are fine at the end
  LeWriter w({});
  EXPECT_FALSE(w.write_u8(1));
  EXPECT_TRUE(w.write_utf16(u""));
}

}  // namespace
}  // namespace lwsmb::proto
