// Leases and oplocks of the rdr driver: what a CREATE asks for (MS-SMB2 3.2.4.3.8: one lease key
// per file, shared by this client's opens of it), what the server granted, and the handling of
// break notifications (3.2.5.19): the cache above is told to drop the file, writes in flight on
// its opens finish, then the break is acknowledged. Also the registry of every open of the
// connection (for teardown and idle logoff). Loop thread only.
#pragma once

#include <coroutine>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/irp.hpp"
#include "lwsmb/iocore/result.hpp"
#include "lwsmb/iocore/task.hpp"
#include "lwsmb/proto/smb2.hpp"

namespace lwsmb::fuse_rdr {

namespace smb2 = proto::smb2;

class RdrConnection;
struct RdrTree;

// An unsolicited OPLOCK_BREAK message (MessageId all ones) taken apart: the body's size tells an
// oplock break (24 bytes, MS-SMB2 2.2.23.1) from a lease break (44 bytes, 2.2.23.2).
struct RdrBreak {
  enum class Kind : uint8_t { Oplock, Lease };
  Kind kind = Kind::Oplock;
  smb2::OplockBreak oplock;
  smb2::LeaseBreakNotification lease;
};
// STATUS_INVALID_NETWORK_RESPONSE for anything but a well-formed break notification from the
// server (wrong command, a request, a truncated or oversized body, an unknown size).
Result<RdrBreak> decode_break(std::span<const std::byte> msg);

// What this client may cache for one file: a lease (shared by the opens that carry its key) or
// the oplock of a single open.
struct RdrCacheGrant {
  bool is_lease = false;
  smb2::Guid key{};     // lease key
  uint32_t state = 0;   // lease state (lease_state bits)
  uint8_t level = 0;    // oplock level (oplocks only)
  uint16_t epoch = 0;   // lease v2
  std::string map_key;  // the (tree, path) entry that hands this key out; empty: detached
  std::vector<std::string> paths;  // paths its opens were made with (for on_cache_invalidate)
  int opens = 0;
  int writes_in_flight = 0;
  std::vector<std::coroutine_handle<>> write_waiters;
  bool caches_data() const;  // R lease, or any oplock
};

// Counts one WRITE IRP as in flight on a grant until destroyed (a break waits for it).
class RdrWriteHold {
 public:
  RdrWriteHold(EventLoop& loop, std::shared_ptr<RdrCacheGrant> g);
  ~RdrWriteHold();
  RdrWriteHold(const RdrWriteHold&) = delete;
  RdrWriteHold& operator=(const RdrWriteHold&) = delete;

 private:
  EventLoop& loop_;
  std::shared_ptr<RdrCacheGrant> g_;
};

// Lease level a client asks for on regular files (MS-SMB2 3.2.4.3.8): read, write and handle
// caching.
inline constexpr uint32_t kRequestedLeaseState =
    smb2::lease_state::kRead | smb2::lease_state::kWrite | smb2::lease_state::kHandle;

// What an rdr CREATE asks for, decided from the dialect, the server's capabilities and the open:
//   leasing server (2.1: lease v1, 3.x: v2): R+W+H with this client's key for the file;
//   otherwise Batch for opens that may write and Level II for read-only ones (a read-only
//   open that held Batch would make every other client's open wait for a break round trip,
//   and Level II is all reading needs); no lease or oplock for directories, attribute-only
//   opens (stat, rename, delete) and named pipes.
struct RdrCacheRequest {
  uint8_t oplock_level = smb2::oplock_level::kNone;
  bool lease = false;
  bool lease_v2 = false;
};
RdrCacheRequest decide_cache_request(uint16_t dialect, uint32_t server_caps, bool pipe_share,
                                     const CreateArgs& a);
// The oplock level reported to the caller in CreateArgs::granted_oplock for a lease state
// (R+W+H: Batch, R+W: Exclusive, R or R+H: Level II, no R: none).
uint8_t oplock_equivalent(uint32_t lease_state);

class RdrLeaseTable {
 public:
  explicit RdrLeaseTable(RdrConnection& conn) : conn_(conn) {}

  // Fills RequestedOplockLevel and the RqLs context of a CREATE of PATH on TREE. fresh_key:
  // do not reuse the key this client already has for the path.
  void prepare_create(const RdrTree& tree, const std::string& path, const CreateArgs& a,
                      smb2::CreateRequest& r, bool fresh_key = false);
  // After a successful CREATE: records the open and what the server granted. Returns the
  // grant (null when none) and sets *reported to the level for CreateArgs::granted_oplock.
  std::shared_ptr<RdrCacheGrant> opened(const std::shared_ptr<RdrTree>& tree,
                                        const std::string& path, const smb2::CreateRequest& req,
                                        const smb2::CreateResponse& resp, uint8_t* reported);
  // After CLOSE (sent or not): forgets the open.
  void closed(const smb2::FileId& id);
  // After a rename or delete on the share: later opens get new keys (a key must never name two
  // files, MS-SMB2 3.3.5.9.8, and a name may now lead to another file). Leases with opens stay.
  void forget_paths(const std::string& share);
  // An OPLOCK_BREAK notification off the wire; handled in its own coroutine.
  void on_break(std::span<const std::byte> msg);

  // A CREATE finished (its open is registered or failed): breaks that came before their
  // open was known look again.
  void creates_settled();

  size_t open_count() const { return opens_.size(); }
  struct OpenRecord {
    std::shared_ptr<RdrTree> tree;
    std::shared_ptr<RdrCacheGrant> grant;
    std::string path;
  };
  const std::map<std::pair<uint64_t, uint64_t>, OpenRecord>& opens() const { return opens_; }
  std::shared_ptr<RdrCacheGrant> grant_of(const smb2::FileId& id) const;
  // A durable open reopened after a reconnect has a new server FileId (rdr_reconnect.cpp).
  void rekey(const smb2::FileId& from, const smb2::FileId& to);

 private:
  using OpenKey = std::pair<uint64_t, uint64_t>;
  static OpenKey key_of(const smb2::FileId& id) { return {id.persistent, id.volatile_id}; }
  Task<void> handle_lease_break(std::shared_ptr<RdrConnection> conn,
                                smb2::LeaseBreakNotification n);
  Task<void> handle_oplock_break(std::shared_ptr<RdrConnection> conn, smb2::OplockBreak n);
  Task<void> drain_writes(std::shared_ptr<RdrCacheGrant> g);
  // A break can overtake the processing of the CREATE response that granted what it breaks:
  // while CREATEs are under way, waits for one to finish. False when none is.
  Task<bool> wait_for_create(const std::shared_ptr<RdrConnection>& conn);
  void invalidate(const RdrCacheGrant& g);

  RdrConnection& conn_;
  // Leases by "share\npath" (lower case): how opens of one file share a key.
  std::map<std::string, std::shared_ptr<RdrCacheGrant>> by_path_;
  // Leases with opens, by key (a break names the key).
  std::map<smb2::Guid, std::shared_ptr<RdrCacheGrant>> by_key_;
  std::map<OpenKey, OpenRecord> opens_;
  std::vector<std::coroutine_handle<>> create_waiters_;
};

}  // namespace lwsmb::fuse_rdr
