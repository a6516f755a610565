// srvsvc (MS-SRVS) and wkssvc (MS-WKST): the server stubs lwserver registers on \npfs, and the
// client stub for share listing (NetrShareEnum).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "lwsmb/rpc/dcerpc_pdu.hpp"
#include "lwsmb/rpc/rpc_server.hpp"
#include "lwsmb/rpc/share_list.hpp"

namespace lwsmb::rpc {

const SyntaxId& srvsvc_syntax();  // 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0
const SyntaxId& wkssvc_syntax();  // 6bffd098-a112-3610-9833-46c3f87e345a v1.0

namespace srvsvc_opnum {
inline constexpr uint16_t kNetrShareEnum = 15;
inline constexpr uint16_t kNetrShareGetInfo = 16;
inline constexpr uint16_t kNetrServerGetInfo = 21;
}  // namespace srvsvc_opnum

namespace wkssvc_opnum {
inline constexpr uint16_t kNetrWkstaGetInfo = 0;
}

// Win32 errors the calls return (MS-ERREF 2.2).
namespace werror {
inline constexpr uint32_t kSuccess = 0;
inline constexpr uint32_t kAccessDenied = 5;
inline constexpr uint32_t kInvalidLevel = 124;
inline constexpr uint32_t kNetNameNotFound = 2310;  // NERR_NetNameNotFound
}  // namespace werror

// NetrShareEnum levels 0, 1, 2, 501, 502; NetrShareGetInfo (same levels);
// NetrServerGetInfo 100, 101.
std::shared_ptr<RpcInterface> make_srvsvc_interface(std::shared_ptr<const RpcServerInfo> info);
// NetrWkstaGetInfo 100.
std::shared_ptr<RpcInterface> make_wkssvc_interface(std::shared_ptr<const RpcServerInfo> info);

// --- client stubs ---

struct ShareEnumResult {
  uint32_t level = 0;
  std::vector<RpcShare> shares;  // path filled at levels 2 and 502 (as sent, "C:\...")
  uint32_t total_entries = 0;
  uint32_t status = 0;  // WERROR
};

std::vector<std::byte> encode_share_enum_request(std::string_view server, uint32_t level);
// STATUS_INVALID_PARAMETER when the stub does not decode (counts past the buffer included).
Result<ShareEnumResult> decode_share_enum_response(std::span<const std::byte> stub);

struct ServerInfoResult {
  uint32_t level = 0;
  uint32_t platform_id = 0;
  std::string name;
  uint32_t version_major = 0;
  uint32_t version_minor = 0;
  uint32_t type = 0;
  std::string comment;
  uint32_t status = 0;
};

std::vector<std::byte> encode_server_get_info_request(std::string_view server, uint32_t level);
Result<ServerInfoResult> decode_server_get_info_response(std::span<const std::byte> stub);

}  // namespace lwsmb::rpc
