#include "lwsmb/rpc/ndr.hpp"

#include <gtest/gtest.h>

#include <random>

namespace {

using lwsmb::rpc::NdrReader;
using lwsmb::rpc::NdrWriter;

TEST(Ndr, IntegersAreAlignedLittleEndian) {
  NdrWriter w;
  w.u8(0xAA);
  w.u32(0x11223344);
  w.u16(0x5566);
  w.u64(0x0102030405060708ULL);
  const auto& d = w.data();
  ASSERT_EQ(d.size(), 24u);  // 1 + 3 pad + 4 + 2 + 6 pad + 8
  EXPECT_EQ(d[4], std::byte{0x44});
  EXPECT_EQ(d[7], std::byte{0x11});
  EXPECT_EQ(d[16], std::byte{0x08});

  NdrReader r(d);
  uint8_t a;
  uint32_t b;
  uint16_t c;
  uint64_t e;
  ASSERT_TRUE(r.u8(&a) && r.u32(&b) && r.u16(&c) && r.u64(&e));
  EXPECT_EQ(a, 0xAA);
  EXPECT_EQ(b, 0x11223344u);
  EXPECT_EQ(c, 0x5566);
  EXPECT_EQ(e, 0x0102030405060708ULL);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Ndr, StringRoundTrip) {
  NdrWriter w;
  w.pointer(true);
  w.conformant_varying_string(u"IPC$");
  NdrReader r(w.data());
  bool present = false;
  std::u16string s;
  ASSERT_TRUE(r.pointer(&present));
  EXPECT_TRUE(present);
  ASSERT_TRUE(r.conformant_varying_string(&s));
  EXPECT_EQ(s, u"IPC$");
}

TEST(Ndr, TruncatedInputFails) {
  NdrWriter w;
  w.conformant_varying_string(u"share");
  auto full = w.data();
  for (size_t n = 0; n < full.size(); ++n) {
    NdrReader r(std::span<const std::byte>(full).first(n));
    std::u16string s;
    EXPECT_FALSE(r.conformant_varying_string(&s)) << "length " << n;
    EXPECT_FALSE(r.ok());
  }
}

TEST(Ndr, StringCountsAreChecked) {
  auto make = [](uint32_t max, uint32_t off, uint32_t actual) {
    NdrWriter w;
    w.u32(max);
    w.u32(off);
    w.u32(actual);
    for (int i = 0; i < 4; ++i) w.u16('x');
    return w.data();
  };
  std::u16string s;
  {
    auto d = make(4, 0, 4);
    NdrReader r(d);
    EXPECT_TRUE(r.conformant_varying_string(&s));
  }
  {
    auto d = make(2, 0, 4);  // actual > max
    NdrReader r(d);
    EXPECT_FALSE(r.conformant_varying_string(&s));
  }
  {
    auto d = make(4, 1, 4);  // nonzero offset
    NdrReader r(d);
    EXPECT_FALSE(r.conformant_varying_string(&s));
  }
  {
    auto d = make(0xFFFFFFFF, 0, 0x7FFFFFFF);  // claims far more than the buffer holds
    NdrReader r(d);
    EXPECT_FALSE(r.conformant_varying_string(&s, 0xFFFFFFFF));
  }
}

TEST(Ndr, FailureIsSticky) {
  std::byte one[1] = {std::byte{1}};
  NdrReader r(one);
  uint32_t v;
  EXPECT_FALSE(r.u32(&v));
  uint8_t b;
  EXPECT_FALSE(r.u8(&b));  // a byte is there, but the reader already failed
}

TEST(Ndr, GarbageNeverCrashes) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<std::byte> buf(rng() % 64);
    for (auto& b : buf) b = static_cast<std::byte>(rng());
    NdrReader r(buf);
    std::u16string s;
    bool p;
    (void)r.pointer(&p);
    (void)r.conformant_varying_string(&s);
    EXPECT_LE(r.offset(), buf.size());
  }
}

TEST(Ndr, ArrayCountMustFitTheBuffer) {
  NdrWriter w;
  w.u32(3);
  for (int i = 0; i < 3; ++i) w.u32(i);
  uint32_t n = 0;
  {
    NdrReader r(w.data());
    EXPECT_TRUE(r.array_count(&n, 4));
    EXPECT_EQ(n, 3u);
  }
  {
    NdrReader r(w.data());
    EXPECT_FALSE(r.array_count(&n, 5));  // 3 x 5 bytes do not fit in 12
    EXPECT_FALSE(r.ok());
  }
  NdrWriter big;
  big.u32(0x40000000);
  NdrReader r(big.data());
  EXPECT_FALSE(r.array_count(&n, 1));
}

TEST(Ndr, BytesAndUtf8RoundTrip) {
  NdrWriter w;
  w.u8(1);
  const std::byte raw[3] = {std::byte{7}, std::byte{8}, std::byte{9}};
  w.bytes(raw);  // unaligned
  EXPECT_EQ(w.size(), 4u);
  NdrReader r(w.data());
  uint8_t a = 0;
  std::byte back[3];
  ASSERT_TRUE(r.u8(&a) && r.bytes(back));
  EXPECT_EQ(back[2], std::byte{9});
  EXPECT_FALSE(r.bytes(back));

  const std::string text = "Übung \xe2\x82\xac \xf0\x9f\x98\x80 share";
  auto u16 = lwsmb::rpc::utf8_to_utf16(text);
  EXPECT_EQ(u16.size(), 16u);  // the emoji is a surrogate pair
  EXPECT_EQ(lwsmb::rpc::utf16_to_utf8(u16), text);
  // Broken input turns into U+FFFD, never a crash.
  EXPECT_EQ(lwsmb::rpc::utf8_to_utf16("a\xff"), u"a\xfffd");
  EXPECT_EQ(lwsmb::rpc::utf16_to_utf8(std::u16string(1, char16_t(0xD800))), "\xef\xbf\xbd");
}

}  // namespace
