// smb.conf parsing with Samba's rules: [sections], "key = value", keys case-insensitive with
// spaces and underscores insignificant, ';'/'#' comment lines, '\' line continuation, share
// parameters in [global] as defaults for the shares that follow (Samba copies its defaults when
// a section starts, so order matters the same way here).
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "config/config_values.hpp"
#include "lwsmb/server/config.hpp"

namespace lwsmb::server {

namespace {

using namespace config_detail;

using GlobalSetter = void (*)(GlobalConfig&, std::string_view, ValueDiag&);
using ShareSetter = void (*)(ShareConfig&, std::string_view, ValueDiag&);

template <class T, class V>
void assign(T& field, std::optional<V>&& v) {
  if (v) field = std::move(*v);
}

// Keys are stored normalized (see normalize_key); synonyms share a setter.
struct GlobalParam {
  std::string_view key;
  GlobalSetter set;
};
struct ShareParam {
  std::string_view key;
  ShareSetter set;
};

void set_passdb(GlobalConfig& g, std::string_view v, ValueDiag& d) {
  if (v.empty()) {
    d.error = "empty passdb file name";
    return;
  }
  g.passdb = std::string(v);
}

void set_min_protocol(GlobalConfig& g, std::string_view v, ValueDiag& d) {
  assign(g.server_min_protocol, parse_protocol(v, true, d));
}

void set_max_protocol(GlobalConfig& g, std::string_view v, ValueDiag& d) {
  assign(g.server_max_protocol, parse_protocol(v, false, d));
}

void set_oplock_break_timeout(GlobalConfig& g, std::string_view v, ValueDiag& d) {
  v = trim(v);
  uint32_t ms = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
  if (ec != std::errc() || end != v.data() + v.size() || ms == 0 || ms > 3600 * 1000) {
    d.error = "invalid oplock break timeout '" + std::string(v) + "' (1..3600000 milliseconds)";
    return;
  }
  g.oplock_break_timeout_ms = ms;
}

void set_log_level(GlobalConfig& g, std::string_view v, ValueDiag& d) {
  assign(g.log_level, parse_log_level(v, d));
}

// Samba's "passdb backend = smbpasswd:/path": only the smbpasswd backend exists here.
void set_passdb_backend(GlobalConfig& g, std::string_view v, ValueDiag& d) {
  auto colon = v.find(':');
  auto backend = trim(v.substr(0, colon));
  if (!iequals(backend, "smbpasswd")) {
    d.warning = "passdb backend '" + std::string(backend) +
                "' is not supported; using the smbpasswd file " + g.passdb;
    return;
  }
  if (colon != std::string_view::npos) set_passdb(g, trim(v.substr(colon + 1)), d);
}

void set_keytab(GlobalConfig& g, std::string_view v, ValueDiag&) {
  // Samba writes "FILE:/path"; a bare path is the same.
  if (v.starts_with("FILE:") || v.starts_with("file:")) v.remove_prefix(5);
  g.kerberos_keytab = v;
}

const GlobalParam kGlobalParams[] = {
    {"smbports", [](GlobalConfig& g, std::string_view v,
                    ValueDiag& d) { assign(g.smb_ports, parse_ports(v, d)); }},
    {"interfaces",
     [](GlobalConfig& g, std::string_view v, ValueDiag&) { g.interfaces = parse_list(v); }},
    {"bindinterfacesonly", [](GlobalConfig& g, std::string_view v,
                              ValueDiag& d) { assign(g.bind_interfaces_only, parse_bool(v, d)); }},
    {"passdb", set_passdb},
    {"smbpasswdfile", set_passdb},
    {"passdbbackend", set_passdb_backend},
    {"serverminprotocol", set_min_protocol},
    {"minprotocol", set_min_protocol},
    {"servermaxprotocol", set_max_protocol},
    {"maxprotocol", set_max_protocol},
    {"protocol", set_max_protocol},
    {"serversigning", [](GlobalConfig& g, std::string_view v,
                         ValueDiag& d) { assign(g.server_signing, parse_signing(v, d)); }},
    {"maptoguest", [](GlobalConfig& g, std::string_view v,
                      ValueDiag& d) { assign(g.map_to_guest, parse_map_to_guest(v, d)); }},
    {"oplockbreaktimeout", set_oplock_break_timeout},
    {"loglevel", set_log_level},
    {"debuglevel", set_log_level},
    {"logfile", [](GlobalConfig& g, std::string_view v, ValueDiag&) { g.log_file = v; }},
    {"netbiosname", [](GlobalConfig& g, std::string_view v, ValueDiag&) { g.netbios_name = v; }},
    {"workgroup", [](GlobalConfig& g, std::string_view v, ValueDiag&) { g.workgroup = v; }},
    {"serverstring", [](GlobalConfig& g, std::string_view v, ValueDiag&) { g.server_string = v; }},
    {"kerberoskeytab", set_keytab},
    {"dedicatedkeytabfile", set_keytab},
    {"realm", [](GlobalConfig& g, std::string_view v, ValueDiag&) { g.realm = v; }},
};

void set_path(ShareConfig& s, std::string_view v, ValueDiag&) {
  s.path = v;
}
void set_read_only(ShareConfig& s, std::string_view v, ValueDiag& d) {
  assign(s.read_only, parse_bool(v, d));
}
void set_writable(ShareConfig& s, std::string_view v, ValueDiag& d) {
  if (auto b = parse_bool(v, d)) s.read_only = !*b;
}
void set_browseable(ShareConfig& s, std::string_view v, ValueDiag& d) {
  assign(s.browseable, parse_bool(v, d));
}
void set_guest_ok(ShareConfig& s, std::string_view v, ValueDiag& d) {
  assign(s.guest_ok, parse_bool(v, d));
}
void set_create_mask(ShareConfig& s, std::string_view v, ValueDiag& d) {
  assign(s.create_mask, parse_mask(v, d));
}
void set_directory_mask(ShareConfig& s, std::string_view v, ValueDiag& d) {
  assign(s.directory_mask, parse_mask(v, d));
}

void set_encrypt(ShareConfig& s, std::string_view v, ValueDiag& d) {
  assign(s.smb_encrypt, parse_encrypt(v, d));
}

const ShareParam kShareParams[] = {
    {"path", set_path},
    {"directory", set_path},
    {"comment", [](ShareConfig& s, std::string_view v, ValueDiag&) { s.comment = v; }},
    {"readonly", set_read_only},
    {"writable", set_writable},
    {"writeable", set_writable},
    {"writeok", set_writable},
    {"browseable", set_browseable},
    {"browsable", set_browseable},
    {"validusers",
     [](ShareConfig& s, std::string_view v, ValueDiag&) { s.valid_users = parse_list(v); }},
    {"invalidusers",
     [](ShareConfig& s, std::string_view v, ValueDiag&) { s.invalid_users = parse_list(v); }},
    {"guestok", set_guest_ok},
    {"public", set_guest_ok},
    {"forceuser", [](ShareConfig& s, std::string_view v, ValueDiag&) { s.force_user = v; }},
    {"createmask", set_create_mask},
    {"createmode", set_create_mask},
    {"directorymask", set_directory_mask},
    {"directorymode", set_directory_mask},
    {"smbencrypt", set_encrypt},
    {"serversmbencrypt", set_encrypt},
};

template <class Table>
auto find_param(const Table& table, const std::string& key) -> decltype(&table[0]) {
  for (const auto& p : table)
    if (p.key == key) return &p;
  return nullptr;
}

constexpr int kMaxIncludeDepth = 8;

// Reads a whole file; returns 0 or the errno.
int read_text_file(const std::string& path, std::string& out) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return errno;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
  return std::ferror(f.get()) ? EIO : 0;
}

class Parser {
 public:
  ConfigLoad run(std::string_view text, const std::string& source) {
    cfg_.source = source;
    parse_text(text, source, 0);
    finish();
    ConfigLoad out;
    bool failed = false;
    for (const auto& m : messages_) failed |= m.error;
    if (!failed) out.config = std::move(cfg_);
    out.messages = std::move(messages_);
    return out;
  }

 private:
  enum class State { Global, Share, Ignored };
  struct Origin {
    std::string file;
    int line;
  };

  void message(bool error, const std::string& file, int line, std::string text) {
    messages_.push_back(ConfigMessage{error, file, line, std::move(text)});
  }

  void parse_text(std::string_view text, const std::string& file, int depth) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
    std::string logical;
    bool continued = false;
    int lineno = 0, start = 0;
    while (!text.empty()) {
      auto nl = text.find('\n');
      std::string_view raw = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      ++lineno;
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      if (!continued) {
        auto t = trim(raw);
        if (t.empty() || t.front() == '#' || t.front() == ';') continue;
        start = lineno;
      }
      auto r = raw;
      while (!r.empty() && (r.back() == ' ' || r.back() == '\t')) r.remove_suffix(1);
      continued = !r.empty() && r.back() == '\\';
      if (continued) {
        r.remove_suffix(1);
        logical += r;
        continue;
      }
      logical += raw;
      line(logical, file, start, depth);
      logical.clear();
    }
    if (continued) line(logical, file, start, depth);  // '\' on the last line
  }

  void line(std::string_view text, const std::string& file, int lineno, int depth) {
    auto t = trim(text);
    if (t.empty()) return;  // only a continued blank
    if (t.front() == '[') {
      auto close = t.find(']');
      if (close == std::string_view::npos) {
        message(true, file, lineno, "missing ']' in section header '" + std::string(t) + "'");
        state_ = State::Ignored;
        return;
      }
      auto rest = trim(t.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';')
        message(false, file, lineno,
                "text after section header ignored: '" + std::string(rest) + "'");
      section(trim(t.substr(1, close - 1)), file, lineno);
      return;
    }
    auto eq = t.find('=');
    if (eq == std::string_view::npos) {
      message(true, file, lineno, "expected 'parameter = value', got '" + std::string(t) + "'");
      return;
    }
    auto key = trim(t.substr(0, eq));
    if (key.empty()) {
      message(true, file, lineno, "missing parameter name before '='");
      return;
    }
    parameter(key, trim(t.substr(eq + 1)), file, lineno, depth);
  }

  void section(std::string_view name, const std::string& file, int lineno) {
    state_ = State::Ignored;
    if (name.empty()) {
      message(true, file, lineno, "empty section name");
      return;
    }
    if (iequals(name, "global")) {
      state_ = State::Global;
      return;
    }
    if (iequals(name, "homes") || iequals(name, "printers")) {
      message(false, file, lineno, "section [" + std::string(name) + "] is not supported; ignored");
      return;
    }
    bool bad_char = false;
    for (char c : name)
      bad_char |= static_cast<unsigned char>(c) < 0x20 ||
                  std::string_view("\\/[]:|<>+=;,*?\"").find(c) != std::string_view::npos;
    if (bad_char || name.size() > 80) {
      message(true, file, lineno, "invalid share name '" + std::string(name) + "'");
      return;
    }
    for (size_t i = 0; i < cfg_.shares.size(); ++i) {
      if (!iequals(cfg_.shares[i].name, name)) continue;
      message(true, file, lineno,
              "duplicate share [" + std::string(name) + "] (first defined at " + origins_[i].file +
                  ":" + std::to_string(origins_[i].line) + ")");
      return;
    }
    ShareConfig share = defaults_;
    share.name = std::string(name);
    share.ipc = iequals(name, "IPC$");
    cfg_.shares.push_back(std::move(share));
    origins_.push_back(Origin{file, lineno});
    state_ = State::Share;
  }

  void parameter(std::string_view key, std::string_view value, const std::string& file, int lineno,
                 int depth) {
    if (state_ == State::Ignored) return;
    auto nk = normalize_key(key);
    auto quoted_key = "'" + std::string(key) + "'";
    if (nk == "include") {
      include(value, file, lineno, depth);
      return;
    }
    auto pct = value.find('%');
    if (pct != std::string_view::npos && pct + 1 < value.size() &&
        (std::isalpha(static_cast<unsigned char>(value[pct + 1])) || value[pct + 1] == '$'))
      message(false, file, lineno,
              "parameter " + quoted_key +
                  ": '%' substitutions are not supported; value used "
                  "as written");
    ValueDiag d;
    if (const auto* g = find_param(kGlobalParams, nk)) {
      if (state_ == State::Share) {
        message(false, file, lineno,
                "global parameter " + quoted_key + " in share section [" + cfg_.shares.back().name +
                    "] ignored");
        return;
      }
      g->set(cfg_.global, value, d);
      if (nk.find("minprotocol") != std::string::npos) min_origin_ = Origin{file, lineno};
      if (nk.find("maxprotocol") != std::string::npos || nk == "protocol")
        max_origin_ = Origin{file, lineno};
    } else if (const auto* s = find_param(kShareParams, nk)) {
      s->set(state_ == State::Share ? cfg_.shares.back() : defaults_, value, d);
      // In [global], "smb encrypt" is also the session-wide setting (as in Samba).
      if (state_ == State::Global && (nk == "smbencrypt" || nk == "serversmbencrypt"))
        cfg_.global.smb_encrypt = defaults_.smb_encrypt;
    } else {
      message(false, file, lineno, "unknown parameter " + quoted_key);
      return;
    }
    if (!d.error.empty()) message(true, file, lineno, "parameter " + quoted_key + ": " + d.error);
    if (!d.warning.empty())
      message(false, file, lineno, "parameter " + quoted_key + ": " + d.warning);
  }

  // "include = FILE": relative names are taken from the including file's folder.
  void include(std::string_view value, const std::string& file, int lineno, int depth) {
    if (value.empty()) {
      message(true, file, lineno, "include needs a file name");
      return;
    }
    if (depth >= kMaxIncludeDepth) {
      message(true, file, lineno, "include nested too deeply");
      return;
    }
    std::filesystem::path p(value);
    if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
    std::string text;
    if (int err = read_text_file(p.string(), text); err != 0) {
      message(true, file, lineno,
              "cannot include '" + p.string() + "': " + std::string(std::strerror(err)));
      return;
    }
    parse_text(text, p.string(), depth + 1);
  }

  void finish() {
    for (size_t i = 0; i < cfg_.shares.size(); ++i) {
      auto& s = cfg_.shares[i];
      const auto& o = origins_[i];
      if (s.ipc) {
        if (s.comment.empty()) s.comment = ipc_comment();
        continue;
      }
      if (s.path.empty()) {
        message(true, o.file, o.line, "share [" + s.name + "] has no path");
        continue;
      }
      // Samba's testparm only warns: the folder may be mounted later.
      struct stat st {};
      if (::stat(s.path.c_str(), &st) != 0)
        message(false, o.file, o.line,
                "share [" + s.name + "]: path '" + s.path + "' does not exist");
      else if (!S_ISDIR(st.st_mode))
        message(false, o.file, o.line,
                "share [" + s.name + "]: path '" + s.path + "' is not a directory");
    }
    if (!cfg_.find_share("IPC$")) {
      ShareConfig ipc;
      ipc.name = "IPC$";
      ipc.comment = ipc_comment();
      ipc.guest_ok = true;
      ipc.ipc = true;
      cfg_.shares.push_back(std::move(ipc));
    }
    const auto& g = cfg_.global;
    if (g.server_min_protocol > g.server_max_protocol) {
      const auto& o = max_origin_.line ? max_origin_ : min_origin_;
      message(true, o.file, o.line,
              "server min protocol " + protocol_name(g.server_min_protocol) +
                  " is above server max protocol " + protocol_name(g.server_max_protocol));
    }
  }

  std::string ipc_comment() const { return "IPC Service (" + cfg_.global.server_string + ")"; }

  ServerConfig cfg_;
  ShareConfig defaults_;         // share parameters set in [global]
  std::vector<Origin> origins_;  // where each share's section starts
  std::vector<ConfigMessage> messages_;
  State state_ = State::Global;  // Samba: parameters before any section are global
  Origin min_origin_{"", 0};
  Origin max_origin_{"", 0};
};

}  // namespace

ConfigLoad parse_config(std::string_view text, const std::string& source_name) {
  return Parser().run(text, source_name);
}

ConfigLoad load_config_file(const std::string& path) {
  std::string text;
  if (int err = read_text_file(path, text); err != 0) {
    ConfigLoad out;
    out.messages.push_back(
        ConfigMessage{true, path, 0, "cannot open: " + std::string(std::strerror(err))});
    return out;
  }
  return parse_config(text, path);
}

}  // namespace lwsmb::server
