// Wildcard matching (MS-FSA 2.1.4.4) and case-insensitive name comparison.
#include "pvfs/wildcard.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <string_view>

namespace lwsmb::server::pvfs {
namespace {

struct Case {
  std::string_view pattern;
  std::string_view name;
  bool match;
};

void expect_cases(std::initializer_list<Case> cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(wildcard_match(c.pattern, c.name), c.match)
        << "pattern \"" << c.pattern << "\" name \"" << c.name << "\"";
  }
}

TEST(Wildcard, SpecialCasesOfPart1) {
  expect_cases({
      {"", "", true},
      {"", "a", false},
      {"*", "", false},  // an empty name matches no non-empty expression
      {"*", "anything", true},
      {"*", ".hidden", true},
      {"*", ".", true},
      {"*.*", "noext", true},  // MS-FSA 2.1.4.4 Part 1: "*.*" matches every name
      {"*.*", "a.b", true},
      {"*.*", ".hidden", true},
      {"*.*", "", false},
  });
}

TEST(Wildcard, StarAndQuestionMark) {
  expect_cases({
      {"?", "a", true},
      {"?", "ab", false},
      {"??", "ab", true},
      {"??", "a", false},
      {"?", ".", true},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"*.txt", "a.txt", true},
      {"*.txt", ".txt", true},
      {"*.txt", "txt", false},
      {"*.txt", "a.txt.bak", false},
      {"*.txt", "A.TXT", true},
      {"a*", "a", true},
      {"*a", "a", true},
      {"**", "x", true},
      {"a*b*c", "aXbYc", true},
      {"a*b*c", "abc", true},
      {"a*b*c", "acb", false},
      {"*b*", "abc", true},
      {"*b*", "ac", false},
      {"*.*.*", "a.b", false},
      {"*.*.*", "a.b.c", true},
      {"abc", "ABC", true},
      {"abc", "abcd", false},
      {"abc", "ab", false},
  });
}

TEST(Wildcard, DosStar) {
  expect_cases({
      // Win32 turns "*." into "<": names without an extension.
      {"<", "noext", true},
      {"<", "a.txt", false},
      {"<", "a.", false},
      {"<", "a.b.c", false},
      {"<.", "a.", true},
      {"<.txt", "a.txt", true},
      {"<.txt", "a.b.txt", true},  // only the final '.' is out of reach
      {"<.txt", ".txt", true},
      {"<.<", "a.b", true},
      {"<.<", "a.b.c", true},
      {"<.<", "noext", false},
      {"a<", "abc", true},
      {"a<", "bc", false},
  });
}

TEST(Wildcard, DosQuestionMark) {
  expect_cases({
      {">", "a", true},
      {">", "ab", false},
      {">>>", "a", true},  // at the end of the name DOS_QM matches nothing
      {">>>", "abc", true},
      {">>>", "abcd", false},
      {">", ".", false},  // a '.' is never eaten by DOS_QM
      // Win32 "a??.txt" -> "a>>.txt".
      {"a>>.txt", "a.txt", true},
      {"a>>.txt", "ab.txt", true},
      {"a>>.txt", "abc.txt", true},
      {"a>>.txt", "abcd.txt", false},
      // The 8.3 form "f???????.???".
      {"f>>>>>>>.>>>", "foo.c", true},
      {"f>>>>>>>.>>>", "foobarbaz.c", false},
      {">.txt", ".txt", true},
  });
}

TEST(Wildcard, DosDot) {
  expect_cases({
      // Win32 "foo.*" -> "foo\"*".
      {"foo\"*", "foo", true},
      {"foo\"*", "foo.bar", true},
      {"foo\"*", "foo.", true},
      {"foo\"*", "foobar", false},
      {"a\"", "a", true},
      {"a\"", "a.", true},
      {"a\"", "ab", false},
      {"a\"b", "a.b", true},
      {"a\"b", "ab", false},
  });
}

TEST(Wildcard, CaseInsensitiveBeyondAscii) {
  expect_cases({
      {"ÄBC", "äbc", true},
      {"äbc", "ÄBC", true},
      {"*ä*", "XÄY", true},
      {"?BC", "äbc", true},  // one code point, not two bytes
      {"σ*", "ΣΟΦΙΑ", true},
      {"привет.*", "ПРИВЕТ.txt", true},
      {"привет", "ПРИВЕТ!", false},
      {"ÿ?", "Ÿx", true},
  });
  EXPECT_TRUE(names_equal_ci("ÄBC", "äbc"));
  EXPECT_TRUE(names_equal_ci("Straße", "STRAßE"));
  EXPECT_FALSE(names_equal_ci("Straße", "STRASSE"));  // no full (1:n) case mapping
  EXPECT_TRUE(names_equal_ci("ς", "Σ"));
  EXPECT_TRUE(names_equal_ci("ё", "Ё"));
  EXPECT_TRUE(names_equal_ci("ł", "Ł"));
  EXPECT_TRUE(names_equal_ci("ά", "Ά"));
  EXPECT_FALSE(names_equal_ci("ı", "i"));  // kept apart from ASCII on purpose
  EXPECT_FALSE(names_equal_ci("ſ", "s"));
  EXPECT_FALSE(names_equal_ci("abc", "abcd"));
  EXPECT_TRUE(names_equal_ci("", ""));
}

TEST(Wildcard, MultiByteCharactersCountAsOne) {
  expect_cases({
      {"?", "\u00e4", true},  // 2 bytes
      {"??", "\u00e4", false},
      {"?", "\u20ac", true},      // 3 bytes
      {"?", "\U0001F600", true},  // 4 bytes
      {"a?b", "a\U0001F600b", true},
      {"*\U0001F600", "x\U0001F600", true},
      {"<.\u20ac", "\u00e4\u00e4.\u20ac", true},
  });
  EXPECT_TRUE(names_equal_ci("\U0001F600a", "\U0001F600A"));
  EXPECT_FALSE(names_equal_ci("\U0001F600", "\U0001F601"));
  EXPECT_FALSE(names_equal_ci("\u0100", "\u0200"));
}

TEST(Wildcard, UpcaseTable) {
  EXPECT_EQ(simple_upcase(U'a'), U'A');
  EXPECT_EQ(simple_upcase(U'{'), U'{');
  EXPECT_EQ(simple_upcase(0xE9), char32_t{0xC9});  // é
  EXPECT_EQ(simple_upcase(0xF7), char32_t{0xF7});  // ÷ has no case
  EXPECT_EQ(simple_upcase(0x101), char32_t{0x100});
  EXPECT_EQ(simple_upcase(0x17E), char32_t{0x17D});
  EXPECT_EQ(simple_upcase(0x3C9), char32_t{0x3A9});  // ω
  EXPECT_EQ(simple_upcase(0x3CE), char32_t{0x38F});  // ώ
  EXPECT_EQ(simple_upcase(0x44F), char32_t{0x42F});  // я
  EXPECT_EQ(simple_upcase(0x45F), char32_t{0x40F});  // џ
  EXPECT_EQ(simple_upcase(0x4CF), char32_t{0x4C0});
  EXPECT_EQ(simple_upcase(0x1F600), char32_t{0x1F600});
}

TEST(Wildcard, InvalidUtf8NeverCrashesAndMatchesOnlyItself) {
  expect_cases({
      {"*", "\xff\xfe", true},
      {"?", "\xff", true},    // one stray byte is one character
      {"??", "\xc3", false},  // truncated sequence
      {"\xff*",
       "\xff"
       "abc",
       true},
      {"\xfe*",
       "\xff"
       "abc",
       false},
      {"???", "\xed\xa0\x80", true},  // an encoded surrogate is three stray bytes
      {"*.txt", "a\x80.txt", true},
  });
  EXPECT_FALSE(names_equal_ci("\xc0\xaf", "/"));  // overlong
  EXPECT_FALSE(names_equal_ci("\xc3", "\xc3\xa4"));
  EXPECT_TRUE(
      names_equal_ci("\xc3"
                     "A",
                     "\xc3"
                     "a"));
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::string name(rng() % 12, '\0');
    for (auto& ch : name) ch = static_cast<char>(rng());
    std::string pat(rng() % 6, '\0');
    for (auto& ch : pat) ch = static_cast<char>(rng());
    (void)wildcard_match(pat, name);
    (void)wildcard_match("*" + pat, name);
    (void)names_equal_ci(pat, name);
    EXPECT_TRUE(wildcard_match("*", name) || name.empty());
    EXPECT_TRUE(names_equal_ci(name, name));
  }
}

TEST(Wildcard, IsWildcardFree) {
  EXPECT_TRUE(is_wildcard_free("plain.txt"));
  EXPECT_TRUE(is_wildcard_free(""));
  EXPECT_TRUE(is_wildcard_free("äöü"));
  for (std::string_view p : {"*", "a?", "<", "x>", "\"", "a.*"}) {
    EXPECT_FALSE(is_wildcard_free(p)) << p;
  }
}

// An independent, backtracking reading of MS-FSA 2.1.4.4 Part 2 over ASCII, to cross-check the
// NFA on many small random cases.
bool reference_match(std::string_view p, std::string_view n, size_t last_dot) {
  if (p.empty()) return n.empty();
  const char e = p[0];
  const bool end = n.empty();
  const size_t pos = 0;
  auto up = [](char c) { return (c >= 'a' && c <= 'z') ? char(c - 32) : c; };
  switch (e) {
    case '*':
      return reference_match(p.substr(1), n, last_dot) ||
             (!end && reference_match(p, n.substr(1), last_dot - 1));
    case '<':
      if (reference_match(p.substr(1), n, last_dot)) return true;
      if (end || (n[pos] == '.' && last_dot == 0)) return false;
      return reference_match(p, n.substr(1), last_dot - 1);
    case '?':
      return !end && reference_match(p.substr(1), n.substr(1), last_dot - 1);
    case '>':
      if (end || n[0] == '.') return reference_match(p.substr(1), n, last_dot);
      return reference_match(p.substr(1), n.substr(1), last_dot - 1);
    case '"':
      if (end) return reference_match(p.substr(1), n, last_dot);
      return n[0] == '.' && reference_match(p.substr(1), n.substr(1), last_dot - 1);
    default:
      return !end && up(e) == up(n[0]) && reference_match(p.substr(1), n.substr(1), last_dot - 1);
  }
}

bool reference(std::string_view p, std::string_view n) {
  if (p.empty() || n.empty()) return p.empty() && n.empty();
  if (p == "*" || p == "*.*") return true;
  const size_t dot = n.rfind('.');
  // last_dot counts down as the name is consumed; "none" is a value never reached.
  return reference_match(p, n, dot == std::string_view::npos ? size_t{1} << 40 : dot);
}

TEST(Wildcard, AgreesWithBacktrackingReference) {
  std::mt19937 rng(42);
  const std::string pat_alpha = "aB.*?<>\"";
  const std::string name_alpha = "Ab.";
  int matches = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string p(rng() % 7, ' ');
    for (auto& ch : p) ch = pat_alpha[rng() % pat_alpha.size()];
    std::string n(rng() % 7, ' ');
    for (auto& ch : n) ch = name_alpha[rng() % name_alpha.size()];
    const bool want = reference(p, n);
    matches += want;
    ASSERT_EQ(wildcard_match(p, n), want) << "pattern \"" << p << "\" name \"" << n << "\"";
  }
  EXPECT_GT(matches, 1000);  // the sample exercises both outcomes
}

// Guards against exponential backtracking only (a blow-up would take far longer than the bound).
TEST(Wildcard, ManyStarsStayLinear) {
  std::string name(255, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  std::string dos_pattern;
  for (int i = 0; i < 50; ++i) dos_pattern += "<a";
  dos_pattern += ".b";
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(wildcard_match(pattern, name));
    EXPECT_FALSE(wildcard_match(dos_pattern, name));
    EXPECT_TRUE(wildcard_match(pattern, name + "b"));
    EXPECT_TRUE(wildcard_match(std::string(50, '*'), name));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace lwsmb::server::pvfs
