// What srvsvc and wkssvc report, handed in by the server (rpc/ sits below server/ and never
// reads its configuration itself).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lwsmb::rpc {

// MS-SRVS 2.2.2.4 share types.
namespace share_type {
inline constexpr uint32_t kDiskTree = 0x00000000;
inline constexpr uint32_t kIpc = 0x00000003;
inline constexpr uint32_t kSpecial = 0x80000000;  // administrative shares such as IPC$
}  // namespace share_type

struct RpcShare {
  std::string name;     // UTF-8
  std::string comment;  // "remark"
  std::string path;     // local path; reported as "C:\..." at levels 2 and 502
  uint32_t type = share_type::kDiskTree;
  bool browseable = true;  // false: left out of NetrShareEnum, still found by NetrShareGetInfo
};

struct RpcServerInfo {
  std::string netbios_name = "LWSMB";
  std::string workgroup = "WORKGROUP";
  std::string comment;  // "server string"
  uint32_t version_major = 6;
  uint32_t version_minor = 1;
  std::vector<RpcShare> shares;
};

}  // namespace lwsmb::rpc
