// The driver-relative path of a \rdr open: "SERVER[:PORT]\SHARE[\path]" (rdr.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::fuse_rdr {

struct RdrPath {
  std::string server;  // host name, IPv4 address or IPv6 address (without brackets)
  uint16_t port = 0;   // 0: the driver's default port
  std::string share;
  std::string path;  // below the share, backslash separated, no leading backslash
};

// STATUS_OBJECT_PATH_SYNTAX_BAD when the server or share is missing, the port is not a number
// in 1..65535, or a bracketed IPv6 address is not closed.
Result<RdrPath> parse_rdr_path(std::string_view p);

// ASCII lower case: the keys rdr compares without case (servers, shares, paths).
std::string rdr_lower(std::string s);

}  // namespace lwsmb::fuse_rdr
