// Extended attributes of pvfs files, kept as Linux user xattrs.
#include "pvfs/pvfs_ea.hpp"

#include <sys/xattr.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <string>

namespace lwsmb::server::pvfs {
namespace fscc = proto::fscc;
namespace {

constexpr std::string_view kPrefix = "user.lwsmb.ea.";

std::string proc_fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Result<std::vector<std::string>> list_names(const std::string& path) {
  // Most files hold a few short names: one call into a small buffer, and the size query only
  // when they do not fit (ERANGE).
  std::string buf(512, '\0');
  ssize_t n = ::listxattr(path.c_str(), buf.data(), buf.size());
  if (n < 0 && errno == ERANGE) {
    n = ::listxattr(path.c_str(), nullptr, 0);
    if (n >= 0) {
      buf.assign(static_cast<size_t>(n), '\0');
      n = ::listxattr(path.c_str(), buf.data(), buf.size());
    }
  }
  if (n < 0) {
    if (errno == ENOTSUP) return std::vector<std::string>{};
    return ntstatus_from_errno(errno);
  }
  buf.resize(static_cast<size_t>(n));
  std::vector<std::string> out;
  for (size_t at = 0; at < buf.size();) {
    const size_t end = buf.find('\0', at);
    std::string name = buf.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (name.starts_with(kPrefix)) out.push_back(name.substr(kPrefix.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::vector<fscc::FullEa>> load_eas(int fd) {
  const std::string path = proc_fd_path(fd);
  auto names = list_names(path);
  if (!names) return names.status();
  std::vector<fscc::FullEa> out;
  for (const auto& name : *names) {
    const std::string key = std::string(kPrefix) + name;
    ssize_t n = ::getxattr(path.c_str(), key.c_str(), nullptr, 0);
    if (n < 1) continue;  // vanished, or not ours
    std::vector<std::byte> buf(static_cast<size_t>(n));
    n = ::getxattr(path.c_str(), key.c_str(), buf.data(), buf.size());
    if (n < 1 || n > 1 + 65535) continue;
    fscc::FullEa ea;
    ea.flags = std::to_integer<uint8_t>(buf[0]) & fscc::kFileNeedEa;
    ea.name = name;
    ea.value.assign(buf.begin() + 1, buf.begin() + n);
    out.push_back(std::move(ea));
  }
  return out;
}

NtStatus apply_eas(int fd, const std::vector<fscc::FullEa>& list) {
  for (const auto& ea : list) {
    if (!fscc::valid_ea_name(ea.name)) return NtStatus::InvalidEaName;
  }
  const std::string path = proc_fd_path(fd);
  for (const auto& ea : list) {
    const std::string key = std::string(kPrefix) + upper(ea.name);
    if (ea.value.empty()) {
      if (::removexattr(path.c_str(), key.c_str()) != 0 && errno != ENODATA) {
        return ntstatus_from_errno(errno);
      }
      continue;
    }
    std::vector<std::byte> buf;
    buf.reserve(1 + ea.value.size());
    buf.push_back(static_cast<std::byte>(ea.flags & fscc::kFileNeedEa));
    buf.insert(buf.end(), ea.value.begin(), ea.value.end());
    if (::setxattr(path.c_str(), key.c_str(), buf.data(), buf.size(), 0) != 0) {
      if (errno == ENOTSUP) return NtStatus::EasNotSupported;
      if (errno == ENOSPC || errno == E2BIG) return NtStatus::EaTooLarge;
      return ntstatus_from_errno(errno);
    }
  }
  return NtStatus::Success;
}

NtStatus remove_all_eas(int fd) {
  const std::string path = proc_fd_path(fd);
  auto names = list_names(path);
  if (!names) return names.status();
  for (const auto& name : *names) {
    (void)::removexattr(path.c_str(), (std::string(kPrefix) + name).c_str());
  }
  return NtStatus::Success;
}

uint32_t ea_size(int fd) {
  auto eas = load_eas(fd);
  if (!eas || eas->empty()) return 0;
  return static_cast<uint32_t>(fscc::encoded_size(*eas));
}

}  // namespace lwsmb::server::pvfs
