// FsRtlIsNameInExpression semantics (MS-FSA 2.1.4.4) as a state-set NFA over code points:
// O(name * pattern) time whatever the number of stars, no backtracking.
#include "pvfs/wildcard.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lwsmb::server::pvfs {
namespace {

constexpr char32_t kStar = U'*';
constexpr char32_t kQm = U'?';
constexpr char32_t kDosStar = U'<';
constexpr char32_t kDosQm = U'>';
constexpr char32_t kDosDot = U'"';
constexpr char32_t kDot = U'.';

bool is_wild(char32_t c) {
  return c == kStar || c == kQm || c == kDosStar || c == kDosQm || c == kDosDot;
}

bool is_cont(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

// Decodes one code point at s[i] and advances i. A byte that does not start a well-formed
// sequence (bad lead, bad continuation, overlong, surrogate, > U+10FFFF) becomes U+DC00+byte,
// consuming one byte: well-formed input never decodes to a surrogate, so such bytes only ever
// equal the same byte.
char32_t decode_one(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const size_t left = s.size() - i;
  const size_t at = i;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[at + k]); };
  if (b0 < 0x80) {
    i += 1;
    return b0;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF && left >= 2 && is_cont(byte(1))) {
    const char32_t c = (char32_t{b0 & 0x1Fu} << 6) | (byte(1) & 0x3Fu);
    i += 2;
    return c;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && left >= 3) {
    const unsigned char b1 = byte(1);
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    if (b1 >= lo && b1 <= hi && is_cont(byte(2))) {
      const char32_t c =
          (char32_t{b0 & 0x0Fu} << 12) | (char32_t{b1 & 0x3Fu} << 6) | (byte(2) & 0x3Fu);
      i += 3;
      return c;
    }
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && left >= 4) {
    const unsigned char b1 = byte(1);
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (b1 >= lo && b1 <= hi && is_cont(byte(2)) && is_cont(byte(3))) {
      i += 4;
      return (char32_t{b0 & 0x07u} << 18) | (char32_t{b1 & 0x3Fu} << 12) |
             (char32_t{byte(2) & 0x3Fu} << 6) | (byte(3) & 0x3Fu);
    }
  }
  i += 1;
  return 0xDC00 + b0;
}

// UTF-8 -> upper-cased code points.
void decode_folded(std::string_view s, std::vector<char32_t>& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out.push_back(simple_upcase(decode_one(s, i)));
}

// Adds the zero-width moves (MS-FSA 2.1.4.4 Part 2) to a state set. `next` is the name character
// the states will face, `at_end` whether the name is exhausted. Moves only go from p to p + 1,
// so one ascending pass reaches the closure.
void add_empty_moves(const std::vector<char32_t>& pat, std::vector<uint8_t>& states, bool at_end,
                     char32_t next) {
  for (size_t p = 0; p < pat.size(); ++p) {
    if (!states[p]) continue;
    switch (pat[p]) {
      case kStar:     // zero or more characters
      case kDosStar:  // zero or more characters, up to the final '.'
        states[p + 1] = 1;
        break;
      case kDosQm:  // zero characters at a '.' or at the end of the name
        if (at_end || next == kDot) states[p + 1] = 1;
        break;
      case kDosDot:  // zero characters only beyond the end of the name
        if (at_end) states[p + 1] = 1;
        break;
      default:
        break;
    }
  }
}

bool nfa_match(const std::vector<char32_t>& pat, const std::vector<char32_t>& name) {
  const size_t m = pat.size();
  size_t last_dot = name.size();  // "none"
  for (size_t i = name.size(); i-- > 0;) {
    if (name[i] == kDot) {
      last_dot = i;
      break;
    }
  }
  std::vector<uint8_t> cur(m + 1, 0);
  std::vector<uint8_t> nxt(m + 1, 0);
  cur[0] = 1;
  add_empty_moves(pat, cur, name.empty(), name.empty() ? 0 : name[0]);
  for (size_t i = 0; i < name.size(); ++i) {
    const char32_t c = name[i];
    std::fill(nxt.begin(), nxt.end(), 0);
    bool any = false;
    for (size_t p = 0; p < m; ++p) {
      if (!cur[p]) continue;
      const char32_t e = pat[p];
      switch (e) {
        case kStar:
          nxt[p] = 1;
          break;
        case kDosStar:
          // DOS_STAR consumes anything but the last '.' of the name, which the rest of the
          // expression must match.
          if (!(c == kDot && i == last_dot)) nxt[p] = 1;
          break;
        case kQm:
          nxt[p + 1] = 1;
          break;
        case kDosQm:
          // Any single character; a '.' is never eaten (the zero-width move handles it).
          if (c != kDot) nxt[p + 1] = 1;
          break;
        case kDosDot:
          if (c == kDot) nxt[p + 1] = 1;
          break;
        default:
          if (e == c) nxt[p + 1] = 1;
          break;
      }
    }
    const bool at_end = i + 1 == name.size();
    add_empty_moves(pat, nxt, at_end, at_end ? 0 : name[i + 1]);
    for (uint8_t s : nxt) any = any || s;
    if (!any) return false;
    cur.swap(nxt);
  }
  return cur[m] != 0;
}

}  // namespace

char32_t simple_upcase(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') ? c - 0x20 : c;
  if (c < 0x100) {  // Latin-1 Supplement
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;
    if (c == 0xFF) return 0x178;
    return c;
  }
  if (c < 0x180) {  // Latin Extended-A: case pairs
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
      return (c & 1) ? c - 1 : c;  // even upper, odd lower
    }
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
      return (c & 1) ? c : c - 1;  // odd upper, even lower
    }
    return c;
  }
  if (c >= 0x370 && c < 0x400) {  // Greek
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 0x25;
    if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 0x20;
    if (c == 0x3C2) return 0x3A3;  // final sigma
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 0x3F;
    return c;
  }
  if (c >= 0x400 && c < 0x530) {  // Cyrillic and Cyrillic Supplement
    if (c >= 0x430 && c <= 0x44F) return c - 0x20;
    if (c >= 0x450 && c <= 0x45F) return c - 0x50;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) {
      return (c & 1) ? c - 1 : c;
    }
    if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c : c - 1;
    if (c == 0x4CF) return 0x4C0;
    return c;
  }
  return c;
}

bool is_wildcard_free(std::string_view pattern) {
  for (char ch : pattern) {
    if (is_wild(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

bool names_equal_ci(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (simple_upcase(decode_one(a, i)) != simple_upcase(decode_one(b, j))) return false;
  }
  return i == a.size() && j == b.size();
}

bool wildcard_match(std::string_view pattern, std::string_view name) {
  // MS-FSA 2.1.4.4 Part 1: special cases.
  if (pattern.empty() || name.empty()) return pattern.empty() && name.empty();
  if (pattern == "*" || pattern == "*.*") return true;
  if (is_wildcard_free(pattern)) return names_equal_ci(pattern, name);

  std::vector<char32_t> pat;
  std::vector<char32_t> nam;
  decode_folded(pattern, pat);
  decode_folded(name, nam);
  // "*" followed by a literal tail: compare the tail against the end of the name.
  if (pat[0] == kStar && is_wildcard_free(pattern.substr(1))) {
    const size_t tail = pat.size() - 1;
    if (tail > nam.size()) return false;
    for (size_t k = 0; k < tail; ++k) {
      if (pat[1 + k] != nam[nam.size() - tail + k]) return false;
    }
    return true;
  }
  return nfa_match(pat, nam);
}

}  // namespace lwsmb::server::pvfs
