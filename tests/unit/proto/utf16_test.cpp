// UTF-8 <-> UTF-16 conversion: valid edge cases, every ill-formed kind, exhaustive round trip.
#include <gtest/gtest.h>

#include <string>

#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::proto::fscc {
namespace {

TEST(Utf16, AsciiAndEmpty) {
  EXPECT_EQ(utf8_to_utf16(""), std::u16string());
  EXPECT_EQ(utf16_to_utf8(u""), std::string());
  EXPECT_EQ(utf8_to_utf16("hosts.txt"), std::u16string(u"hosts.txt"));
  EXPECT_EQ(utf16_to_utf8(u"hosts.txt"), std::string("hosts.txt"));
  // An embedded NUL is a character like any other.
  auto nul = utf8_to_utf16(std::string_view("a\0b", 3));
  ASSERT_TRUE(nul);
  EXPECT_EQ(*nul, std::u16string(u"a\0b", 3));
}

TEST(Utf16, MultiByteBoundaries) {
  struct Case {
    const char* utf8;
    std::u16string utf16;
  } cases[] = {
      {"\x7F", u"\u007F"},
      {"\xC2\x80", u"\u0080"},      // smallest 2-byte
      {"\xDF\xBF", u"\u07FF"},      // largest 2-byte
      {"\xE0\xA0\x80", u"\u0800"},  // smallest 3-byte
      {"\xED\x9F\xBF", u"\uD7FF"},  // just below the surrogates
      {"\xEE\x80\x80", u"\uE000"},  // just above the surrogates
      {"\xEF\xBF\xBF", u"\uFFFF"},  // largest 3-byte
      {"\xF0\x90\x80\x80", u"\U00010000"},
      {"\xF0\x9F\x98\x80", u"\U0001F600"},
      {"\xF4\x8F\xBF\xBF", u"\U0010FFFF"},
      {"caf\xC3\xA9", u"caf\u00e9"},
  };
  for (const auto& c : cases) {
    auto u16 = utf8_to_utf16(c.utf8);
    ASSERT_TRUE(u16) << c.utf8;
    EXPECT_EQ(*u16, c.utf16) << c.utf8;
    auto u8 = utf16_to_utf8(c.utf16);
    ASSERT_TRUE(u8);
    EXPECT_EQ(*u8, std::string(c.utf8));
  }
  // The surrogate pair itself.
  auto pair = utf8_to_utf16("\xF0\x9F\x98\x80");
  ASSERT_TRUE(pair);
  ASSERT_EQ(pair->size(), 2u);
  EXPECT_EQ((*pair)[0], 0xD83D);
  EXPECT_EQ((*pair)[1], 0xDE00);
}

TEST(Utf16, RejectsIllFormedUtf8) {
  const char* bad[] = {
      "\x80",                      // lone continuation
      "a\xBF",                     // continuation after ASCII
      "\xC0\x80",                  // overlong NUL
      "\xC1\xBF",                  // overlong 2-byte
      "\xE0\x80\x80",              // overlong 3-byte
      "\xE0\x9F\xBF",              // overlong 3-byte (U+07FF)
      "\xF0\x80\x80\x80",          // overlong 4-byte
      "\xF0\x8F\xBF\xBF",          // overlong 4-byte (U+FFFF)
      "\xED\xA0\x80",              // U+D800 encoded in UTF-8
      "\xED\xBF\xBF",              // U+DFFF encoded in UTF-8
      "\xED\xA0\xBD\xED\xB8\x80",  // CESU-8 pair
      "\xF4\x90\x80\x80",          // U+110000
      "\xF5\x80\x80\x80",          // lead byte past the range
      "\xF8\x88\x80\x80\x80",
      "\xFF",
      "\xFE",
      "\xC3",          // truncated 2-byte
      "\xE2\x82",      // truncated 3-byte
      "\xF0\x9F\x98",  // truncated 4-byte
      "ok\xE2",        // truncated at the end
      "\xE2\x28\xA1",  // bad continuation
      "\xC3\xC3\xA9",  // lead where a continuation belongs
  };
  for (const char* s : bad) EXPECT_FALSE(utf8_to_utf16(s)) << testing::PrintToString(s);
}

TEST(Utf16, RejectsUnpairedSurrogates) {
  const std::u16string bad[] = {
      std::u16string(1, char16_t{0xD800}),
      std::u16string(1, char16_t{0xDC00}),
      std::u16string{u'a', char16_t{0xD83D}},  // high at the end
      std::u16string{char16_t{0xD83D}, u'a'},  // high followed by non-low
      std::u16string{char16_t{0xD83D}, char16_t{0xD83D}, char16_t{0xDE00}},
      std::u16string{char16_t{0xDE00}, char16_t{0xD83D}},  // reversed pair
  };
  for (const auto& s : bad) EXPECT_FALSE(utf16_to_utf8(s));
}

TEST(Utf16, EveryScalarValueRoundTrips) {
  std::u32string all;
  for (char32_t c = 0; c <= 0x10FFFF; ++c)
    if (c < 0xD800 || c > 0xDFFF) all.push_back(c);
  // Build UTF-16 independently of the code under test.
  std::u16string u16;
  for (char32_t c : all) {
    if (c < 0x10000) {
      u16.push_back(static_cast<char16_t>(c));
    } else {
      u16.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
      u16.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
    }
  }
  auto u8 = utf16_to_utf8(u16);
  ASSERT_TRUE(u8);
  // 128 one-byte, 1920 two-byte, 61440 three-byte (without 2048 surrogates), 1M four-byte.
  EXPECT_EQ(u8->size(), 128u + 1920 * 2 + (63488u - 2048) * 3 + 1048576u * 4);
  auto back = utf8_to_utf16(*u8);
  ASSERT_TRUE(back);
  EXPECT_TRUE(*back == u16);
}

}  // namespace
}  // namespace lwsmb::proto::fscc
