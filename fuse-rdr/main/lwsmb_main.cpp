// lwsmb: the client tool. `lwsmb shares //host` lists a server's shares like `smbclient -L`,
// `lwsmb server-info //host` shows NetrServerGetInfo 101; both through the rdr driver and the
// srvsvc pipe on IPC$ (share_listing.hpp).
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/fuse_rdr/share_listing.hpp"
#include "lwsmb/iocore/log.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::fuse_rdr;

int fail(const std::string& what, const std::string& msg) {
  std::fprintf(stderr, "lwsmb: %s: %s\n", what.c_str(), msg.c_str());
  return 1;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// "connection refused (STATUS_CONNECTION_REFUSED)", "RPC fault 0x00000005 (...)".
std::string describe(NtStatus st, uint32_t fault) {
  std::string name(ntstatus_name(st));
  const char* reason = plain_reason(st);
  std::string s = reason ? std::string(reason) : name;
  if (st == NtStatus::RpcCallFailed) s += " " + hex32(fault);
  if (reason) s += " (" + name + ")";
  return s;
}

std::string werror_text(uint32_t w) {
  switch (w) {
    case rpc::werror::kAccessDenied:
      return "access denied (WERR_ACCESS_DENIED)";
    case rpc::werror::kInvalidLevel:
      return "level not supported (WERR_INVALID_LEVEL)";
    default:
      return "WERROR " + hex32(w);
  }
}

// Reads a password from the terminal without echo (from stdin when there is no terminal).
std::string prompt_password(const std::string& user) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  const bool tty = fd >= 0;
  if (!tty) fd = STDIN_FILENO;
  termios old{};
  const bool echo_off = tty && tcgetattr(fd, &old) == 0;
  if (tty) {
    std::string prompt = "Password for [" + user + "]:";
    (void)!::write(fd, prompt.data(), prompt.size());
  }
  if (echo_off) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string pw;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') pw += c;
  if (echo_off) tcsetattr(fd, TCSAFLUSH, &old);
  if (tty) ::close(fd);
  return pw;
}

struct Common {
  std::string target;
  uint16_t port = 0;
  std::string user_pass;
  std::string domain;
  bool no_pass = false;
  int timeout = 10;
};

// Credentials as smbclient takes them: -U USER[%PASS] (DOMAIN\USER too), else $USER; the
// password from -U, else $PASSWD, else a prompt; -N: none (anonymous without -U).
RdrCredentials credentials(const Common& c) {
  RdrCredentials cr;
  std::string up = c.user_pass;
  bool have_pass = false;
  if (auto pct = up.find('%'); pct != std::string::npos) {
    cr.user = up.substr(0, pct);
    cr.password = up.substr(pct + 1);
    have_pass = true;
  } else if (!up.empty()) {
    cr.user = up;
  } else if (!c.no_pass) {
    if (const char* u = std::getenv("USER")) cr.user = u;
  }
  if (auto bs = cr.user.find_first_of("\\/"); bs != std::string::npos) {
    cr.domain = cr.user.substr(0, bs);
    cr.user = cr.user.substr(bs + 1);
  }
  if (!c.domain.empty()) cr.domain = c.domain;
  if (!have_pass && !c.no_pass && !cr.user.empty()) {
    if (const char* p = std::getenv("PASSWD")) {
      cr.password = p;
    } else {
      cr.password = prompt_password(cr.user);
    }
  }
  return cr;
}

struct Session {
  std::unique_ptr<IoManager> io;
  std::unique_ptr<SrvsvcClient> srvsvc;
};

// Returns an exit status; on success SESSION is bound to srvsvc.
int connect(const Common& c, Session& s) {
  auto host = parse_unc_host(c.target);
  if (!host) return fail(c.target, "not a server name (//host or //host:port)");
  const uint16_t port = c.port ? c.port : host->port ? host->port : 445;
  RdrOptions opt;
  opt.credentials = credentials(c);
  opt.default_port = port;
  opt.connect_timeout = std::chrono::seconds(c.timeout);
  s.io = std::make_unique<IoManager>(IoManagerOptions{});
  auto st = s.io->register_driver("\\rdr", make_rdr_driver(std::move(opt)));
  if (!nt_success(st)) return fail("rdr", describe(st, 0));
  auto cl = SrvsvcClient::open(*s.io, *host, port);
  if (!cl) {
    const bool v6 = host->host.find(':') != std::string::npos;
    return fail("//" + (v6 ? "[" + host->host + "]" : host->host) + ":" + std::to_string(port),
                describe(cl.status(), 0));
  }
  s.srvsvc = std::move(*cl);
  return 0;
}

int cmd_shares(const Common& c, bool long_form) {
  Session s;
  if (int rc = connect(c, s)) return rc;
  // Level 2 (with paths) needs administrator rights on most servers; level 1 is what
  // smbclient -L asks for; level 0 (names only) is the last resort (MS-SRVS 3.1.4.8).
  std::vector<uint32_t> levels =
      long_form ? std::vector<uint32_t>{2, 1, 0} : std::vector<uint32_t>{1, 0};
  rpc::ShareEnumResult res;
  std::string last_error;
  bool got = false;
  for (uint32_t level : levels) {
    auto r = s.srvsvc->share_enum(level);
    if (!r) {
      // A fault (an unsupported level on some servers) tries the next level; a transport
      // error ends it.
      last_error = describe(r.status(), s.srvsvc->last_fault());
      if (r.status() != NtStatus::RpcCallFailed && r.status() != NtStatus::InvalidParameter) break;
      continue;
    }
    if (r->status != rpc::werror::kSuccess) {
      last_error = werror_text(r->status);
      continue;
    }
    if (level != levels.front()) {
      std::fprintf(stderr, "lwsmb: level %u refused (%s); showing level %u\n", levels.front(),
                   last_error.c_str(), level);
    }
    res = std::move(*r);
    got = true;
    break;
  }
  if (!got) return fail("NetrShareEnum", last_error);
  std::fputs(format_share_table(res.shares, res.level == 2 || res.level == 502).c_str(), stdout);
  return 0;
}

int cmd_server_info(const Common& c) {
  Session s;
  if (int rc = connect(c, s)) return rc;
  auto r = s.srvsvc->server_info(101);
  if (!r) return fail("NetrServerGetInfo", describe(r.status(), s.srvsvc->last_fault()));
  if (r->status != rpc::werror::kSuccess) return fail("NetrServerGetInfo", werror_text(r->status));
  std::printf("Server name:   %s\n", r->name.c_str());
  std::printf("Platform id:   %u\n", r->platform_id);
  std::printf("OS version:    %u.%u\n", r->version_major, r->version_minor);
  std::printf("Server type:   %s\n", hex32(r->type).c_str());
  std::printf("Comment:       %s\n", r->comment.c_str());
  return 0;
}

void add_common(CLI::App* sub, Common& c) {
  sub->add_option("target", c.target, "The server: //host, //host:port or host")->required();
  sub->add_option("-p,--port", c.port, "TCP port (default 445)")->check(CLI::Range(1, 65535));
  sub->add_option("-U,--user", c.user_pass,
                  "USER[%PASSWORD] or DOMAIN\\USER[%PASSWORD] (default $USER; password from "
                  "$PASSWD or a prompt)");
  sub->add_option("-W,--workgroup", c.domain, "Logon domain");
  sub->add_flag("-N,--no-pass", c.no_pass, "No password (anonymous when no -U is given)");
  sub->add_option("-t,--timeout", c.timeout, "Seconds to wait for the server")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lwsmb: SMB client tool (share listing over DCE/RPC srvsvc on IPC$)"};
  app.set_version_flag("-V,--version", std::string("lwsmb ") + LWSMB_VERSION);
  app.require_subcommand(1);
  Common c;
  bool long_form = false;
  auto* shares = app.add_subcommand("shares", "List the shares of a server (NetrShareEnum)");
  add_common(shares, c);
  shares->add_flag("-l,--long", long_form, "Show paths too (level 2; needs admin rights)");
  auto* info = app.add_subcommand("server-info", "Show a server's information (NetrServerGetInfo)");
  add_common(info, c);
  CLI11_PARSE(app, argc, argv);
  log::set_level(log::Level::Error);
  if (shares->parsed()) return cmd_shares(c, long_form);
  if (info->parsed()) return cmd_server_info(c);
  return 2;
}
