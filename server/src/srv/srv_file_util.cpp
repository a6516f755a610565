#include "srv/srv_file_util.hpp"

#include <grp.h>
#include <pwd.h>

#include <array>
#include <vector>

#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_constants.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;
namespace fscc = proto::fscc;

Task<NtStatus> query_facts(SmbConnection& conn, const FileHandle& file, FileFacts* out) {
  std::array<std::byte, fscc::kNetworkOpenInfoSize> buf{};
  auto st = co_await IrpAwaitable(
      conn.server().io(), file, QueryInformationArgs{FileInfoClass::NetworkOpen, buf}, conn.loop());
  if (!nt_success(st.status)) co_return st.status;
  auto info = fscc::decode_network_open(std::span(buf).first(st.information));
  if (!info) co_return info.status();
  std::array<std::byte, fscc::kInternalInfoSize> ibuf{};
  auto ist = co_await IrpAwaitable(
      conn.server().io(), file, QueryInformationArgs{FileInfoClass::Internal, ibuf}, conn.loop());
  if (nt_success(ist.status)) {
    auto internal = fscc::decode_internal(std::span(ibuf).first(ist.information));
    if (internal) out->file_id = internal->index_number;
  }
  out->creation_time = info->creation_time;
  out->last_access_time = info->last_access_time;
  out->last_write_time = info->last_write_time;
  out->change_time = info->change_time;
  out->allocation_size = info->allocation_size;
  out->end_of_file = info->end_of_file;
  out->attributes = info->attributes;
  out->directory = (info->attributes & file_attribute::kDirectory) != 0;
  co_return NtStatus::Success;
}

NtStatus check_io_size(SmbConnection& conn, const smb2::Header& h, uint32_t length) {
  const uint16_t dialect = conn.state().dialect;
  const uint32_t max = dialect == smb2::dialect::kSmb202 ? 64 * 1024 : 8 * 1024 * 1024;
  if (length > max) return NtStatus::InvalidParameter;
  if (dialect > smb2::dialect::kSmb202) {
    const uint32_t needed = length == 0 ? 1 : (length - 1) / 65536 + 1;
    if (std::max<uint32_t>(h.credit_charge, 1) < needed) return NtStatus::InvalidParameter;
  }
  return NtStatus::Success;
}

std::shared_ptr<const SecurityContext> lookup_unix_identity(const std::string& user) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) {
    return nullptr;
  }
  auto ctx = std::make_shared<SecurityContext>();
  ctx->uid = found->pw_uid;
  ctx->gid = found->pw_gid;
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  if (getgrouplist(user.c_str(), found->pw_gid, groups.data(), &n) >= 0) {
    groups.resize(static_cast<size_t>(n));
    ctx->groups.assign(groups.begin(), groups.end());
  }
  return ctx;
}

std::shared_ptr<const SecurityContext> forced_identity(
    const std::string& user, const std::shared_ptr<const SecurityContext>& fallback) {
  auto ctx = lookup_unix_identity(user);
  return ctx ? ctx : fallback;
}

}  // namespace lwsmb::server
