// Samba's smbpasswd file format (see smbpasswd(5)).
#include "lwsmb/server/passdb.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>

#include "lwsmb/iocore/log.hpp"

namespace lwsmb::server {

namespace {

constexpr std::string_view kNoPassword = "NO PASSWORD";
constexpr size_t kFlagsWidth = 11;  // "[U          ]": letters padded to 11 inside brackets

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int reset() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A hash field: 32 hex digits, or Samba's "no hash" spellings (leading 'X' or '*', or
// "NO PASSWORD..."). Returns false when the field is malformed.
bool parse_hash(std::string_view field, std::optional<NtHash>& out, bool& no_password) {
  out.reset();
  if (field.starts_with(kNoPassword)) {
    no_password = true;
    return true;
  }
  if (!field.empty() && (field.front() == 'X' || field.front() == '*')) return true;
  if (field.size() != 32) return false;
  NtHash h{};
  for (size_t i = 0; i < 16; ++i) {
    int hi = hex_digit(field[2 * i]), lo = hex_digit(field[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    h[i] = static_cast<std::byte>(hi << 4 | lo);
  }
  out = h;
  return true;
}

std::string hash_text(const std::optional<NtHash>& h, bool no_password) {
  if (!h) {
    if (no_password) return std::string(kNoPassword) + std::string(32 - kNoPassword.size(), 'X');
    return std::string(32, 'X');
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (auto b : *h) {
    out += kHex[std::to_integer<unsigned>(b) >> 4];
    out += kHex[std::to_integer<unsigned>(b) & 0xF];
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

// Creates missing folders down to `dir` with mode 0700.
int make_dirs(const std::filesystem::path& dir) {
  if (dir.empty()) return 0;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (dir.has_parent_path() && dir.parent_path() != dir)
    if (int err = make_dirs(dir.parent_path())) return err;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno;
  return 0;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<PassDbEntry> PassDb::parse_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto f = split(line, ':');
  if (f.size() < 4 || f[0].empty()) return std::nullopt;
  PassDbEntry e;
  e.name = std::string(f[0]);
  auto [end, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), e.uid);
  if (f[1].empty() || ec != std::errc{} || end != f[1].data() + f[1].size()) return std::nullopt;
  bool no_password = false;
  if (!parse_hash(f[2], e.lm_hash, no_password)) return std::nullopt;
  if (!parse_hash(f[3], e.nt_hash, no_password)) return std::nullopt;
  // Old-format lines (no "[flags]" field) are plain user accounts.
  if (f.size() > 4 && f[4].starts_with('[')) {
    auto close = f[4].find(']');
    if (close == std::string_view::npos) return std::nullopt;
    e.flags.clear();
    for (char c : f[4].substr(1, close - 1)) {
      if (c == ' ') continue;
      if (!std::isupper(static_cast<unsigned char>(c))) return std::nullopt;
      e.flags += c;
    }
    if (f.size() > 5 && f[5].starts_with("LCT-")) {
      auto lct = f[5].substr(4);
      auto [lend, lec] = std::from_chars(lct.data(), lct.data() + lct.size(), e.last_change, 16);
      if (lct.empty() || lec != std::errc{} || lend != lct.data() + lct.size()) return std::nullopt;
    }
  }
  if (no_password && !e.password_not_required()) e.flags += 'N';
  return e;
}

std::string PassDb::format_line(const PassDbEntry& e) {
  std::string flags = e.flags;
  if (flags.size() < kFlagsWidth) flags.resize(kFlagsWidth, ' ');
  char lct[16];
  std::snprintf(lct, sizeof lct, "LCT-%08X", e.last_change);
  return e.name + ":" + std::to_string(e.uid) + ":" + hash_text(e.lm_hash, false) + ":" +
         hash_text(e.nt_hash, e.password_not_required()) + ":[" + flags + "]:" + lct + ":";
}

std::optional<uint32_t> PassDb::unix_uid(const std::string& name) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
    return std::nullopt;
  return static_cast<uint32_t>(found->pw_uid);
}

Result<PassDb> PassDb::load(const std::string& path) {
  PassDb db(path);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    if (errno == ENOENT) return db;
    int err = errno;
    log::error("passdb ", path, ": ", std::strerror(err));
    return ntstatus_from_errno(err);
  }
  struct stat st {};
  if (::fstat(::fileno(f.get()), &st) == 0 && (st.st_mode & 077) != 0)
    log::warning("passdb ", path, " is accessible by group or others; it should be mode 0600");
  std::string text;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
  if (std::ferror(f.get())) return NtStatus::IoDeviceError;

  std::string_view rest = text;
  for (int lineno = 1; !rest.empty(); ++lineno) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (line.front() == '#') {
      db.other_lines_.emplace_back(line);
      continue;
    }
    auto e = parse_line(line);
    if (e && db.find(e->name)) {
      log::warning(path, ":", lineno, ": duplicate smbpasswd entry for '", e->name, "' ignored");
      e.reset();
    } else if (!e) {
      log::warning(path, ":", lineno, ": malformed smbpasswd entry ignored");
    }
    if (e)
      db.entries_.push_back(std::move(*e));
    else
      db.other_lines_.emplace_back(line);
  }
  return db;
}

const PassDbEntry* PassDb::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (ascii_iequal(e.name, name)) return &e;
  return nullptr;
}

bool PassDb::set(const std::string& name, uint32_t uid, const NtHash& nt_hash) {
  auto now = static_cast<uint32_t>(std::time(nullptr));
  for (auto& e : entries_) {
    if (!ascii_iequal(e.name, name)) continue;
    e.uid = uid;
    e.nt_hash = nt_hash;
    e.lm_hash.reset();  // a new password makes the old LM hash stale; we never write one
    std::erase(e.flags, 'N');
    e.last_change = now;
    return false;
  }
  PassDbEntry e;
  e.name = name;
  e.uid = uid;
  e.nt_hash = nt_hash;
  e.last_change = now;
  entries_.push_back(std::move(e));
  return true;
}

bool PassDb::remove(std::string_view name) {
  return std::erase_if(entries_, [&](const PassDbEntry& e) { return ascii_iequal(e.name, name); }) >
         0;
}

NtStatus PassDb::save() const {
  std::filesystem::path target(path_);
  if (int err = make_dirs(target.parent_path())) return ntstatus_from_errno(err);
  std::string text;
  for (const auto& l : other_lines_) text += l + "\n";
  for (const auto& e : entries_) text += format_line(e) + "\n";

  std::string tmp = path_ + ".XXXXXX";
  UniqueFd fd(::mkstemp(tmp.data()));  // mkstemp creates the file with mode 0600
  if (fd.get() < 0) return ntstatus_from_errno(errno);
  int err = 0;
  if (::fchmod(fd.get(), 0600) != 0 || !write_all(fd.get(), text) || ::fsync(fd.get()) != 0)
    err = errno ? errno : EIO;
  if (fd.reset() != 0 && !err) err = errno;
  if (!err && ::rename(tmp.c_str(), path_.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    log::error("passdb ", path_, ": cannot save: ", std::strerror(err));
    return ntstatus_from_errno(err);
  }
  return NtStatus::Success;
}

}  // namespace lwsmb::server
