// mount.cifs(8) option names and meanings, applied to RdrOptions and FuseOptions.
#include "lwsmb/fuse_rdr/mount_options.hpp"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <fstream>
#include <limits>

namespace lwsmb::fuse_rdr {
namespace {

// mount(8) passes these to every helper; they mean nothing to an SMB mount, or the kernel
// already applied them (nosuid, nodev, noexec are taken by fuse_session_mount's defaults).
constexpr std::string_view kGenericOptions[] = {
    "defaults",      "auto",     "noauto",     "_netdev", "nofail",   "user",       "users",
    "nouser",        "owner",    "group",      "exec",    "noexec",   "suid",       "nosuid",
    "dev",           "nodev",    "atime",      "noatime", "relatime", "norelatime", "strictatime",
    "nostrictatime", "diratime", "nodiratime", "sync",    "async",    "dirsync",    "lazytime",
    "nolazytime",    "silent",   "loud",       "rw"};

template <class T>
bool parse_number(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  *out = v;
  return true;
}

std::optional<OptionError> bad_value(std::string_view key, std::string_view value,
                                     std::string_view expect) {
  return OptionError{"bad value '" + std::string(value) + "' for option '" + std::string(key) +
                     "' (" + std::string(expect) + ")"};
}

bool lookup_uid(std::string_view value, uid_t* uid) {
  uint32_t n = 0;
  if (parse_number(value, &n)) {
    *uid = n;
    return true;
  }
  std::string name(value);
  struct passwd pw {};
  struct passwd* res = nullptr;
  char buf[4096];
  if (getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &res) != 0 || res == nullptr) return false;
  *uid = pw.pw_uid;
  return true;
}

bool lookup_gid(std::string_view value, gid_t* gid) {
  uint32_t n = 0;
  if (parse_number(value, &n)) {
    *gid = n;
    return true;
  }
  std::string name(value);
  struct group gr {};
  struct group* res = nullptr;
  char buf[4096];
  if (getgrnam_r(name.c_str(), &gr, buf, sizeof buf, &res) != 0 || res == nullptr) return false;
  *gid = gr.gr_gid;
  return true;
}

// Splits an -o list at commas; ",," is a literal comma (mount.cifs's escape for passwords).
std::vector<std::string> split_options(std::string_view list) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == ',') {
      if (i + 1 < list.size() && list[i + 1] == ',') {
        cur += ',';
        ++i;
        continue;
      }
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += list[i];
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::optional<OptionError> apply_one(std::string_view key, std::optional<std::string_view> value,
                                     MountOptions* o) {
  auto need = [&](std::string_view what) -> std::optional<OptionError> {
    if (!value || value->empty()) {
      return OptionError{"option '" + std::string(key) + "' needs a value (" + std::string(what) +
                         ")"};
    }
    return std::nullopt;
  };
  auto& creds = o->rdr.credentials;
  if (key == "username" || key == "user") {
    if (!value) {
      o->ignored.emplace_back(key);  // bare "user" is mount(8)'s "users may mount"
      return std::nullopt;
    }
    split_user_name(*value, &creds);
    return std::nullopt;
  }
  if (key == "password" || key == "pass") {
    creds.password = value ? std::string(*value) : std::string();
    return std::nullopt;
  }
  if (key == "credentials" || key == "cred") {
    if (auto e = need("a file name")) return e;
    o->credentials_file = std::string(*value);
    return read_credentials_file(o->credentials_file, &creds);
  }
  if (key == "domain" || key == "dom" || key == "workgroup") {
    creds.domain = value ? std::string(*value) : std::string();
    return std::nullopt;
  }
  if (key == "port") {
    if (auto e = need("1-65535")) return e;
    uint32_t p = 0;
    if (!parse_number(*value, &p) || p == 0 || p > 65535) return bad_value(key, *value, "1-65535");
    o->rdr.default_port = static_cast<uint16_t>(p);
    o->port_set = true;
    return std::nullopt;
  }
  if (key == "vers") {
    if (auto e = need("2.0, 2.1, 3, 3.0, 3.02, 3.1.1 or default")) return e;
    auto v = parse_smb_version(*value);
    if (!v) return bad_value(key, *value, "2.0, 2.1, 3, 3.0, 3.02, 3.1.1 or default");
    o->rdr.min_dialect = v->first;
    o->rdr.max_dialect = v->second;
    return std::nullopt;
  }
  if (key == "sec") {
    if (auto e = need("ntlmssp or krb5")) return e;
    std::string s(*value);
    bool sign = false;
    if (s.size() > 1 && s.back() == 'i') {
      sign = true;
      s.pop_back();
    }
    if (s == "ntlmssp" || s == "ntlmv2") {
      creds.kerberos = false;
      creds.ntlm = true;
    } else if (s == "krb5") {
      creds.kerberos = true;
      creds.ntlm = false;
    } else if (s == "none" && !sign) {
      creds.kerberos = false;
      creds.ntlm = true;
      creds.user.clear();
      creds.password.clear();
    } else {
      return bad_value(key, *value, "ntlmssp, ntlmsspi, krb5, krb5i or none");
    }
    if (sign) o->rdr.sign = true;
    return std::nullopt;
  }
  if (key == "seal" && !value) {
    o->rdr.seal = true;
    return std::nullopt;
  }
  if (key == "uid" || key == "forceuid") {
    if (key == "forceuid" && !value) return std::nullopt;  // uid= is always forced here
    if (auto e = need("a user name or number")) return e;
    if (!lookup_uid(*value, &o->fuse.uid)) return bad_value(key, *value, "no such user");
    return std::nullopt;
  }
  if (key == "gid" || key == "forcegid") {
    if (key == "forcegid" && !value) return std::nullopt;
    if (auto e = need("a group name or number")) return e;
    if (!lookup_gid(*value, &o->fuse.gid)) return bad_value(key, *value, "no such group");
    return std::nullopt;
  }
  if (key == "file_mode" || key == "dir_mode") {
    if (auto e = need("octal permission bits")) return e;
    uint32_t m = 0;
    if (!parse_number(*value, &m, 8) || m > 07777) {
      return bad_value(key, *value, "octal permission bits, e.g. 0644");
    }
    (key == "file_mode" ? o->fuse.file_mode : o->fuse.dir_mode) = static_cast<mode_t>(m);
    return std::nullopt;
  }
  if (key == "rsize" || key == "wsize") {
    if (auto e = need("bytes")) return e;
    uint32_t n = 0;
    if (!parse_number(*value, &n) || n < 4096 || n > (16u << 20)) {
      return bad_value(key, *value, "4096 to 16777216 bytes");
    }
    (key == "rsize" ? o->rdr.rsize : o->rdr.wsize) = n;
    return std::nullopt;
  }
  if (key == "rasize") {
    // mount.cifs: the read-ahead window; here per open of a sequential reader, 0 turns it off.
    if (auto e = need("bytes")) return e;
    uint32_t n = 0;
    if (!parse_number(*value, &n) || n > (64u << 20)) {
      return bad_value(key, *value, "0 to 67108864 bytes");
    }
    o->rdr.read_ahead = n;
    return std::nullopt;
  }
  if (key == "actimeo") {
    if (auto e = need("seconds")) return e;
    uint32_t n = 0;
    if (!parse_number(*value, &n) || n > 86400) return bad_value(key, *value, "0 to 86400 seconds");
    o->fuse.actimeo = std::chrono::seconds(n);
    return std::nullopt;
  }
  if (key == "cache") {
    if (auto e = need("strict, loose or none")) return e;
    if (*value == "strict") {
      o->fuse.cache = CacheMode::Strict;
    } else if (*value == "loose") {
      o->fuse.cache = CacheMode::Loose;
    } else if (*value == "none") {
      o->fuse.cache = CacheMode::None;
    } else {
      return bad_value(key, *value, "strict, loose or none");
    }
    return std::nullopt;
  }
  if (key == "echo_interval") {
    if (auto e = need("seconds")) return e;
    uint32_t n = 0;
    if (!parse_number(*value, &n) || n < 1 || n > 600) {
      return bad_value(key, *value, "1 to 600 seconds");
    }
    o->rdr.echo_interval = std::chrono::seconds(n);
    return std::nullopt;
  }
  if (key == "ro" && !value) {
    o->fuse.read_only = true;
    return std::nullopt;
  }
  if (key == "rw" && !value) {
    o->fuse.read_only = false;
    return std::nullopt;
  }
  if (key == "foreground" && !value) {
    o->foreground = true;
    return std::nullopt;
  }
  if (key == "debug" && !value) {
    o->debug = true;
    o->foreground = true;
    return std::nullopt;
  }
  if (!value) {
    for (auto g : kGenericOptions) {
      if (key == g) {
        o->ignored.emplace_back(key);
        return std::nullopt;
      }
    }
  }
  if (key.starts_with("x-") || key == "comment") {  // fstab annotations for other programs
    o->ignored.emplace_back(key);
    return std::nullopt;
  }
  if (o->sloppy) {
    o->ignored.emplace_back(key);
    return std::nullopt;
  }
  if (value &&
      (key == "seal" || key == "ro" || key == "rw" || key == "foreground" || key == "debug")) {
    return OptionError{"option '" + std::string(key) + "' takes no value"};
  }
  return OptionError{"unknown option '" + std::string(key) + "'"};
}

}  // namespace

std::optional<std::pair<uint16_t, uint16_t>> parse_smb_version(std::string_view v) {
  if (v == "default") return std::pair<uint16_t, uint16_t>{0x0202, 0x0311};
  if (v == "2.0" || v == "2.0.2") return std::pair<uint16_t, uint16_t>{0x0202, 0x0202};
  if (v == "2.1") return std::pair<uint16_t, uint16_t>{0x0210, 0x0210};
  if (v == "3") return std::pair<uint16_t, uint16_t>{0x0300, 0x0311};  // mount.cifs: 3.0 or later
  if (v == "3.0") return std::pair<uint16_t, uint16_t>{0x0300, 0x0300};
  if (v == "3.02" || v == "3.0.2") return std::pair<uint16_t, uint16_t>{0x0302, 0x0302};
  if (v == "3.1.1" || v == "3.11") return std::pair<uint16_t, uint16_t>{0x0311, 0x0311};
  return std::nullopt;
}

void split_user_name(std::string_view value, RdrCredentials* creds) {
  if (auto pct = value.find('%'); pct != std::string_view::npos) {
    creds->password = std::string(value.substr(pct + 1));
    value = value.substr(0, pct);
  }
  if (auto sep = value.find_first_of("/\\"); sep != std::string_view::npos) {
    creds->domain = std::string(value.substr(0, sep));
    value = value.substr(sep + 1);
  }
  creds->user = std::string(value);
}

std::optional<OptionError> read_credentials_file(const std::string& path, RdrCredentials* creds) {
  std::ifstream in(path);
  if (!in) return OptionError{"cannot read credentials file " + path};
  std::string line;
  unsigned lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::string_view l = std::string_view(line).substr(start);
    auto eq = l.find('=');
    if (eq == std::string_view::npos) {
      return OptionError{path + ":" + std::to_string(lineno) + ": expected key=value"};
    }
    std::string_view key = l.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
    std::string_view value = l.substr(eq + 1);
    if (key == "username" || key == "user") {
      split_user_name(value, creds);
    } else if (key == "password" || key == "pass") {
      creds->password = std::string(value);
    } else if (key == "domain" || key == "dom" || key == "workgroup") {
      creds->domain = std::string(value);
    } else {
      return OptionError{path + ":" + std::to_string(lineno) + ": unknown key '" +
                         std::string(key) + "'"};
    }
  }
  return std::nullopt;
}

std::optional<ShareName> parse_share_name(std::string_view source, std::string* error) {
  std::string s(source);
  for (auto& c : s)
    if (c == '\\') c = '/';
  auto fail = [&](const std::string& why) -> std::optional<ShareName> {
    *error = "bad share name '" + std::string(source) + "': " + why;
    return std::nullopt;
  };
  if (!s.starts_with("//")) return fail("expected //server/share");
  std::string_view rest = std::string_view(s).substr(2);
  ShareName out;
  size_t server_end = 0;
  if (rest.starts_with("[")) {
    server_end = rest.find(']');
    if (server_end == std::string_view::npos) return fail("unclosed [ in the server address");
    ++server_end;
  } else {
    server_end = rest.find('/');
    if (server_end == std::string_view::npos) server_end = rest.size();
  }
  out.server = std::string(rest.substr(0, server_end));
  if (out.server.empty() || out.server == "[]") return fail("no server");
  if (!out.server.starts_with("[") && out.server.find(':') != std::string::npos) {
    return fail("give the port with -o port=N");
  }
  rest = rest.substr(server_end);
  if (!rest.starts_with("/")) return fail("no share");
  rest.remove_prefix(1);
  size_t share_end = rest.find('/');
  out.share = std::string(rest.substr(0, share_end));
  if (out.share.empty()) return fail("no share");
  if (share_end != std::string_view::npos) {
    rest = rest.substr(share_end + 1);
    while (!rest.empty()) {
      size_t e = rest.find('/');
      std::string_view comp = rest.substr(0, e);
      rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 1);
      if (comp.empty()) continue;
      if (comp == "." || comp == "..") return fail("'.' and '..' are not allowed");
      if (!out.subpath.empty()) out.subpath += '\\';
      out.subpath += comp;
    }
  }
  return out;
}

std::optional<OptionError> apply_mount_options(std::string_view list, MountOptions* opts) {
  for (const auto& item : split_options(list)) {
    std::string_view kv(item);
    auto eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos) value = kv.substr(eq + 1);
    if (auto e = apply_one(key, value, opts)) return e;
  }
  return std::nullopt;
}

}  // namespace lwsmb::fuse_rdr
