// The body of mount.lwsmb: command line, options, the mount-time check, daemonizing, the FUSE
// loop. The driver behind the mount comes from hooks, so that tests can mount a local folder
// through pvfs with the very same code (tests/fuse/lwsmb_local_mount.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "lwsmb/fuse_rdr/mount_options.hpp"
#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb::fuse_rdr {

struct MountHooks {
  std::string program = "mount.lwsmb";
  std::string source_help = "//server/share[/path]";
  // Before anything starts: checks SOURCE and fills what it implies (fsname, share_subpath,
  // the port). Returns an error line or nothing.
  std::function<std::optional<std::string>(const std::string& source, MountOptions& opts)> validate;
  // In the process that will serve the mount: registers the driver(s) with IO and returns the
  // root prefix ("\rdr\server:445\share"). INVALIDATE is to be called with a driver-relative
  // path when cached data of it must go (RdrOptions::on_cache_invalidate).
  std::function<std::string(IoManager& io, const std::string& source, MountOptions& opts,
                            std::function<void(const std::string&)> invalidate)>
      setup;
};

// Exit codes as mount(8) expects from helpers: 0, 1 (usage), 32 (mount failure).
int mount_main(int argc, char** argv, const MountHooks& hooks);

// One plain line for a mount-time failure: "host unreachable", "logon failure", ...
std::string mount_error_text(NtStatus status);

}  // namespace lwsmb::fuse_rdr
