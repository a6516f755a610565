// Windows wildcard matching for directory enumeration (MS-FSA 2.1.4.4, FsRtlIsNameInExpression):
// '*', '?', and the DOS forms '<' (DOS_STAR), '>' (DOS_QM), '"' (DOS_DOT). Case-insensitive.
#pragma once

#include <string_view>

namespace lwsmb::server::pvfs {

// pattern and name are UTF-8. Case folding covers at least ASCII and Latin-1/Unicode simple
// upper-casing of the code points std::towupper knows in the C.UTF-8 locale.
bool wildcard_match(std::string_view pattern, std::string_view name);

// True when pattern contains none of * ? < > " (so an exact lookup can be used).
bool is_wildcard_free(std::string_view pattern);

// Case-insensitive comparison of two UTF-8 names with the same folding as wildcard_match.
bool names_equal_ci(std::string_view a, std::string_view b);

}  // namespace lwsmb::server::pvfs
