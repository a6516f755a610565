#include "lwsmb/fuse_rdr/share_listing.hpp"

#include "lwsmb/fuse_rdr/rdr.hpp"

#include <algorithm>
#include <charconv>

namespace lwsmb::fuse_rdr {

Result<UncHost> parse_unc_host(std::string_view s) {
  if (s.size() >= 2 && (s[0] == '/' || s[0] == '\\') && (s[1] == '/' || s[1] == '\\')) {
    s.remove_prefix(2);
  }
  if (!s.empty() && (s.back() == '/' || s.back() == '\\')) s.remove_suffix(1);
  if (s.empty() || s.find_first_of("/\\") != std::string_view::npos) {
    return NtStatus::ObjectPathSyntaxBad;
  }
  UncHost out;
  std::string_view port;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close == 1) return NtStatus::ObjectPathSyntaxBad;
    out.host = std::string(s.substr(1, close - 1));
    auto rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return NtStatus::ObjectPathSyntaxBad;
      port = rest.substr(1);
      if (port.empty()) return NtStatus::ObjectPathSyntaxBad;
    }
  } else {
    auto colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
      out.host = std::string(s);  // a bare IPv6 address: no port can follow it
    } else {
      out.host = std::string(s.substr(0, colon));
      if (colon != std::string_view::npos) {
        port = s.substr(colon + 1);
        if (port.empty()) return NtStatus::ObjectPathSyntaxBad;
      }
    }
    if (out.host.empty()) return NtStatus::ObjectPathSyntaxBad;
  }
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535) {
      return NtStatus::ObjectPathSyntaxBad;
    }
    out.port = static_cast<uint16_t>(v);
  }
  return out;
}

std::string rdr_pipe_path(const UncHost& host, uint16_t port, std::string_view pipe) {
  const bool v6 = host.host.find(':') != std::string::npos;
  std::string p = "\\rdr\\";
  p += v6 ? "[" + host.host + "]" : host.host;
  if (port) p += ":" + std::to_string(port);
  p += "\\IPC$\\";
  p += pipe;
  return p;
}

std::string share_type_name(uint32_t type) {
  switch (type & 0x0fffffffu) {  // MS-SRVS 2.2.2.4: STYPE_SPECIAL and STYPE_TEMPORARY aside
    case 0:
      return "Disk";
    case 1:
      return "Printer";
    case 2:
      return "Device";
    case 3:
      return "IPC";
    default:
      return "Unknown";
  }
}

namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_share_table(const std::vector<rpc::RpcShare>& shares, bool with_path) {
  // smbclient -L's layout: names in 15 columns (wider names push the rest along), types in 10.
  size_t name_w = 15, path_w = 24;
  for (const auto& s : shares) {
    name_w = std::max(name_w, s.name.size());
    path_w = std::max(path_w, s.path.size());
  }
  std::string out = "\n\t" + pad("Sharename", name_w) + " " + pad("Type", 10) +
                    (with_path ? pad("Path", path_w) + " " : "") + "Comment\n";
  out += "\t" + pad("---------", name_w) + " " + pad("----", 10) +
         (with_path ? pad("----", path_w) + " " : "") + "-------\n";
  for (const auto& s : shares) {
    std::string line = "\t" + pad(s.name, name_w) + " " + pad(share_type_name(s.type), 10);
    if (with_path) line += pad(s.path, path_w) + " ";
    line += s.comment;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

const char* plain_reason(NtStatus st) {
  switch (st) {
    case NtStatus::BadNetworkName:
      return "the server has no IPC$ share";
    case NtStatus::ObjectNameNotFound:
      return "the server offers no srvsvc pipe";
    case NtStatus::RpcCallFailed:
      return "RPC fault";
    case NtStatus::RpcUnknownIf:
      return "the server does not offer srvsvc";
    case NtStatus::RpcProtocolError:
      return "RPC protocol error";
    default:
      return rdr_error_reason(st);
  }
}

Result<std::unique_ptr<SrvsvcClient>> SrvsvcClient::open(IoManager& io, const UncHost& host,
                                                         uint16_t port) {
  CreateArgs args;
  args.path = rdr_pipe_path(host, port, "srvsvc");
  args.desired_access = access::kReadData | access::kWriteData | access::kReadAttributes |
                        access::kReadControl | access::kSynchronize;
  args.share_access = share::kRead | share::kWrite;
  args.disposition = CreateDisposition::Open;
  args.create_options = create_option::kNonDirectoryFile;
  args.security = std::make_shared<SecurityContext>();
  auto pipe = io.create_file(std::move(args));
  if (!pipe) return pipe.status();
  std::unique_ptr<SrvsvcClient> c(new SrvsvcClient(io, std::move(*pipe)));
  c->server_ = "\\\\" + host.host;
  c->rpc_ = std::make_unique<rpc::RpcClient>(io, c->pipe_);
  NtStatus st = c->rpc_->bind(rpc::srvsvc_syntax());
  if (st != NtStatus::Success) return st;
  return c;
}

SrvsvcClient::~SrvsvcClient() {
  rpc_.reset();
  if (pipe_) io_.close_file(std::move(pipe_));
}

Result<rpc::ShareEnumResult> SrvsvcClient::share_enum(uint32_t level) {
  auto stub =
      rpc_->call(rpc::srvsvc_opnum::kNetrShareEnum, rpc::encode_share_enum_request(server_, level));
  if (!stub) return stub.status();
  return rpc::decode_share_enum_response(*stub);
}

Result<rpc::ServerInfoResult> SrvsvcClient::server_info(uint32_t level) {
  auto stub = rpc_->call(rpc::srvsvc_opnum::kNetrServerGetInfo,
                         rpc::encode_server_get_info_request(server_, level));
  if (!stub) return stub.status();
  return rpc::decode_server_get_info_response(*stub);
}

}  // namespace lwsmb::fuse_rdr
