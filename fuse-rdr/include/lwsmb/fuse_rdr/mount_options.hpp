// mount.lwsmb's options: the share name (//server/share) and the -o list, with mount.cifs's
// option names and meanings (mount.cifs(8)). Pure parsing, no I/O except the credentials file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/fuse_rdr/fuse_frontend.hpp"
#include "lwsmb/fuse_rdr/rdr.hpp"

namespace lwsmb::fuse_rdr {

// "//server/share[/sub/dir]" or "\\server\share"; the server may be a bracketed IPv6 address.
struct ShareName {
  std::string server;
  std::string share;
  std::string subpath;  // backslash separated, no leading backslash; empty for the share root
};

// A mount reads ahead (rasize=) and writes behind; lwio and lwbench, the raw clients, do not.
inline constexpr uint32_t kMountReadAhead = 8u << 20;
inline constexpr uint32_t kMountWriteBehind = 16u << 20;

struct MountOptions {
  MountOptions() {
    rdr.read_ahead = kMountReadAhead;
    rdr.write_behind = kMountWriteBehind;
  }
  RdrOptions rdr;  // credentials, port, dialects, seal, rsize/wsize, rasize, echo_interval
  bool port_set = false;
  FuseOptions fuse;  // uid, gid, modes, actimeo, cache, ro
  bool foreground = false;
  bool debug = false;
  bool verbose = false;
  bool fake = false;    // mount(8) -f: parse and check everything, mount nothing
  bool sloppy = false;  // mount(8) -s: unknown options are ignored instead of refused
  std::string credentials_file;
  std::vector<std::string> ignored;  // generic mount(8) options that have no meaning here
};

// A parse failure: one plain line for the user (without the program name).
struct OptionError {
  std::string message;
};

std::optional<ShareName> parse_share_name(std::string_view source, std::string* error);

// Applies one comma-separated -o list to opts (later options win, as with mount.cifs).
// Returns an error for unknown options (unless opts->sloppy) and bad values.
std::optional<OptionError> apply_mount_options(std::string_view list, MountOptions* opts);

// Reads a mount.cifs credentials file: "username=", "password=", "domain=" lines (also the
// short forms user=, pass=, dom=, workgroup=); '#' lines and blank lines are skipped. The
// password is taken verbatim up to the end of the line.
std::optional<OptionError> read_credentials_file(const std::string& path, RdrCredentials* creds);

// Parses a user name the way mount.cifs does: "DOMAIN/user", "DOMAIN\user", "user%password".
void split_user_name(std::string_view value, RdrCredentials* creds);

// vers= value -> (min, max) dialect; nullopt for unknown or unsupported (1.0) versions.
std::optional<std::pair<uint16_t, uint16_t>> parse_smb_version(std::string_view value);

}  // namespace lwsmb::fuse_rdr
