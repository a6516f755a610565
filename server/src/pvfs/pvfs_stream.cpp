// Alternate data streams: stream path syntax (MS-FSCC 2.1.5), the stream store and
// FileStreamInformation (MS-FSCC 2.4.44). The store layout is described in pvfs_stream.hpp.
#include "pvfs/pvfs_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cctype>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_path.hpp"

namespace lwsmb::server::pvfs {
namespace {

constexpr const char* kStreamIdXattr = "user.lwsmb.streams";
constexpr size_t kStreamIdChars = 32;
constexpr size_t kMaxStreamNameUnits = 255;  // MS-FSCC 2.1.5.3
constexpr size_t kMaxStreamNameBytes = 255;  // NAME_MAX of the store's file system

bool equal_ci_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string proc_fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

bool valid_id(std::string_view id) {
  return id.size() == kStreamIdChars && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void put_le(std::span<std::byte> out, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out[at + i] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace

bool is_stream_store_name(std::string_view name) {
  return equal_ci_ascii(name, kStreamStoreName);
}

Result<StreamPath> split_stream_path(std::string_view path) {
  StreamPath out;
  const size_t colon = path.find(':');
  if (colon == std::string_view::npos) {
    out.file.assign(path);
    return out;
  }
  // The stream part ends the last component: no separator may follow it.
  std::string_view rest = path.substr(colon + 1);
  if (rest.find('\\') != std::string_view::npos) return NtStatus::ObjectNameInvalid;
  out.file.assign(path.substr(0, colon));
  std::string_view name = rest;
  const size_t second = rest.find(':');
  if (second != std::string_view::npos) {
    name = rest.substr(0, second);
    std::string_view type = rest.substr(second + 1);
    // Only the data stream type is stored; "file:s:" and "file:s:$FOO" are invalid names.
    if (!equal_ci_ascii(type, "$DATA")) return NtStatus::ObjectNameInvalid;
  } else if (name.empty()) {
    return NtStatus::ObjectNameInvalid;  // "file:"
  }
  if (name.empty()) {
    out.explicit_default = true;  // "file::$DATA"
    return out;
  }
  if (name == "." || name == "..") return NtStatus::ObjectNameInvalid;
  for (char c : name) {
    if (c == '/' || c == '\0') return NtStatus::ObjectNameInvalid;
  }
  auto units = proto::fscc::utf8_to_utf16(name);
  if (!units || units->size() > kMaxStreamNameUnits || name.size() > kMaxStreamNameBytes) {
    return NtStatus::ObjectNameInvalid;
  }
  out.stream.assign(name);
  return out;
}

std::optional<std::string> stream_id_of(int fd) {
  char buf[kStreamIdChars + 1];
  ssize_t n = ::getxattr(proc_fd_path(fd).c_str(), kStreamIdXattr, buf, sizeof buf);
  if (n != static_cast<ssize_t>(kStreamIdChars)) return std::nullopt;
  std::string id(buf, kStreamIdChars);
  if (!valid_id(id)) return std::nullopt;
  return id;
}

Result<std::string> ensure_stream_id(int fd) {
  if (auto id = stream_id_of(fd)) return *id;
  uint8_t raw[kStreamIdChars / 2];
  if (::getentropy(raw, sizeof raw) != 0) return ntstatus_from_errno(errno);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (uint8_t b : raw) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  if (::setxattr(proc_fd_path(fd).c_str(), kStreamIdXattr, id.data(), id.size(), XATTR_CREATE) !=
      0) {
    if (errno == EEXIST) {
      if (auto other = stream_id_of(fd)) return *other;  // made at the same time
    }
    if (errno == ENOTSUP) return NtStatus::NotSupported;
    return ntstatus_from_errno(errno);
  }
  return id;
}

Result<UniqueFd> open_stream_folder(int root_fd, const std::string& id, bool create) {
  const std::string rel = std::string(kStreamStoreName) + "/" + id;
  const uint64_t flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  int fd = sys_openat2(root_fd, rel, flags);
  if (fd >= 0) return UniqueFd(fd);
  if (fd != -ENOENT || !create) return ntstatus_from_errno(-fd);
  // Made on demand; owned by the server, closed to everyone else (clients reach the streams
  // only through pvfs, with the access their file grants).
  UniqueFd root_dir(sys_openat2(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_dir) return ntstatus_from_errno(-root_dir.get());
  if (::mkdirat(root_dir.get(), std::string(kStreamStoreName).c_str(), 0700) != 0 &&
      errno != EEXIST) {
    return ntstatus_from_errno(errno);
  }
  UniqueFd store(
      sys_openat2(root_fd, std::string(kStreamStoreName), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!store) return ntstatus_from_errno(-store.get());
  if (::mkdirat(store.get(), id.c_str(), 0700) != 0 && errno != EEXIST) {
    return ntstatus_from_errno(errno);
  }
  fd = sys_openat2(root_fd, rel, flags);
  if (fd < 0) return ntstatus_from_errno(-fd);
  return UniqueFd(fd);
}

Result<std::optional<std::string>> find_stream(int folder_fd, std::string_view name) {
  struct statx st {};
  const std::string n(name);
  if (::statx(folder_fd, n.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &st) == 0) {
    if (!S_ISREG(st.stx_mode)) return std::optional<std::string>();
    return std::optional<std::string>(n);
  }
  if (errno != ENOENT) return ntstatus_from_errno(errno);
  // Stream names are case-insensitive (as NTFS compares them).
  return find_name_ci(folder_fd, name);
}

Result<std::vector<StreamEntry>> list_streams(int root_fd, int fd) {
  std::vector<StreamEntry> out;
  auto id = stream_id_of(fd);
  if (!id) return out;
  auto folder = open_stream_folder(root_fd, *id, false);
  if (!folder) {
    if (folder.status() == NtStatus::ObjectNameNotFound) return out;
    return folder.status();
  }
  auto names = list_directory(folder->get());
  if (!names) return names.status();
  for (auto& name : *names) {
    struct statx st {};
    if (::statx(folder->get(), name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) != 0 ||
        !S_ISREG(st.stx_mode)) {
      continue;
    }
    StreamEntry e;
    e.name = std::move(name);
    e.size = static_cast<int64_t>(st.stx_size);
    e.allocation = static_cast<int64_t>(st.stx_blocks) * 512;
    e.key = FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const StreamEntry& a, const StreamEntry& b) { return a.name < b.name; });
  return out;
}

NtStatus encode_stream_information(bool has_main, int64_t main_size, int64_t main_allocation,
                                   const std::vector<StreamEntry>& streams,
                                   std::span<std::byte> out, size_t* written) {
  struct Item {
    std::u16string name;
    int64_t size;
    int64_t allocation;
  };
  std::vector<Item> items;
  if (has_main) items.push_back({u"::$DATA", main_size, main_allocation});
  for (const auto& s : streams) {
    auto u = proto::fscc::utf8_to_utf16(":" + s.name + ":$DATA");
    if (u) items.push_back({std::move(*u), s.size, s.allocation});
  }
  *written = 0;
  size_t at = 0;
  size_t last = 0;  // offset of the previous entry, whose NextEntryOffset is patched
  bool first = true;
  for (const auto& item : items) {
    const size_t start = first ? 0 : (at + 7) & ~size_t{7};  // entries are 8-byte aligned
    const size_t len = 24 + 2 * item.name.size();
    if (start + len > out.size()) return NtStatus::BufferOverflow;
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(at),
              out.begin() + static_cast<std::ptrdiff_t>(start), std::byte{0});
    if (!first) put_le(out, last, start - last, 4);
    put_le(out, start, 0, 4);
    put_le(out, start + 4, 2 * item.name.size(), 4);
    put_le(out, start + 8, static_cast<uint64_t>(item.size), 8);
    put_le(out, start + 16, static_cast<uint64_t>(item.allocation), 8);
    for (size_t i = 0; i < item.name.size(); ++i) put_le(out, start + 24 + 2 * i, item.name[i], 2);
    last = start;
    at = start + len;
    *written = at;
    first = false;
  }
  return NtStatus::Success;
}

void remove_streams(int root_fd, int fd, const std::function<bool(const FileKey&)>& keep) {
  auto id = stream_id_of(fd);
  if (!id) return;
  auto folder = open_stream_folder(root_fd, *id, false);
  if (!folder) return;
  auto names = list_directory(folder->get());
  if (!names) return;
  bool kept = false;
  for (const auto& name : *names) {
    if (keep) {
      struct statx st {};
      if (::statx(folder->get(), name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_INO, &st) == 0 &&
          keep(FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino})) {
        kept = true;
        continue;
      }
    }
    (void)::unlinkat(folder->get(), name.c_str(), 0);
  }
  if (kept) return;
  UniqueFd store(
      sys_openat2(root_fd, std::string(kStreamStoreName), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (store) (void)::unlinkat(store.get(), id->c_str(), AT_REMOVEDIR);
}

}  // namespace lwsmb::server::pvfs
