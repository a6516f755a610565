// lwserver: the SMB2/SMB3 file server, its config check and its user database.
//   lwserver -s CONF [--foreground] [--port N]      serve
//   lwserver testparm -s CONF                       check and print the effective config
//   lwserver user add|del|list [NAME] -s CONF       manage the smbpasswd file
// Exit codes: 0 ok, 1 failure, 2 usage.
#include <arpa/inet.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "lwsmb/auth/ntlmssp.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/server/config.hpp"
#include "lwsmb/server/passdb.hpp"
#include "lwsmb/server/srv.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::server;

constexpr const char* kDefaultConfig = "/etc/lwsmb/smb.conf";
constexpr const char* kDefaultDaemonLog = "/var/log/lwsmb/lwserver.log";

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

int fail(const std::string& text) {
  std::fprintf(stderr, "lwserver: %s\n", text.c_str());
  return 1;
}

void print_messages(const ConfigLoad& load, bool warnings) {
  for (const auto& m : load.messages)
    if (m.error || warnings) std::fprintf(stderr, "%s\n", format_message(m).c_str());
}

// Samba's log levels (0..10) onto the logger's six.
log::Level log_level_from_samba(int level) {
  if (level <= 0) return log::Level::Error;
  if (level == 1) return log::Level::Warning;
  if (level == 2) return log::Level::Notice;
  if (level == 3) return log::Level::Info;
  if (level < 10) return log::Level::Debug;
  return log::Level::Trace;
}

// --- testparm --------------------------------------------------------------------------------

// Like Samba's testparm: findings and the verdict on stderr, the effective config on stdout.
int cmd_testparm(const std::string& conf) {
  std::fprintf(stderr, "Load smb config files from %s\n", conf.c_str());
  auto load = load_config_file(conf);
  print_messages(load, true);
  if (!load.config) {
    std::fprintf(stderr, "Error loading services.\n");
    return 1;
  }
  std::fprintf(stderr, "Loaded services file OK.\n\n");
  std::fputs(format_config(*load.config).c_str(), stdout);
  return 0;
}

// --- user ------------------------------------------------------------------------------------

// The passdb named by the config; errors in the config stop every user command.
std::optional<std::string> passdb_path(const std::string& conf) {
  auto load = load_config_file(conf);
  print_messages(load, false);
  if (!load.config) return std::nullopt;
  return load.config->global.passdb;
}

// One line from stdin without its newline; false at end of input.
bool read_line(std::string& out) {
  if (!std::getline(std::cin, out)) return false;
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return true;
}

// Prompts with echo off on a terminal.
std::optional<std::string> prompt_secret(const char* prompt) {
  std::fprintf(stderr, "%s", prompt);
  std::fflush(stderr);
  termios saved{};
  bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool ok = read_line(line);
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::fprintf(stderr, "\n");
  if (!ok) return std::nullopt;
  return line;
}

// From a terminal: prompt twice. Otherwise (or with --stdin), like `smbpasswd -s`: one line,
// or two lines that must match.
std::optional<std::string> read_new_password(bool from_stdin) {
  std::string first, second;
  if (!from_stdin && ::isatty(STDIN_FILENO)) {
    auto a = prompt_secret("New SMB password:");
    if (!a) return std::nullopt;
    auto b = prompt_secret("Retype new SMB password:");
    if (!b) return std::nullopt;
    first = *a;
    second = *b;
  } else {
    if (!read_line(first)) {
      fail("no password on standard input");
      return std::nullopt;
    }
    if (!read_line(second)) second = first;
  }
  if (first != second) {
    fail("passwords do not match");
    return std::nullopt;
  }
  if (first.empty()) {
    fail("empty passwords are not allowed");
    return std::nullopt;
  }
  return first;
}

int cmd_user_add(const std::string& conf, const std::string& name, bool from_stdin) {
  auto path = passdb_path(conf);
  if (!path) return 1;
  // Like Samba, every SMB user maps to a Unix account: its uid owns what the user creates.
  auto uid = PassDb::unix_uid(name);
  if (!uid) return fail("no such Unix user " + name);
  auto db = PassDb::load(*path);
  if (!db) return fail(*path + ": " + std::string(ntstatus_name(db.status())));
  auto password = read_new_password(from_stdin);
  if (!password) return 1;
  auto hash = auth::nt_hash_from_utf8(*password);
  if (!hash) return fail("cannot hash the password: " + std::string(ntstatus_name(hash.status())));
  bool added = db->set(name, *uid, *hash);
  if (auto st = db->save(); st != NtStatus::Success)
    return fail(*path + ": cannot save: " + std::string(ntstatus_name(st)));
  std::printf(added ? "Added user %s.\n" : "Changed password for user %s.\n", name.c_str());
  return 0;
}

int cmd_user_del(const std::string& conf, const std::string& name) {
  auto path = passdb_path(conf);
  if (!path) return 1;
  auto db = PassDb::load(*path);
  if (!db) return fail(*path + ": " + std::string(ntstatus_name(db.status())));
  if (!db->remove(name)) return fail("no such SMB user " + name);
  if (auto st = db->save(); st != NtStatus::Success)
    return fail(*path + ": cannot save: " + std::string(ntstatus_name(st)));
  std::printf("Deleted user %s.\n", name.c_str());
  return 0;
}

// "name:uid" lines, like `pdbedit -L`.
int cmd_user_list(const std::string& conf) {
  auto path = passdb_path(conf);
  if (!path) return 1;
  auto db = PassDb::load(*path);
  if (!db) return fail(*path + ": " + std::string(ntstatus_name(db.status())));
  for (const auto& e : db->entries()) std::printf("%s:%u\n", e.name.c_str(), e.uid);
  return 0;
}

// --- serve -----------------------------------------------------------------------------------

struct ServeOptions {
  bool foreground = false;
  int port = -1;
  unsigned workers = 2;
  int debug_level = -1;
};

// What srv listens on, for the start-up line: the interfaces' IPv4 addresses with
// "bind interfaces only", else every address.
std::vector<std::string> listen_addresses(const GlobalConfig& g) {
  std::vector<std::string> out;
  if (g.bind_interfaces_only) {
    for (const auto& itf : g.interfaces) {
      std::string a = itf.substr(0, itf.find('/'));
      if (a == "lo" || a == "localhost") a = "127.0.0.1";
      in_addr addr{};
      if (::inet_pton(AF_INET, a.c_str(), &addr) == 1) out.push_back(a);
    }
  }
  if (out.empty()) out.push_back("0.0.0.0");
  return out;
}

// Every connection, open and share root is a descriptor: take the hard limit as the soft one,
// as smbd does, so that a thousand clients do not run into the usual soft limit of 1024.
void raise_descriptor_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  const rlim_t old = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    log::warning("cannot raise the descriptor limit from ", old);
    return;
  }
  log::debug("descriptor limit raised from ", old, " to ", rl.rlim_cur);
}

// The daemon changes to "/", so relative paths are resolved first.
void make_paths_absolute(ServerConfig& c) {
  auto abs = [](std::string& p) {
    if (p.empty()) return;
    std::error_code ec;
    auto a = std::filesystem::absolute(p, ec);
    if (!ec) p = a.string();
  };
  abs(c.global.passdb);
  abs(c.global.log_file);
  for (auto& s : c.shares) abs(s.path);
}

int cmd_serve(const std::string& conf, const ServeOptions& opt) {
  auto load = load_config_file(conf);
  print_messages(load, true);
  if (!load.config) return fail(conf + ": the configuration has errors");
  ServerConfig config = std::move(*load.config);

  log::set_level(
      log_level_from_samba(opt.debug_level >= 0 ? opt.debug_level : config.global.log_level));
  std::string log_file = config.global.log_file;
  if (log_file.empty() && !opt.foreground) log_file = kDefaultDaemonLog;
  if (!log_file.empty()) {
    std::error_code ec;
    auto dir = std::filesystem::path(log_file).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (!log::set_file(log_file)) return fail("cannot open log file " + log_file);
  }

  if (!opt.foreground) {
    make_paths_absolute(config);
    // Nothing reaches the terminal after this: stdin/stdout/stderr go to /dev/null.
    if (::daemon(0, 0) != 0) return fail("cannot become a daemon");
  }

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();

  size_t shares = 0;
  for (const auto& s : config.shares) shares += s.ipc ? 0 : 1;
  SrvRunOptions run;
  if (opt.port >= 0) run.port = static_cast<uint16_t>(opt.port);
  run.workers = opt.workers;
  run.stop = &g_stop;
  run.on_listening = [&](uint16_t port) {
    std::vector<uint16_t> ports{port};
    if (!run.port && config.global.smb_ports.size() > 1) ports = config.global.smb_ports;
    std::string where;
    for (const auto& a : listen_addresses(config.global))
      for (auto p : ports) where += (where.empty() ? "" : ", ") + a + ":" + std::to_string(p);
    std::string line = std::string("lwserver ") + LWSMB_VERSION + ": serving " +
                       std::to_string(shares) + (shares == 1 ? " share" : " shares") + " on " +
                       where;
    log::info(line);
    if (opt.foreground) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  };
  return run_srv(config, run);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lwserver: SMB2/SMB3 file server"};
  app.set_version_flag("--version", std::string("lwserver ") + LWSMB_VERSION);
  // Options of the main command are also accepted after a subcommand: `user add NAME -s CONF`.
  app.fallthrough();

  std::string conf = kDefaultConfig;
  app.add_option("-s,--configfile", conf, "smb.conf file")->capture_default_str();
  ServeOptions serve;
  app.add_flag("-F,--foreground", serve.foreground,
               "Stay in the foreground (do not become a daemon)");
  app.add_option("--port", serve.port, "Listen on this TCP port instead of 'smb ports'")
      ->check(CLI::Range(0, 65535));
  app.add_option("--workers", serve.workers, "I/O manager event loops")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("-d,--debuglevel", serve.debug_level, "Log level 0..10 (overrides 'log level')")
      ->check(CLI::Range(0, 10));

  auto* testparm =
      app.add_subcommand("testparm", "Check the config file and print the effective config");
  auto* user = app.add_subcommand("user", "Manage the SMB users (the passdb file)");
  user->require_subcommand(1);
  std::string name;
  bool from_stdin = false;
  auto* add = user->add_subcommand("add", "Add a user or change a password");
  add->add_option("NAME", name, "User name (a Unix account must exist)")->required();
  add->add_flag("--stdin", from_stdin, "Read the password from standard input");
  auto* del = user->add_subcommand("del", "Delete a user");
  del->add_option("NAME", name, "User name")->required();
  auto* list = user->add_subcommand("list", "List the users as name:uid");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*testparm) return cmd_testparm(conf);
  if (*add) return cmd_user_add(conf, name, from_stdin);
  if (*del) return cmd_user_del(conf, name);
  if (*list) return cmd_user_list(conf);
  return cmd_serve(conf, serve);
}
