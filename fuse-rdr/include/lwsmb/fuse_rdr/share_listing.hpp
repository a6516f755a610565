// Share listing over \rdr: the client half of `lwsmb shares //host`. Opens the srvsvc pipe on a
// server's IPC$ through the rdr driver ("\rdr\HOST:PORT\IPC$\srvsvc"), binds, and calls
// NetrShareEnum / NetrServerGetInfo (MS-SRVS 3.1.4.8, 3.1.4.17) with the rpc/ client runtime.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/rpc/rpc_client.hpp"
#include "lwsmb/rpc/srvsvc.hpp"

namespace lwsmb::fuse_rdr {

struct UncHost {
  std::string host;   // name, IPv4 address, or IPv6 address without brackets
  uint16_t port = 0;  // 0: none given
};

// "//host", "\\host", "host", "//host:port", "//[v6addr]:port"; one trailing slash is allowed.
// STATUS_OBJECT_PATH_SYNTAX_BAD for an empty host, a share part, a bad port or an open bracket.
Result<UncHost> parse_unc_host(std::string_view s);

// The rdr path of a pipe on the host's IPC$: "\rdr\HOST:PORT\IPC$\PIPE" (IPv6 in brackets).
std::string rdr_pipe_path(const UncHost& host, uint16_t port, std::string_view pipe);

// "Disk", "Printer", "Device", "IPC" (MS-SRVS 2.2.2.4; the special/temporary bits ignored).
std::string share_type_name(uint32_t type);

// The table `smbclient -L` prints: a header, then one line per share (Path too when asked).
std::string format_share_table(const std::vector<rpc::RpcShare>& shares, bool with_path);

// A plain reason for the errors a user meets when listing ("connection refused", "logon
// failure (wrong user name or password)", ...); nullptr when there is none.
const char* plain_reason(NtStatus st);

// One bound srvsvc pipe. Synchronous: call from a thread that is no I/O manager loop.
class SrvsvcClient {
 public:
  // Opens \rdr\HOST:PORT\IPC$\srvsvc (an rdr driver must be registered) and binds; the
  // NTSTATUS of whatever failed (the CREATE's for connection and logon errors).
  static Result<std::unique_ptr<SrvsvcClient>> open(IoManager& io, const UncHost& host,
                                                    uint16_t port);
  ~SrvsvcClient();
  SrvsvcClient(const SrvsvcClient&) = delete;
  SrvsvcClient& operator=(const SrvsvcClient&) = delete;

  // NetrShareEnum at LEVEL. The WERROR is in the result's status; transport errors and RPC
  // faults come back as the NTSTATUS (RPC_NT_CALL_FAILED: last_fault() says which).
  Result<rpc::ShareEnumResult> share_enum(uint32_t level);
  Result<rpc::ServerInfoResult> server_info(uint32_t level);
  uint32_t last_fault() const { return rpc_ ? rpc_->last_fault() : 0; }

 private:
  SrvsvcClient(IoManager& io, FileHandle pipe) : io_(io), pipe_(std::move(pipe)) {}
  IoManager& io_;
  FileHandle pipe_;
  std::unique_ptr<rpc::RpcClient> rpc_;  // refers to pipe_, which never moves
  std::string server_;                   // "\\HOST" as the calls name the server
};

}  // namespace lwsmb::fuse_rdr
