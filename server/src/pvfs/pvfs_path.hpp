// NT path parsing and case-insensitive resolution below the share root.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "pvfs/pvfs_fd.hpp"

namespace lwsmb::server::pvfs {

struct ParsedPath {
  std::vector<std::string> components;  // UTF-8, validated; empty for the root
  bool trailing_backslash = false;      // "dir\": the caller wants a directory
};

// Parses a driver-relative NT path ("a\b\c.txt"; one leading backslash is tolerated). Checked
// before anything touches the file system:
//  - ".." components -> STATUS_OBJECT_PATH_SYNTAX_BAD (as Windows answers for a path climbing out
//    of a share; we refuse ".." anywhere rather than normalise it),
//  - "." components, empty components ("a\\b"), '/', NUL, control characters and the
//    characters MS-FSCC 2.1.5.2 forbids in names (< > : " | ? *) -> STATUS_OBJECT_NAME_INVALID,
//  - invalid UTF-8 or a component over 255 bytes -> STATUS_OBJECT_NAME_INVALID.
Result<ParsedPath> parse_nt_path(std::string_view path);

// Validates one name (a rename target component, a created name) with the same rules.
NtStatus validate_component(std::string_view name);

// Joins actual on-disk names with '/' for the *at() calls; "." for the root.
std::string rel_join(std::string_view parent, std::string_view name);
inline std::string rel_or_dot(const std::string& rel) {
  return rel.empty() ? "." : rel;
}

// "a/b/c" -> ("a/b", "c"); "c" -> ("", "c").
std::pair<std::string, std::string> rel_split(const std::string& rel);

// Reads every name of a directory (not "." and ".."): getdents64 on a fresh fd of `dirfd`.
Result<std::vector<std::string>> list_directory(int dirfd);

// Finds a name equal to `name` ignoring case in the directory; nullopt when none.
Result<std::optional<std::string>> find_name_ci(int dirfd, std::string_view name);

// Maps the errno of a RESOLVE_BENEATH lookup of an intermediate component.
NtStatus path_lookup_status(int err);

struct Lookup {
  std::string parent_rel;  // actual names of the parent, "" for the root
  std::string name;        // actual name when found, else the name as given (kept for create)
  bool exists = false;
  std::string rel() const { return parent_rel.empty() ? name : parent_rel + "/" + name; }
};

// Resolves every component but the last (each must be a directory below the root, else
// STATUS_OBJECT_PATH_NOT_FOUND; a link leaving the root -> STATUS_ACCESS_DENIED) and looks the
// last one up. Exact names are tried first (one openat2 each); only a missing name triggers a
// directory scan with names_equal_ci. The scan only yields names: every candidate is opened
// again with RESOLVE_BENEATH, so it cannot follow a link out. The root itself has no last
// component: callers handle an empty path before calling this.
Result<Lookup> resolve_path(int root_fd, const std::vector<std::string>& components,
                            bool case_insensitive);

}  // namespace lwsmb::server::pvfs
