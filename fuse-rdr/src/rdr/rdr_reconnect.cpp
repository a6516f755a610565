// Reconnect for RdrConnection (MS-SMB2 3.2.4.4, 3.2.6.x leave the policy to the client): when
// the TCP connection drops, requests in flight and new ones wait; the connection comes back
// with backoff, negotiates, sets up a new session (naming the old one), reconnects every tree
// and reopens every durable open with DH2C / DHnC. Then the waiting requests are sent again
// (replays on 3.x) with the new TreeIds and FileIds. Opens that could not be reopened fail
// every later request with STATUS_CONNECTION_DISCONNECTED; when the server stays away for
// about 30 s the connection fails for good.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "lwsmb/iocore/log.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_path.hpp"

namespace lwsmb::fuse_rdr {

namespace {

// Waits before each attempt, in ms; the last repeats until kGiveUpMs have passed.
constexpr int kBackoffMs[] = {100, 250, 500, 1000, 2000, 4000};
constexpr long long kGiveUpMs = 30000;

}  // namespace

smb2::FileId RdrConnection::register_open(std::shared_ptr<RdrTree> tree, smb2::CreateRequest sent,
                                          const smb2::CreateResponse& resp, RdrDurability asked,
                                          const smb2::Guid& create_guid, uint64_t link_gen) {
  auto o = std::make_shared<RdrOpen>();
  o->handle = smb2::FileId{next_handle_++, kRdrHandleMagic};
  o->server_id = resp.file_id;
  o->tree = std::move(tree);
  o->oplock_level = resp.oplock_level;
  o->durable = durable_granted(asked, resp);
  o->create_guid = create_guid;
  o->gen = link_gen;
  if (o->durable != RdrDurability::None) o->create = std::move(sent);
  // An answer from a TCP connection that has gone since: the open did not survive it.
  if (link_gen != link_gen_ && o->durable == RdrDurability::None) o->lost = true;
  log::debug("rdr: ", server_, ": open ", o->handle.persistent, " durable ",
             static_cast<int>(o->durable), " oplock ", static_cast<int>(o->oplock_level));
  opens_[o->handle.persistent] = o;
  return o->handle;
}

smb2::FileId RdrConnection::server_file_id(const smb2::FileId& handle) const {
  if (!is_rdr_handle(handle)) return handle;
  auto it = opens_.find(handle.persistent);
  return it == opens_.end() ? handle : it->second->server_id;
}

void RdrConnection::forget_open(const smb2::FileId& handle) {
  if (is_rdr_handle(handle)) opens_.erase(handle.persistent);
}

void RdrConnection::lost(NtStatus why) {
  if (dead_) return;
  if (reconnecting_) {
    drop_link();  // this attempt failed; the reconnect loop tries again
    return;
  }
  if (state_ != State::Ready) {
    close(why);
    return;
  }
  log::notice("rdr: ", server_, ":", port_, ": connection lost; reconnecting");
  reconnecting_ = true;
  reconnect_ev_ = std::make_shared<RdrEvent>(loop_);
  previous_session_id_ = session_id_;
  // Opens without a durable handle are gone with the TCP connection: their requests fail now.
  for (auto& [h, o] : opens_) {
    if (o->durable == RdrDurability::None) o->lost = true;
  }
  drop_link();
  spawn(reconnect_loop(shared_from_this()));
}

void RdrConnection::drop_link() {
  if (!link_up_) return;
  link_up_ = false;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  if (echo_timer_) loop_.cancel_op(echo_timer_);
  fail_in_flight(NtStatus::ConnectionDisconnected, true);
}

Task<void> RdrConnection::wait_link_idle() {
  // The old socket's last recv and send complete soon after shutdown(); their buffers are
  // reused only then.
  while (recv_busy_ || sending_) co_await RdrSleep(loop_, 5, nullptr);
}

Task<void> RdrConnection::reconnect_watchdog(std::shared_ptr<RdrConnection> self,
                                             uint64_t attempt) {
  (void)self;
  co_await RdrSleep(loop_, options_.connect_timeout.count(), &attempt_timer_);
  if (attempt_ != attempt) co_return;
  attempt_timer_ = 0;
  if (reconnecting_ && !dead_ && link_up_) {
    log::info("rdr: ", server_, ":", port_, ": no answer while reconnecting");
    drop_link();
  }
}

Task<void> RdrConnection::reconnect_loop(std::shared_ptr<RdrConnection> self) {
  const auto start = std::chrono::steady_clock::now();
  for (size_t n = 0; !dead_; ++n) {
    const int wait = kBackoffMs[std::min(n, std::size(kBackoffMs) - 1)];
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    if (spent + wait > kGiveUpMs) break;
    co_await RdrSleep(loop_, wait, nullptr);
    if (dead_) co_return;
    const uint64_t attempt = ++attempt_;
    spawn(reconnect_watchdog(self, attempt));
    NtStatus st = co_await reconnect_once();
    ++attempt_;  // ends the watchdog's claim on this attempt
    if (attempt_timer_) loop_.cancel_op(attempt_timer_);
    attempt_timer_ = 0;
    if (dead_) co_return;
    if (st == NtStatus::Success && link_up_) {
      ++reconnects_;
      reconnecting_ = false;
      previous_session_id_ = 0;
      auto ev = std::move(reconnect_ev_);
      reconnect_ev_.reset();
      uint64_t durable = 0, lost = 0;
      for (auto& [h, o] : opens_) ++(o->lost ? lost : durable);
      log::notice("rdr: ", server_, ":", port_, ": reconnected; ", durable, " open(s) kept, ", lost,
                  " lost");
      if (options_.echo_interval.count() > 0) spawn(echo_loop(self));
      ev->set(NtStatus::Success);
      co_return;
    }
    log::debug("rdr: ", server_, ":", port_, ": reconnect attempt failed: ", ntstatus_name(st));
    drop_link();
  }
  if (dead_) co_return;
  log::notice("rdr: ", server_, ":", port_, ": could not reconnect; giving up");
  close(NtStatus::ConnectionDisconnected);
}

Task<NtStatus> RdrConnection::reconnect_once() {
  auto self = shared_from_this();
  co_await wait_link_idle();
  if (dead_) co_return dead_status_;
  // A fresh transport: the old socket, its queues and its credits go.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  sendq_.clear();
  rlen_ = 0;
  big_.clear();
  big_have_ = 0;
  recv_big_ = false;
  after_big_ = false;
  credits_ = CreditWindow{};
  NtStatus st = co_await tcp_connect();
  if (st != NtStatus::Success) co_return st;
  post_recv();
  // A new session: keys, signing and the preauth hash start over.
  session_id_ = 0;
  session_valid_ = false;
  signing_key_.clear();
  encryption_key_.clear();
  decryption_key_.clear();
  signing_required_ = false;
  encrypt_all_ = false;
  kerberos_session_ = false;
  validated_ = false;
  conn_preauth_.reset();
  st = co_await negotiate();
  if (st != NtStatus::Success) co_return st;
  st = co_await session_setup();
  if (st != NtStatus::Success) co_return st;

  // Every tree that was connected; one the server refuses now is forgotten with its opens.
  std::vector<std::shared_ptr<RdrTree>> trees;
  for (auto& [key, t] : trees_) {
    if (t->ready.is_set() && t->ready.status() == NtStatus::Success) trees.push_back(t);
  }
  for (auto& t : trees) {
    st = co_await send_tree_connect(*t, true);
    if (!link_up_) co_return NtStatus::ConnectionDisconnected;
    if (st != NtStatus::Success) {
      log::notice("rdr: ", server_, ": share ", t->share,
                  " lost on reconnect: ", ntstatus_name(st));
      if (auto it = trees_.find(rdr_lower(t->share)); it != trees_.end() && it->second == t) {
        trees_.erase(it);
      }
      for (auto& [h, o] : opens_) {
        if (o->tree == t) o->lost = true;
      }
      continue;
    }
    if (!validated_) {
      validated_ = true;
      st = co_await validate_negotiate(*t);
      if (!link_up_) co_return NtStatus::ConnectionDisconnected;
      if (st != NtStatus::Success) co_return st;
    }
  }

  // Every open of an older TCP connection: durable ones are reopened, the others are lost.
  // Opens can be added meanwhile (a CREATE answered just before the drop), hence the loop.
  for (;;) {
    std::shared_ptr<RdrOpen> next;
    for (auto& [h, o] : opens_) {
      if (!o->lost && o->gen != link_gen_) {
        next = o;
        break;
      }
    }
    if (!next) break;
    if (next->durable == RdrDurability::None) {
      next->lost = true;
      continue;
    }
    st = co_await reopen(next);
    if (!link_up_) co_return NtStatus::ConnectionDisconnected;
    if (st != NtStatus::Success) {
      log::notice("rdr: ", server_, ": durable open ", next->handle.persistent,
                  " not reopened: ", ntstatus_name(st));
      next->lost = true;
    }
  }
  co_return NtStatus::Success;
}

Task<NtStatus> RdrConnection::reopen(std::shared_ptr<RdrOpen> open) {
  auto self = shared_from_this();
  smb2::CreateRequest r = durable_reconnect_request(*open);
  smb2::Header h;
  h.command = smb2::Command::Create;
  std::vector<std::byte> msg;
  NtStatus st = smb2::append_message(h, r, msg);
  if (st != NtStatus::Success) co_return st;
  auto reply = co_await call_direct(std::move(msg), 1, open->tree.get());
  if (!nt_success(reply.status)) co_return reply.status;
  auto resp = smb2::decode_create_response(reply.msg);
  if (!resp) co_return NtStatus::InvalidNetworkResponse;
  log::debug("rdr: ", server_, ": durable open ", open->handle.persistent, " reopened");
  leases_.rekey(open->server_id, resp->file_id);
  open->server_id = resp->file_id;
  open->oplock_level = resp->oplock_level;
  open->gen = reply.link_gen;
  co_return NtStatus::Success;
}

}  // namespace lwsmb::fuse_rdr
