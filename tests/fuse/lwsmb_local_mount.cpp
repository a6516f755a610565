// lwsmb-local-mount DIR MOUNTPOINT [-o options]: mount.lwsmb's code with a local folder behind
// it (pvfs under "\pvfs") instead of an SMB server, so that the FUSE frontend has tests of its
// own. Options are mount.lwsmb's; those for the network (user, vers, ...) are accepted and
// have no effect.
//
// Changes made in DIR itself (not through the mount) stand in for a server's lease breaks:
// an inotify watch on DIR's top level reports them through the same invalidate callback that
// RdrOptions::on_cache_invalidate feeds, so the mount drops its cached entry and attributes.
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "lwsmb/fuse_rdr/mount_main.hpp"
#include "lwsmb/server/pvfs_driver.hpp"

namespace {

// The watcher calls into mount_main's frame; main ends it under this mutex before that frame
// is gone.
std::mutex g_watch_mutex;
bool g_watch_stop = false;

void watch_dir(const std::string& dir, std::function<void(const std::string&)> invalidate) {
  int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0) return;
  if (inotify_add_watch(fd, dir.c_str(),
                        IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                            IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    close(fd);
    return;
  }
  std::thread([fd, invalidate = std::move(invalidate)] {
    alignas(struct inotify_event) char buf[16384];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return;
      for (ssize_t off = 0; off < n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
        if (ev->len == 0) continue;
        std::lock_guard lock(g_watch_mutex);
        if (g_watch_stop) return;
        invalidate(ev->name);
      }
    }
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lwsmb;
  using namespace lwsmb::fuse_rdr;
  MountHooks hooks;
  hooks.program = "lwsmb-local-mount";
  hooks.source_help = "Local directory to mount (served through pvfs)";
  hooks.validate = [](const std::string& source, MountOptions& opts) -> std::optional<std::string> {
    struct stat st {};
    if (source.empty() || source[0] != '/' || ::stat(source.c_str(), &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      return "'" + source + "' is not an absolute path to a directory";
    }
    opts.fuse.fsname = source;
    return std::nullopt;
  };
  hooks.setup = [](IoManager& io, const std::string& source, MountOptions&,
                   std::function<void(const std::string&)> invalidate) -> std::string {
    server::PvfsOptions p;
    p.root = source;
    if (!nt_success(io.register_driver("\\pvfs", server::make_pvfs_driver(p)))) return {};
    watch_dir(source, std::move(invalidate));
    return "\\pvfs";
  };
  int rc = mount_main(argc, argv, hooks);
  {
    std::lock_guard lock(g_watch_mutex);
    g_watch_stop = true;
  }
  return rc;
}
