// mount.lwsmb's body (see mount_main.hpp). The serving process forks before any thread exists
// (the I/O manager's loops would not survive a fork) and tells the waiting parent over a pipe
// whether the share could be opened and mounted: mount-time errors are one line on the
// parent's stderr and a non-zero exit, with nothing left mounted.
#include "lwsmb/fuse_rdr/mount_main.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lwsmb/fuse_rdr/fuse_frontend.hpp"
#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/log.hpp"

namespace lwsmb::fuse_rdr {
namespace {

constexpr int kExitUsage = 1;
constexpr int kExitMountFailed = 32;

const char* kOptionHelp = R"(
Options (-o, comma separated, mount.cifs names):
  username=NAME, user=NAME   user to log on as (DOMAIN/NAME and NAME%PASSWORD work too)
  password=PASS, pass=PASS   password (also from $PASSWD); a comma is written ",,"
  credentials=FILE           file with username=, password=, domain= lines
  domain=NAME                logon domain
  port=N                     server TCP port (default 445)
  vers=V                     2.0, 2.1, 3 (3.0 or later), 3.0, 3.02, 3.1.1 or default
  sec=MODE                   ntlmssp, ntlmsspi (signed), krb5, krb5i, none
  seal                       encrypt (SMB 3)
  uid=ID, gid=ID             owner and group shown for every file (name or number)
  file_mode=MODE             permission bits of files (octal, default 0755)
  dir_mode=MODE              permission bits of directories (octal, default 0755)
  rsize=BYTES, wsize=BYTES   largest read / write request
  rasize=BYTES               read-ahead window of a sequential reader (default 8 MiB, 0: off)
  actimeo=SECONDS            attribute cache time (default 1)
  cache=strict|loose|none    how file data may be cached (default strict)
  ro, rw                     read-only or read-write mount
  echo_interval=SECONDS      keep-alive interval (default 60)
  foreground                 stay in the foreground
  debug                      trace every FUSE request on stderr (implies foreground)
Generic mount(8) options (defaults, noauto, _netdev, nofail, noatime, nosuid, x-*, ...) are
accepted and ignored. Unmount with umount MOUNTPOINT or fusermount3 -u MOUNTPOINT.)";

// The child's report to the parent: "OK" or one error line.
class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void ok() { send("OK\n"); }
  void error(const std::string& line) {
    if (fd_ < 0) {
      std::fprintf(stderr, "%s\n", line.c_str());
      return;
    }
    send(line + "\n");
  }

 private:
  void send(const std::string& s) {
    if (fd_ < 0) return;
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

// The parent: waits for the child's first line.
int wait_for_child(pid_t child, int fd) {
  std::string msg;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (msg == "OK\n") return 0;
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (msg.empty()) msg = "the mount process ended before mounting\n";
  std::fputs(msg.c_str(), stderr);
  return kExitMountFailed;
}

void detach_stdio() {
  int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  ::dup2(fd, 0);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  if (fd > 2) ::close(fd);
}

}  // namespace

std::string mount_error_text(NtStatus status) {
  std::string text;
  switch (status) {
    case NtStatus::ConnectionRefused:
      text = "connection refused (is the server running, is the port right?)";
      break;
    case NtStatus::ObjectNameNotFound:
    case NtStatus::ObjectPathNotFound:
      text = "no such file or directory";
      break;
    case NtStatus::NotADirectory:
      text = "not a directory";
      break;
    default: {
      const char* reason = rdr_error_reason(status);
      text = reason ? reason : "cannot open the share";
      break;
    }
  }
  return text + " (" + std::string(ntstatus_name(status)) + ")";
}

int mount_main(int argc, char** argv, const MountHooks& hooks) {
  const std::string& prog = hooks.program;
  CLI::App app{prog + ": mount an SMB2/SMB3 share with FUSE.\n"};
  app.name(prog);
  app.footer(kOptionHelp);
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.set_version_flag("-V,--version", prog + " " + LWSMB_VERSION);
  std::string source, mountpoint, type;
  std::vector<std::string> option_lists;
  bool sloppy = false, fake = false, verbose = false, no_mtab = false;
  app.add_option("source", source, hooks.source_help)->required();
  app.add_option("mountpoint", mountpoint, "Directory to mount on")->required();
  app.add_option("-o", option_lists, "Comma-separated options (below)")
      ->allow_extra_args(false)
      ->type_name("OPTIONS");
  app.add_flag("-s", sloppy, "Ignore unknown options (mount(8) -s)");
  app.add_flag("-f", fake, "Check the options and mount point, mount nothing (mount(8) -f)");
  app.add_flag("-v", verbose, "Say what happens");
  app.add_flag("-n", no_mtab, "Accepted for mount(8); there is no mtab to write");
  app.add_option("-t", type, "Accepted for mount(8): fuse.lwsmb");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", prog.c_str(), e.what(), prog.c_str());
    return kExitUsage;
  }

  MountOptions opts;
  opts.sloppy = sloppy;
  opts.fake = fake;
  opts.verbose = verbose;
  opts.fuse.uid = getuid();
  opts.fuse.gid = getgid();
  opts.fuse.allow_other = geteuid() == 0;  // a user's mount needs user_allow_other for it
  if (const char* pw = std::getenv("PASSWD")) opts.rdr.credentials.password = pw;
  for (const auto& list : option_lists) {
    if (auto e = apply_mount_options(list, &opts)) {
      std::fprintf(stderr, "%s: %s\n", prog.c_str(), e->message.c_str());
      return kExitUsage;
    }
  }
  if (hooks.validate) {
    if (auto e = hooks.validate(source, opts)) {
      std::fprintf(stderr, "%s: %s\n", prog.c_str(), e->c_str());
      return kExitUsage;
    }
  }
  char real[PATH_MAX];
  struct stat st {};
  if (::realpath(mountpoint.c_str(), real) == nullptr || ::stat(real, &st) != 0) {
    std::fprintf(stderr, "%s: mount point %s does not exist\n", prog.c_str(), mountpoint.c_str());
    return kExitMountFailed;
  }
  if (!S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "%s: mount point %s is not a directory\n", prog.c_str(),
                 mountpoint.c_str());
    return kExitMountFailed;
  }
  opts.fuse.mountpoint = real;
  opts.fuse.read_ahead = opts.rdr.read_ahead;  // rasize= is the kernel's window too
  opts.fuse.debug = opts.debug;
  if (opts.debug) log::set_level(log::Level::Debug);
  if (opts.verbose) {
    std::fprintf(stderr, "%s: mounting %s on %s\n", prog.c_str(), source.c_str(), real);
  }
  if (opts.fake) return 0;

  int report_fd = -1;
  if (!opts.foreground) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      std::fprintf(stderr, "%s: pipe: %s\n", prog.c_str(), std::strerror(errno));
      return kExitMountFailed;
    }
    std::fflush(nullptr);
    pid_t child = ::fork();
    if (child < 0) {
      std::fprintf(stderr, "%s: fork: %s\n", prog.c_str(), std::strerror(errno));
      return kExitMountFailed;
    }
    if (child > 0) {
      ::close(fds[1]);
      return wait_for_child(child, fds[0]);
    }
    ::close(fds[0]);
    report_fd = fds[1];
    ::setsid();
    if (::chdir("/") != 0) {
      // stays where it was; nothing depends on the working directory
    }
  }
  Reporter report(report_fd);
  // READ responses and FUSE buffers are MiB-sized and short-lived: keep them in the heap and
  // do not hand the memory back after each one, or every transfer pays for page faults,
  // zeroing and madvise (glibc's defaults: mmap above 128 KiB, trim above 128 KiB).
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);

  // Outlives the I/O manager: its drivers may report breaks until they are shut down.
  std::atomic<FuseFrontend*> frontend{nullptr};
  auto invalidate = [&frontend](const std::string& path) {
    if (FuseFrontend* fe = frontend.load()) fe->invalidate(path);
  };
  int rc = 0;
  {
    IoManager io(IoManagerOptions{.workers = 2});
    std::string root = hooks.setup(io, source, opts, invalidate);
    if (root.empty()) {
      report.error(prog + ": " + source + ": cannot start the client driver");
      return kExitMountFailed;
    }
    opts.fuse.root_prefix = root;
    FuseFrontend fe(io, opts.fuse);
    NtStatus check = fe.check_root();
    if (check != NtStatus::Success) {
      report.error(prog + ": " + source + ": " + mount_error_text(check));
      return kExitMountFailed;
    }
    std::string err;
    if (fe.mount(&err) != 0) {
      report.error(prog + ": " + err);
      return kExitMountFailed;
    }
    frontend.store(&fe);
    report.ok();
    if (!opts.foreground) detach_stdio();
    rc = fe.run();
    frontend.store(nullptr);
  }
  return rc == 0 ? 0 : kExitMountFailed;
}

}  // namespace lwsmb::fuse_rdr
