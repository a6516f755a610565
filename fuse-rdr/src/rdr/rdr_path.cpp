#include "rdr/rdr_path.hpp"

namespace lwsmb::fuse_rdr {

Result<RdrPath> parse_rdr_path(std::string_view p) {
  while (!p.empty() && p.front() == '\\') p.remove_prefix(1);
  size_t sep = p.find('\\');
  std::string_view host = p.substr(0, sep);
  std::string_view rest = sep == std::string_view::npos ? std::string_view{} : p.substr(sep + 1);
  RdrPath out;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return NtStatus::ObjectPathSyntaxBad;
    out.server = std::string(host.substr(1, close - 1));
    std::string_view after = host.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return NtStatus::ObjectPathSyntaxBad;
      port = after.substr(1);
      if (port.empty()) return NtStatus::ObjectPathSyntaxBad;
    }
  } else {
    size_t colon = host.find(':');
    out.server = std::string(host.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      if (port.empty()) return NtStatus::ObjectPathSyntaxBad;
    }
  }
  if (out.server.empty()) return NtStatus::ObjectPathSyntaxBad;
  if (!port.empty()) {
    if (port.size() > 5) return NtStatus::ObjectPathSyntaxBad;
    uint32_t v = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return NtStatus::ObjectPathSyntaxBad;
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v == 0 || v > 65535) return NtStatus::ObjectPathSyntaxBad;
    out.port = static_cast<uint16_t>(v);
  }
  sep = rest.find('\\');
  out.share = std::string(rest.substr(0, sep));
  if (out.share.empty()) return NtStatus::ObjectPathSyntaxBad;
  if (sep != std::string_view::npos) {
    std::string_view tail = rest.substr(sep + 1);
    while (!tail.empty() && tail.back() == '\\') tail.remove_suffix(1);
    out.path = std::string(tail);
  }
  return out;
}

std::string rdr_lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace lwsmb::fuse_rdr
