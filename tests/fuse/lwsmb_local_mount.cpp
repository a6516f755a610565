// lwsmb-local-mount DIR MOUNTPOINT [-o options]: mount.lwsmb's code with a local folder behind
// it (pvfs under "\pvfs") instead of an SMB server, so that the FUSE frontend has tests of its
// own. Options are mount.lwsmb's; those for the network (user, vers, ...) are accepted and
// have no effect.
#include <sys/stat.h>

#include <string>

#include "lwsmb/fuse_rdr/mount_main.hpp"
#include "lwsmb/server/pvfs_driver.hpp"

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
                   std::function<void(const std::string&)>) -> std::string {
    server::PvfsOptions p;
    p.root = source;
    if (!nt_success(io.register_driver("\\pvfs", server::make_pvfs_driver(p)))) return {};
    return "\\pvfs";
  };
  return mount_main(argc, argv, hooks);
}
