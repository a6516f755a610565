// What the rdr driver keeps about each open so that it can survive a reconnect (MS-SMB2
// 3.2.4.3.5, 3.2.4.4): durable handle requests on CREATE, the client-side handle an RdrFile
// carries in place of the server's FileId, and the rebuilt CREATE that reopens a durable
// handle on a new connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lwsmb/proto/smb2.hpp"

namespace lwsmb::fuse_rdr {

namespace smb2 = proto::smb2;

struct RdrTree;

enum class RdrDurability { None, V1, V2 };

// One open on a connection. RdrFile::file_id holds `handle` (a client-side id that is never
// reused), and the connection swaps in `server_id` when a request goes out, so requests built
// before a reconnect reach the reopened handle and never another file's.
struct RdrOpen {
  smb2::FileId handle;
  smb2::FileId server_id;
  std::shared_ptr<RdrTree> tree;
  smb2::CreateRequest create;  // as sent, to rebuild the reconnect CREATE
  uint8_t oplock_level = smb2::oplock_level::kNone;
  RdrDurability durable = RdrDurability::None;
  smb2::Guid create_guid{};
  bool lost = false;  // a reconnect could not reopen it: every request on it fails
  uint64_t gen = 0;   // the TCP connection (RdrConnection link generation) server_id is for
};

// Volatile half of a client-side handle; the persistent half counts opens on the connection.
inline constexpr uint64_t kRdrHandleMagic = 0x52444c4857534d42ull;
inline bool is_rdr_handle(const smb2::FileId& id) {
  return id.volatile_id == kRdrHandleMagic;
}

// Adds a durable handle request to a CREATE for a regular file on a disk share: DH2Q with a
// random CreateGuid (timeout 0: the server's default) on 3.x, DHnQ on 2.1; and a batch oplock
// when no lease is requested (MS-SMB2 3.2.4.3.5: durability needs a batch oplock or a lease with
// Handle caching). Directories, IPC$ and opens without data access get nothing. Returns what
// was asked for.
RdrDurability request_durable(smb2::CreateRequest& r, uint16_t dialect, bool ipc,
                              smb2::Guid* create_guid);
bool is_ipc_share(std::string_view share);
// What the server granted, from its CREATE response (the durable response context and an
// oplock or lease that allows it).
RdrDurability durable_granted(RdrDurability asked, const smb2::CreateResponse& resp);

// The CREATE that reopens `open` on a new connection (MS-SMB2 3.2.4.4): the same name, access,
// sharing and oplock or lease context, FILE_OPEN, and DH2C / DHnC naming the old FileId in
// place of the durable request; creation-time contexts (EAs, security, allocation) are dropped.
smb2::CreateRequest durable_reconnect_request(const RdrOpen& open);

// Where a request's FileId sits: its offset in the message (header included), for the
// commands that name an open; nullopt for the others (CREATE, TREE_CONNECT, ...).
std::optional<size_t> file_id_offset(std::span<const std::byte> msg);
smb2::FileId read_file_id_at(std::span<const std::byte> msg, size_t offset);
void write_file_id_at(std::span<std::byte> msg, size_t offset, const smb2::FileId& id);

// Whether a CREATE that may have reached the server before the connection dropped can be sent
// again: one with DH2Q (the server recognises the replay by its CreateGuid, MS-SMB2 3.3.5.9.10)
// or a plain FILE_OPEN. Others (FILE_CREATE, overwrite, ...) fail instead: they may have taken
// effect.
bool create_may_be_replayed(std::span<const std::byte> msg);

}  // namespace lwsmb::fuse_rdr
