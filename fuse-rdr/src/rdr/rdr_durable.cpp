// Durable handle requests and reconnect CREATEs for the rdr driver (MS-SMB2 3.2.4.3.5, 3.2.4.4),
// and where each request names its open.
#include "rdr/rdr_durable.hpp"

#include <openssl/rand.h>

#include <string_view>

#include "lwsmb/iocore/nt_constants.hpp"
#include "lwsmb/proto/smb2_durable.hpp"

namespace lwsmb::fuse_rdr {

namespace {

constexpr uint32_t kDataAccess = access::kReadData | access::kWriteData | access::kAppendData |
                                 access::kExecute | access::kMaximumAllowed | access::kGenericAll |
                                 access::kGenericRead | access::kGenericWrite |
                                 access::kGenericExecute;

bool is_tag(const smb2::CreateContext& c, std::string_view tag) {
  return c.name == tag;
}

}  // namespace

RdrDurability request_durable(smb2::CreateRequest& r, uint16_t dialect, bool ipc,
                              smb2::Guid* create_guid) {
  if (ipc || dialect < smb2::dialect::kSmb210) return RdrDurability::None;
  if (r.create_options & create_option::kDirectoryFile) return RdrDurability::None;
  // Opens without data access (stat, rename, delete) get no oplock from a server anyway.
  if (!(r.desired_access & kDataAccess)) return RdrDurability::None;
  if (r.requested_oplock_level == smb2::oplock_level::kNone) {
    r.requested_oplock_level = smb2::oplock_level::kBatch;
  }
  if (dialect >= smb2::dialect::kSmb300) {
    smb2::DurableV2Request q;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(q.create_guid.data()), 16) != 1) {
      return RdrDurability::None;
    }
    *create_guid = q.create_guid;
    r.contexts.push_back(smb2::CreateContext{smb2::create_context_tag::kDurableHandleRequestV2,
                                             smb2::encode_durable_v2_request(q)});
    return RdrDurability::V2;
  }
  r.contexts.push_back(smb2::CreateContext{smb2::create_context_tag::kDurableHandleRequest,
                                           smb2::encode_durable_request()});
  return RdrDurability::V1;
}

bool is_ipc_share(std::string_view share) {
  if (share.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i) {
    char c = share[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != "IPC$"[i]) return false;
  }
  return true;
}

RdrDurability durable_granted(RdrDurability asked, const smb2::CreateResponse& resp) {
  if (asked == RdrDurability::None) return RdrDurability::None;
  bool caching = resp.oplock_level == smb2::oplock_level::kBatch;
  if (resp.oplock_level == smb2::oplock_level::kLease) {
    if (const auto* ls =
            smb2::find_create_context(resp.contexts, smb2::create_context_tag::kRequestLease)) {
      auto lease = smb2::decode_lease_context(ls->data);
      caching = lease && (lease->lease_state & smb2::lease_state::kHandle);
    }
  }
  if (!caching) return RdrDurability::None;
  if (asked == RdrDurability::V2) {
    const auto* c =
        smb2::find_create_context(resp.contexts, smb2::create_context_tag::kDurableHandleRequestV2);
    return c && smb2::decode_durable_v2_response(c->data) ? RdrDurability::V2 : RdrDurability::None;
  }
  const auto* c =
      smb2::find_create_context(resp.contexts, smb2::create_context_tag::kDurableHandleRequest);
  return c && smb2::decode_durable_response(c->data) == NtStatus::Success ? RdrDurability::V1
                                                                          : RdrDurability::None;
}

smb2::CreateRequest durable_reconnect_request(const RdrOpen& open) {
  smb2::CreateRequest r = open.create;
  r.create_disposition = static_cast<uint32_t>(CreateDisposition::Open);
  r.requested_oplock_level = open.oplock_level;
  std::vector<smb2::CreateContext> keep;
  for (auto& c : r.contexts) {
    if (is_tag(c, smb2::create_context_tag::kDurableHandleRequest) ||
        is_tag(c, smb2::create_context_tag::kDurableHandleRequestV2) ||
        is_tag(c, smb2::create_context_tag::kEaBuffer) ||
        is_tag(c, smb2::create_context_tag::kSecurityDescriptor) ||
        is_tag(c, smb2::create_context_tag::kAllocationSize)) {
      continue;
    }
    keep.push_back(std::move(c));
  }
  if (open.durable == RdrDurability::V2) {
    smb2::DurableV2Reconnect c;
    c.file_id = open.server_id;
    c.create_guid = open.create_guid;
    keep.push_back(smb2::CreateContext{smb2::create_context_tag::kDurableHandleReconnectV2,
                                       smb2::encode_durable_v2_reconnect(c)});
  } else {
    keep.push_back(smb2::CreateContext{smb2::create_context_tag::kDurableHandleReconnect,
                                       smb2::encode_durable_reconnect(open.server_id)});
  }
  r.contexts = std::move(keep);
  return r;
}

std::optional<size_t> file_id_offset(std::span<const std::byte> msg) {
  auto h = smb2::decode_header(msg);
  if (!h) return std::nullopt;
  size_t body = 0;
  switch (h->command) {
    case smb2::Command::Close:
    case smb2::Command::Flush:
    case smb2::Command::Lock:
    case smb2::Command::Ioctl:
    case smb2::Command::QueryDirectory:
    case smb2::Command::ChangeNotify:
    case smb2::Command::OplockBreak:
      body = 8;
      break;
    case smb2::Command::Read:
    case smb2::Command::Write:
    case smb2::Command::SetInfo:
      body = 16;
      break;
    case smb2::Command::QueryInfo:
      body = 24;
      break;
    default:
      return std::nullopt;
  }
  const size_t off = smb2::kHeaderSize + body;
  if (msg.size() < off + 16) return std::nullopt;
  return off;
}

smb2::FileId read_file_id_at(std::span<const std::byte> msg, size_t offset) {
  auto u64 = [&](size_t at) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v |= std::to_integer<uint64_t>(msg[at + i]) << (8 * i);
    return v;
  };
  return smb2::FileId{u64(offset), u64(offset + 8)};
}

void write_file_id_at(std::span<std::byte> msg, size_t offset, const smb2::FileId& id) {
  for (size_t i = 0; i < 8; ++i) {
    msg[offset + i] = static_cast<std::byte>(id.persistent >> (8 * i));
    msg[offset + 8 + i] = static_cast<std::byte>(id.volatile_id >> (8 * i));
  }
}

bool create_may_be_replayed(std::span<const std::byte> msg) {
  auto r = smb2::decode_create_request(msg);
  if (!r) return false;
  if (smb2::find_create_context(r->contexts, smb2::create_context_tag::kDurableHandleRequestV2)) {
    return true;
  }
  return r->create_disposition == static_cast<uint32_t>(CreateDisposition::Open);
}

}  // namespace lwsmb::fuse_rdr
