// QUERY_DIRECTORY (MS-FSA 2.1.5.5): a per-open snapshot of the matching names, "." and ".."
// first, returned across calls in MS-FSCC 2.4 directory classes.
#include <fcntl.h>

#include <algorithm>
#include <optional>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_path.hpp"
#include "pvfs/pvfs_stream.hpp"
#include "pvfs/wildcard.hpp"

namespace lwsmb::server::pvfs {
namespace fscc = proto::fscc;
namespace {

// NTFS lists in upper-case collation order; an ASCII fold keeps listings stable and familiar.
bool listing_order(const std::string& a, const std::string& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto ux = static_cast<unsigned char>(x);
    auto uy = static_cast<unsigned char>(y);
    if (ux < 0x80) ux = static_cast<unsigned char>(std::toupper(ux));
    if (uy < 0x80) uy = static_cast<unsigned char>(std::toupper(uy));
    return ux < uy;
  });
}

NtStatus validate_pattern(std::string_view pattern) {
  for (char c : pattern) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == '\\' || c == '/' || c == ':' || c == '|') {
      return NtStatus::ObjectNameInvalid;
    }
  }
  if (!fscc::utf8_to_utf16(pattern)) return NtStatus::ObjectNameInvalid;
  return NtStatus::Success;
}

}  // namespace

void PvfsDriver::query_directory(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<QueryDirectoryArgs>();
  const auto cls = args.info_class;
  if (!ccb.directory) return (void)irp->complete(NtStatus::InvalidParameter);
  if (!ccb.has(access::kReadData)) return (void)irp->complete(NtStatus::AccessDenied);
  if (!fscc::is_directory_class(cls)) return (void)irp->complete(NtStatus::InvalidInfoClass);
  if (args.buffer.size() < fscc::directory_entry_fixed_size(cls)) {
    return (void)irp->complete(NtStatus::InfoLengthMismatch);
  }
  const std::string pattern = args.pattern.empty() ? "*" : args.pattern;
  NtStatus st = validate_pattern(pattern);
  if (st != NtStatus::Success) return (void)irp->complete(st);

  const std::string dir_rel = ccb.root ? std::string() : names_.path(ccb.key);
  std::lock_guard lock(ccb.mutex);
  DirCursor& cur = ccb.cursor;
  // MS-FSA 2.1.5.5: the pattern of the first query (or of a restart) holds for the scan.
  const bool restart =
      !cur.started ||
      (args.flags & (query_directory_flag::kRestartScans | query_directory_flag::kReopen));
  if (restart) {
    cur = DirCursor{};
    cur.started = true;
    cur.pattern = pattern;
    if (is_wildcard_free(pattern)) {
      // Fast path: one lookup, exact name first, then a case-insensitive scan.
      if (pattern == "." || pattern == "..") {
        cur.names.push_back(pattern);
      } else if (ccb.root && is_stream_store_name(pattern)) {
        // the stream store (pvfs_stream.hpp) is no entry of the share
      } else {
        struct statx sx {};
        if (::statx(ccb.raw_fd(), pattern.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) == 0) {
          cur.names.push_back(pattern);
        } else if (options_.case_insensitive) {
          auto found = find_name_ci(ccb.raw_fd(), pattern);
          if (!found) return (void)irp->complete(found.status());
          if (*found) cur.names.push_back(std::move(**found));
        }
      }
    } else {
      auto names = list_directory(ccb.raw_fd());
      if (!names) return (void)irp->complete(names.status());
      for (const char* dot : {".", ".."}) {
        if (wildcard_match(pattern, dot)) cur.names.emplace_back(dot);
      }
      const size_t dots = cur.names.size();
      for (auto& n : *names) {
        if (ccb.root && is_stream_store_name(n)) continue;  // the stream store (pvfs_stream.hpp)
        if (wildcard_match(pattern, n)) cur.names.push_back(std::move(n));
      }
      std::sort(cur.names.begin() + static_cast<std::ptrdiff_t>(dots), cur.names.end(),
                listing_order);
    }
  }

  // One entry's data; nullopt for a name that vanished, is not UTF-8, or cannot be reached
  // without leaving the root (a symlink pointing out is not listed).
  auto make_entry = [&](const std::string& name) -> std::optional<fscc::DirectoryEntry> {
    Result<FileStat> fs = NtStatus::Unsuccessful;
    if (name == "." || (name == ".." && ccb.root)) {
      fs = stat_fd(ccb.raw_fd());  // ".." of the root is the root: nothing outside is shown
    } else if (name == "..") {
      UniqueFd parent(sys_openat2(root_fd(), rel_or_dot(rel_split(dir_rel).first), O_PATH));
      if (parent) fs = stat_fd(parent.get());
    } else {
      fs = stat_at(ccb.raw_fd(), name);
      if (fs && S_ISLNK(fs->st.stx_mode)) {
        UniqueFd target(sys_openat2(root_fd(), rel_join(dir_rel, name), O_PATH));
        fs = target ? stat_fd(target.get()) : Result<FileStat>(NtStatus::AccessDenied);
      }
    }
    if (!fs || !(fs->directory() || fs->regular())) return std::nullopt;
    auto name16 = fscc::utf8_to_utf16(name);
    if (!name16) return std::nullopt;
    fscc::DirectoryEntry e;
    e.creation_time = fs->creation_time;
    e.last_access_time = fs->last_access_time;
    e.last_write_time = fs->last_write_time;
    e.change_time = fs->change_time;
    e.end_of_file = fs->end_of_file();
    e.allocation_size = fs->allocation_size();
    e.attributes = fs->attributes;
    e.file_id = fs->key.ino;
    e.file_name = std::move(*name16);
    return e;
  };

  // MS-FSCC 2.4.14 FileIndex: pvfs numbers the entries of the snapshot from 1 (0 would say
  // "no index", as NTFS does); SL_INDEX_SPECIFIED resumes after the entry with that number.
  if (!restart && (args.flags & query_directory_flag::kIndexSpecified)) {
    cur.next = std::min<size_t>(args.file_index, cur.names.size());
  }
  fscc::DirectoryListWriter writer(cls, args.buffer);
  const bool single = args.flags & query_directory_flag::kReturnSingleEntry;
  while (cur.next < cur.names.size()) {
    auto entry = make_entry(cur.names[cur.next]);
    if (!entry) {
      ++cur.next;
      continue;
    }
    entry->file_index = static_cast<uint32_t>(cur.next + 1);
    if (!writer.append(*entry)) break;  // stays for the next call
    ++cur.next;
    if (single) break;
  }
  if (writer.entries() > 0) {
    cur.returned_any = true;
    return (void)irp->complete(NtStatus::Success, writer.size());
  }
  if (cur.next < cur.names.size()) {
    // Not even one entry fits: the caller must offer a bigger buffer (the cursor stays).
    return (void)irp->complete(NtStatus::InfoLengthMismatch);
  }
  // MS-FSA 2.1.5.5: nothing ever matched -> NO_SUCH_FILE; a finished scan -> NO_MORE_FILES.
  const bool first = !cur.returned_any;
  cur.returned_any = true;
  irp->complete(first ? NtStatus::NoSuchFile : NtStatus::NoMoreFiles);
}

}  // namespace lwsmb::server::pvfs
