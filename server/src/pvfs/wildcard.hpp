// Windows wildcard matching for directory enumeration (MS-FSA 2.1.4.4, FsRtlIsNameInExpression):
// '*', '?', and the DOS forms '<' (DOS_STAR), '>' (DOS_QM), '"' (DOS_DOT). Case-insensitive.
#pragma once

#include <string_view>

namespace lwsmb::server::pvfs {

// pattern and name are UTF-8; invalid bytes never crash and only match the same byte.
// Case folding is our own locale-independent simple upper-casing (see simple_upcase()).
// MS-FSA 2.1.4.4 Part 1: an empty pattern matches only an empty name (a caller that treats an
// empty QUERY_DIRECTORY pattern as "*" must substitute it), and "*" and "*.*" match every
// non-empty name, including names without a dot.
bool wildcard_match(std::string_view pattern, std::string_view name);

// True when pattern contains none of * ? < > " (so an exact lookup can be used).
bool is_wildcard_free(std::string_view pattern);

// Case-insensitive comparison of two UTF-8 names with the same folding as wildcard_match.
bool names_equal_ci(std::string_view a, std::string_view b);

// Simple (one-to-one) upper-case mapping of one code point, as in UnicodeData.txt, for ASCII,
// Latin-1, Latin Extended-A, Greek and Cyrillic (U+0400..U+052F); every other code point maps
// to itself. U+00B5, U+0131 and U+017F are left alone so that no non-ASCII name folds onto an
// ASCII one.
char32_t simple_upcase(char32_t c);

}  // namespace lwsmb::server::pvfs
