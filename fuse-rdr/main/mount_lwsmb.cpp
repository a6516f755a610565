// mount.lwsmb //server/share /mnt [-o options]: an SMB2/SMB3 share through FUSE, served by the
// rdr client driver under "\rdr".
#include <string>

#include "lwsmb/fuse_rdr/mount_main.hpp"
#include "lwsmb/fuse_rdr/rdr.hpp"

int main(int argc, char** argv) {
  using namespace lwsmb;
  using namespace lwsmb::fuse_rdr;
  ShareName share;
  MountHooks hooks;
  hooks.program = "mount.lwsmb";
  hooks.validate = [&share](const std::string& source,
                            MountOptions& opts) -> std::optional<std::string> {
    std::string error;
    auto parsed = parse_share_name(source, &error);
    if (!parsed) return error;
    share = *parsed;
    opts.fuse.fsname = "//" + share.server + "/" + share.share;
    std::string sub = share.subpath;
    for (auto& c : sub)
      if (c == '\\') c = '/';
    if (!sub.empty()) opts.fuse.fsname += "/" + sub;
    opts.fuse.share_subpath = share.subpath;
    return std::nullopt;
  };
  hooks.setup = [&share](IoManager& io, const std::string&, MountOptions& opts,
                         std::function<void(const std::string&)> invalidate) -> std::string {
    RdrOptions rdr = opts.rdr;
    const std::string sub = share.subpath;
    // Breaks name paths from the share root; the mount's nodes are paths from its subpath.
    rdr.on_cache_invalidate = [sub, invalidate](const std::string& path) {
      if (sub.empty()) return invalidate(path);
      if (path.size() > sub.size() && path.compare(0, sub.size(), sub) == 0 &&
          path[sub.size()] == '\\') {
        invalidate(path.substr(sub.size() + 1));
      }
    };
    if (!nt_success(io.register_driver("\\rdr", make_rdr_driver(std::move(rdr))))) return {};
    std::string root =
        "\\rdr\\" + share.server + ":" + std::to_string(opts.rdr.default_port) + "\\" + share.share;
    if (!share.subpath.empty()) root += "\\" + share.subpath;
    return root;
  };
  return mount_main(argc, argv, hooks);
}
