// Leases and oplocks of the rdr driver (rdr_lease.hpp).
#include "rdr/rdr_lease.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "lwsmb/iocore/log.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_path.hpp"
#include "rdr/rdr_readahead.hpp"
#include "rdr/rdr_wire.hpp"

namespace lwsmb::fuse_rdr {

namespace {

constexpr uint32_t kDataAccess = access::kReadData | access::kWriteData | access::kAppendData |
                                 access::kExecute | access::kGenericRead | access::kGenericWrite |
                                 access::kGenericAll | access::kGenericExecute |
                                 access::kMaximumAllowed;
constexpr uint32_t kWriteAccess = access::kWriteData | access::kAppendData | access::kGenericWrite |
                                  access::kGenericAll | access::kMaximumAllowed;

std::string key_hex(const smb2::Guid& k) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : k) {
    out += digits[std::to_integer<int>(b) >> 4];
    out += digits[std::to_integer<int>(b) & 15];
  }
  return out;
}

bool exclusive_oplock(uint8_t level) {
  return level == smb2::oplock_level::kExclusive || level == smb2::oplock_level::kBatch;
}

}  // namespace

Result<RdrBreak> decode_break(std::span<const std::byte> msg) {
  constexpr NtStatus kBad = NtStatus::InvalidNetworkResponse;
  auto h = smb2::decode_header(msg);
  if (!h) return kBad;
  if (h->command != smb2::Command::OplockBreak || h->message_id != kBreakMessageId ||
      !(h->flags & smb2::header_flag::kServerToRedir)) {
    return kBad;
  }
  auto size = smb2::peek_structure_size(msg);
  if (!size) return kBad;
  // The body is fixed-size; at most the padding to an 8-byte boundary may follow it.
  if (msg.size() > smb2::kHeaderSize + *size + 7) return kBad;
  RdrBreak b;
  if (*size == smb2::kOplockBreakStructureSize) {
    auto o = smb2::decode_oplock_break(msg);
    if (!o) return kBad;
    b.kind = RdrBreak::Kind::Oplock;
    b.oplock = *o;
    return b;
  }
  if (*size == smb2::kLeaseBreakNotificationStructureSize) {
    auto l = smb2::decode_lease_break_notification(msg);
    if (!l) return kBad;
    b.kind = RdrBreak::Kind::Lease;
    b.lease = *l;
    return b;
  }
  return kBad;
}

bool RdrCacheGrant::caches_data() const {
  return is_lease ? (state & smb2::lease_state::kRead) != 0 : level != smb2::oplock_level::kNone;
}

RdrWriteHold::RdrWriteHold(EventLoop& loop, std::shared_ptr<RdrCacheGrant> g)
    : loop_(loop), g_(std::move(g)) {
  if (g_) ++g_->writes_in_flight;
}

RdrWriteHold::~RdrWriteHold() {
  if (!g_ || --g_->writes_in_flight > 0) return;
  auto waiters = std::move(g_->write_waiters);
  g_->write_waiters.clear();
  for (auto h : waiters) loop_.post([h] { h.resume(); });
}

RdrCacheRequest decide_cache_request(uint16_t dialect, uint32_t server_caps, bool pipe_share,
                                     const CreateArgs& a) {
  RdrCacheRequest out;
  if (pipe_share || (a.create_options & create_option::kDirectoryFile) ||
      (a.desired_access & kDataAccess) == 0) {
    return out;
  }
  if (dialect >= smb2::dialect::kSmb210 && (server_caps & smb2::capability::kLeasing)) {
    out.oplock_level = smb2::oplock_level::kLease;
    out.lease = true;
    out.lease_v2 = dialect >= smb2::dialect::kSmb300;
    return out;
  }
  const bool may_write = (a.desired_access & kWriteAccess) != 0 ||
                         a.disposition == CreateDisposition::Overwrite ||
                         a.disposition == CreateDisposition::OverwriteIf ||
                         a.disposition == CreateDisposition::Supersede;
  out.oplock_level = may_write ? smb2::oplock_level::kBatch : smb2::oplock_level::kII;
  return out;
}

uint8_t oplock_equivalent(uint32_t s) {
  namespace ls = smb2::lease_state;
  if (!(s & ls::kRead)) return smb2::oplock_level::kNone;
  if (s & ls::kWrite) {
    return (s & ls::kHandle) ? smb2::oplock_level::kBatch : smb2::oplock_level::kExclusive;
  }
  return smb2::oplock_level::kII;
}

void RdrLeaseTable::prepare_create(const RdrTree& tree, const std::string& path,
                                   const CreateArgs& a, smb2::CreateRequest& r, bool fresh_key) {
  const auto& n = conn_.negotiated();
  const bool pipe = tree.share_type == smb2::share_type::kPipe;
  auto want = decide_cache_request(n.dialect, n.capabilities, pipe, a);
  r.requested_oplock_level = want.oplock_level;
  if (!want.lease) return;
  const std::string map_key = rdr_lower(tree.share) + "\n" + rdr_lower(path);
  smb2::LeaseContext lc;
  lc.v2 = want.lease_v2;
  lc.lease_state = kRequestedLeaseState;
  auto it = by_path_.find(map_key);
  if (it != by_path_.end() && !fresh_key) {
    lc.lease_key = it->second->key;
    lc.epoch = it->second->epoch;
  } else {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(lc.lease_key.data()), 16) != 1) {
      r.requested_oplock_level = smb2::oplock_level::kNone;
      return;
    }
  }
  r.contexts.push_back(
      smb2::CreateContext{smb2::create_context_tag::kRequestLease, smb2::encode_lease_context(lc)});
}

std::shared_ptr<RdrCacheGrant> RdrLeaseTable::opened(const std::shared_ptr<RdrTree>& tree,
                                                     const std::string& path,
                                                     const smb2::CreateRequest& req,
                                                     const smb2::CreateResponse& resp,
                                                     uint8_t* reported) {
  *reported = smb2::oplock_level::kNone;
  std::shared_ptr<RdrCacheGrant> g;
  if (resp.oplock_level == smb2::oplock_level::kLease &&
      req.requested_oplock_level == smb2::oplock_level::kLease) {
    const auto* asked =
        smb2::find_create_context(req.contexts, smb2::create_context_tag::kRequestLease);
    const auto* got =
        smb2::find_create_context(resp.contexts, smb2::create_context_tag::kRequestLease);
    std::optional<smb2::LeaseContext> mine, theirs;
    if (asked) {
      if (auto d = smb2::decode_lease_context(asked->data)) mine = *d;
    }
    if (got) {
      if (auto d = smb2::decode_lease_context(got->data)) theirs = *d;
    }
    if (mine && theirs && theirs->lease_key == mine->lease_key) {
      auto kit = by_key_.find(theirs->lease_key);
      if (kit != by_key_.end()) {
        g = kit->second;
      } else {
        g = std::make_shared<RdrCacheGrant>();
        g->is_lease = true;
        g->key = theirs->lease_key;
        by_key_[g->key] = g;
      }
      // v2 epochs order the server's state changes; v1 has none, its answer is the state.
      if (!theirs->v2 || theirs->epoch >= g->epoch || g->opens == 0) {
        g->state = theirs->lease_state;
        g->epoch = theirs->epoch;
      }
      const std::string map_key = rdr_lower(tree->share) + "\n" + rdr_lower(path);
      if (g->map_key.empty() && by_path_.find(map_key) == by_path_.end()) {
        g->map_key = map_key;
        by_path_[map_key] = g;
      }
      *reported = oplock_equivalent(g->state);
      log::debug("rdr: ", conn_.server(), ": ", path, ": lease ", key_hex(g->key), " state ",
                 theirs->lease_state, " epoch ", theirs->epoch);
    }
  } else if (resp.oplock_level != smb2::oplock_level::kNone &&
             resp.oplock_level != smb2::oplock_level::kLease) {
    g = std::make_shared<RdrCacheGrant>();
    g->level = resp.oplock_level;
    *reported = resp.oplock_level;
  }
  if (g) {
    ++g->opens;
    if (std::find(g->paths.begin(), g->paths.end(), path) == g->paths.end()) {
      g->paths.push_back(path);
    }
  }
  opens_[key_of(resp.file_id)] = OpenRecord{tree, g, path};
  return g;
}

std::shared_ptr<RdrCacheGrant> RdrLeaseTable::grant_of(const smb2::FileId& id) const {
  auto it = opens_.find(key_of(id));
  return it == opens_.end() ? nullptr : it->second.grant;
}

void RdrLeaseTable::rekey(const smb2::FileId& from, const smb2::FileId& to) {
  auto it = opens_.find(key_of(from));
  if (it == opens_.end()) return;
  OpenRecord rec = std::move(it->second);
  opens_.erase(it);
  opens_[key_of(to)] = std::move(rec);
}

void RdrLeaseTable::forget_paths(const std::string& share) {
  const std::string prefix = rdr_lower(share) + "\n";
  for (auto it = by_path_.lower_bound(prefix);
       it != by_path_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it->second->map_key.clear();
    it = by_path_.erase(it);
  }
}

void RdrLeaseTable::closed(const smb2::FileId& id) {
  auto it = opens_.find(key_of(id));
  if (it == opens_.end()) return;
  auto g = it->second.grant;
  opens_.erase(it);
  if (!g || --g->opens > 0) return;
  // The server drops a lease with its last open (MS-SMB2 3.3.4.x): so does the client.
  if (!g->map_key.empty()) {
    auto pit = by_path_.find(g->map_key);
    if (pit != by_path_.end() && pit->second == g) by_path_.erase(pit);
    g->map_key.clear();
  }
  if (g->is_lease) {
    auto kit = by_key_.find(g->key);
    if (kit != by_key_.end() && kit->second == g) by_key_.erase(kit);
  }
}

void RdrLeaseTable::on_break(std::span<const std::byte> msg) {
  auto b = decode_break(msg);
  if (!b) {
    log::debug("rdr: ", conn_.server(), ": malformed break notification ignored");
    return;
  }
  auto self = conn_.shared_from_this();
  if (b->kind == RdrBreak::Kind::Lease) {
    spawn(handle_lease_break(self, b->lease));
  } else {
    spawn(handle_oplock_break(self, b->oplock));
  }
}

void RdrLeaseTable::invalidate(const RdrCacheGrant& g) {
  // rdr's own read-ahead windows of the files under the grant go first (rdr_readahead.hpp).
  for (const auto& [id, rec] : opens_) {
    if (rec.grant.get() != &g || !rec.tree) continue;
    if (auto shared = rdr_file_shared_find(&conn_, rec.tree->share, rec.path)) ++shared->generation;
  }
  const auto& fn = conn_.options().on_cache_invalidate;
  if (!fn) return;
  for (const auto& p : g.paths) fn(p);
}

Task<void> RdrLeaseTable::drain_writes(std::shared_ptr<RdrCacheGrant> g) {
  struct Park {
    RdrCacheGrant* g;
    bool await_ready() const noexcept { return g->writes_in_flight == 0; }
    void await_suspend(std::coroutine_handle<> h) { g->write_waiters.push_back(h); }
    void await_resume() const noexcept {}
  };
  while (g->writes_in_flight > 0) co_await Park{g.get()};
}

void RdrLeaseTable::creates_settled() {
  auto waiters = std::move(create_waiters_);
  create_waiters_.clear();
  for (auto h : waiters) conn_.loop().post([h] { h.resume(); });
}

Task<bool> RdrLeaseTable::wait_for_create(const std::shared_ptr<RdrConnection>& conn) {
  if (conn->creates == 0 || conn->dead()) co_return false;
  struct Park {
    RdrLeaseTable* t;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { t->create_waiters_.push_back(h); }
    void await_resume() const noexcept {}
  };
  co_await Park{this};
  co_return true;
}

namespace {

// Sends an OPLOCK_BREAK acknowledgment (lease or oplock form) and logs a failure.
template <class Ack>
Task<void> send_break_ack(std::shared_ptr<RdrConnection> conn, std::shared_ptr<RdrTree> tree,
                          Ack ack, const char* what) {
  smb2::Header h;
  h.command = smb2::Command::OplockBreak;
  std::vector<std::byte> msg;
  if (smb2::append_message(h, ack, msg) != NtStatus::Success) co_return;
  auto reply = co_await conn->call(std::move(msg), 1, tree.get());
  if (!nt_success(reply.status)) {
    log::debug("rdr: ", conn->server(), ": ", what, ": ", ntstatus_name(reply.status));
  }
}

}  // namespace

Task<void> RdrLeaseTable::handle_lease_break(std::shared_ptr<RdrConnection> conn,
                                             smb2::LeaseBreakNotification n) {
  auto it = by_key_.find(n.lease_key);
  while (it == by_key_.end()) {
    const bool waited = co_await wait_for_create(conn);
    if (!waited) break;
    it = by_key_.find(n.lease_key);
  }
  if (it == by_key_.end()) {
    log::debug("rdr: ", conn->server(), ": break of an unknown lease ignored");
    co_return;
  }
  auto g = it->second;
  log::debug("rdr: ", conn->server(), ": lease break ", g->state, " -> ", n.new_lease_state,
             (n.flags & smb2::lease_break_flag::kAckRequired) ? " (ack)" : "");
  // Handle caching lost: someone may rename or delete the file, and a new file may then take
  // its name; later opens of the name get a key of their own (one key never names two files).
  if ((g->state & smb2::lease_state::kHandle) &&
      !(n.new_lease_state & smb2::lease_state::kHandle) && !g->map_key.empty()) {
    auto pit = by_path_.find(g->map_key);
    if (pit != by_path_.end() && pit->second == g) by_path_.erase(pit);
    g->map_key.clear();
  }
  g->state = n.new_lease_state & g->state;
  if (n.new_epoch > g->epoch) g->epoch = n.new_epoch;
  invalidate(*g);
  co_await drain_writes(g);
  if (!(n.flags & smb2::lease_break_flag::kAckRequired) || conn->dead()) co_return;
  // The ack goes on the tree of one of the lease's opens; none left: the lease went with them.
  std::shared_ptr<RdrTree> tree;
  for (const auto& [id, rec] : opens_) {
    if (rec.grant == g) {
      tree = rec.tree;
      break;
    }
  }
  if (!tree) co_return;
  smb2::LeaseBreakAck ack;
  ack.lease_key = g->key;
  ack.lease_state = n.new_lease_state;
  co_await send_break_ack(conn, tree, ack, "lease break ack");
}

Task<void> RdrLeaseTable::handle_oplock_break(std::shared_ptr<RdrConnection> conn,
                                              smb2::OplockBreak n) {
  auto it = opens_.find(key_of(n.file_id));
  while (it == opens_.end()) {
    const bool waited = co_await wait_for_create(conn);
    if (!waited) break;
    it = opens_.find(key_of(n.file_id));
  }
  if (it == opens_.end() || !it->second.grant || it->second.grant->is_lease) {
    log::debug("rdr: ", conn->server(), ": break of an unknown oplock ignored");
    co_return;
  }
  auto g = it->second.grant;
  auto tree = it->second.tree;
  const uint8_t old = g->level;
  log::debug("rdr: ", conn->server(), ": oplock break ", int(old), " -> ", int(n.oplock_level));
  g->level = n.oplock_level;
  invalidate(*g);
  co_await drain_writes(g);
  // Only Exclusive and Batch breaks wait for an acknowledgment; Level II goes to none without
  // one (MS-SMB2 3.2.5.19.1, 3.3.4.6).
  if (!exclusive_oplock(old) || conn->dead()) co_return;
  if (opens_.find(key_of(n.file_id)) == opens_.end()) co_return;  // closed meanwhile
  smb2::OplockBreak ack;
  ack.oplock_level = n.oplock_level;
  ack.file_id = n.file_id;
  co_await send_break_ack(conn, tree, ack, "oplock break ack");
}

}  // namespace lwsmb::fuse_rdr
