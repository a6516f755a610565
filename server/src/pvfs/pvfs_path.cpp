// NT path parsing (MS-FSCC 2.1.5 pathname rules) and name resolution for pvfs.
#include "pvfs/pvfs_path.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <array>
#include <cstring>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_stream.hpp"
#include "pvfs/wildcard.hpp"

namespace lwsmb::server::pvfs {
namespace {

constexpr size_t kMaxComponentBytes = 255;
constexpr size_t kMaxPathBytes = 4095;

bool invalid_name_char(unsigned char c) {
  if (c < 0x20) return true;  // includes NUL
  switch (c) {
    case '/':  // SMB paths use backslashes only; a '/' never reaches the fs as a separator
    case '<':
    case '>':
    case ':':  // also rules out "C:\..."; stream names are split off before (pvfs_stream.hpp)
    case '"':
    case '|':
    case '?':
    case '*':
      return true;
    default:
      return false;
  }
}

}  // namespace

NtStatus validate_component(std::string_view name) {
  if (name.empty() || name == ".") return NtStatus::ObjectNameInvalid;
  if (name == "..") return NtStatus::ObjectPathSyntaxBad;
  if (name.size() > kMaxComponentBytes) return NtStatus::ObjectNameInvalid;
  for (char c : name) {
    if (invalid_name_char(static_cast<unsigned char>(c))) return NtStatus::ObjectNameInvalid;
  }
  if (!proto::fscc::utf8_to_utf16(name)) return NtStatus::ObjectNameInvalid;
  return NtStatus::Success;
}

Result<ParsedPath> parse_nt_path(std::string_view path) {
  ParsedPath out;
  if (path.size() > kMaxPathBytes) return NtStatus::NameTooLong;
  if (!path.empty() && path.front() == '\\') path.remove_prefix(1);
  if (path.empty()) return out;
  if (path.back() == '\\') {
    out.trailing_backslash = true;
    path.remove_suffix(1);
  }
  // ".." is reported before other faults so that every escape attempt gets one status.
  NtStatus first_error = NtStatus::Success;
  size_t start = 0;
  for (;;) {
    size_t end = path.find('\\', start);
    std::string_view comp = path.substr(start, end == std::string_view::npos ? end : end - start);
    NtStatus st = validate_component(comp);
    if (st == NtStatus::ObjectPathSyntaxBad) return st;
    if (st != NtStatus::Success && first_error == NtStatus::Success) first_error = st;
    out.components.emplace_back(comp);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (first_error != NtStatus::Success) return first_error;
  // The stream store at the root (pvfs_stream.hpp) is outside the share's namespace.
  if (is_stream_store_name(out.components.front())) return NtStatus::ObjectNameInvalid;
  return out;
}

std::string rel_join(std::string_view parent, std::string_view name) {
  std::string out(parent);
  if (!out.empty()) out += '/';
  out += name;
  return out;
}

std::pair<std::string, std::string> rel_split(const std::string& rel) {
  auto slash = rel.rfind('/');
  if (slash == std::string::npos) return {std::string(), rel};
  return {rel.substr(0, slash), rel.substr(slash + 1)};
}

Result<std::vector<std::string>> list_directory(int dirfd) {
  // A fresh open description, so the caller's fd offset is never shared or moved.
  UniqueFd fd(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ntstatus_from_errno(errno);
  std::vector<std::string> names;
  alignas(8) std::array<char, 32768> buf;
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ntstatus_from_errno(errno);
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      struct Dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[1];
      };
      const auto* d = reinterpret_cast<const Dirent64*>(buf.data() + off);
      std::string_view name(d->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
      off += d->d_reclen;
    }
  }
  return names;
}

Result<std::optional<std::string>> find_name_ci(int dirfd, std::string_view name) {
  auto names = list_directory(dirfd);
  if (!names) return names.status();
  for (auto& n : *names) {
    if (names_equal_ci(n, name)) return std::optional<std::string>(std::move(n));
  }
  return std::optional<std::string>();
}

NtStatus path_lookup_status(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return NtStatus::ObjectPathNotFound;
    case EXDEV:  // RESOLVE_BENEATH: the path would leave the root
    case ELOOP:  // a magic link, or a symlink loop
      return NtStatus::AccessDenied;
    default:
      return ntstatus_from_errno(err);
  }
}

namespace {

// Looks `name` up in the directory `parent_rel`: exact first, then a case-insensitive scan.
// Returns the actual name, nullopt when missing, or an error.
Result<std::optional<std::string>> lookup_one(int root_fd, const std::string& parent_rel,
                                              const std::string& name, bool want_dir,
                                              bool case_insensitive) {
  const uint64_t flags = O_PATH | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0);
  int fd = sys_openat2(root_fd, rel_join(parent_rel, name), flags);
  if (fd >= 0) {
    ::close(fd);
    return std::optional<std::string>(name);
  }
  if (fd != -ENOENT || !case_insensitive) {
    if (fd == -ENOENT) return std::optional<std::string>();
    if (fd == -ENOTDIR && want_dir) return std::optional<std::string>();
    return path_lookup_status(-fd);
  }
  UniqueFd dir(sys_openat2(root_fd, rel_or_dot(parent_rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return path_lookup_status(-dir.get());
  auto found = find_name_ci(dir.get(), name);
  if (!found) return found.status();
  if (!*found) return std::optional<std::string>();
  // Check the candidate like any other path: RESOLVE_BENEATH decides about symlinks.
  fd = sys_openat2(root_fd, rel_join(parent_rel, **found), flags);
  if (fd < 0) {
    if (fd == -ENOENT || (fd == -ENOTDIR && want_dir)) return std::optional<std::string>();
    return path_lookup_status(-fd);
  }
  ::close(fd);
  return found;
}

}  // namespace

Result<Lookup> resolve_path(int root_fd, const std::vector<std::string>& components,
                            bool case_insensitive) {
  Lookup out;
  if (components.empty()) return NtStatus::InvalidParameter;
  for (size_t i = 0; i + 1 < components.size(); ++i) {
    auto r = lookup_one(root_fd, out.parent_rel, components[i], true, case_insensitive);
    if (!r) return r.status();
    if (!*r) return NtStatus::ObjectPathNotFound;  // MS-FSA 2.1.5.1: missing directory
    out.parent_rel = rel_join(out.parent_rel, **r);
  }
  auto r = lookup_one(root_fd, out.parent_rel, components.back(), false, case_insensitive);
  if (!r) {
    // The last component: a link leaving the root is refused, anything else is the file's.
    if (r.status() == NtStatus::ObjectPathNotFound) return NtStatus::ObjectNameNotFound;
    return r.status();
  }
  out.exists = r->has_value();
  out.name = out.exists ? **r : components.back();
  return out;
}

}  // namespace lwsmb::server::pvfs
