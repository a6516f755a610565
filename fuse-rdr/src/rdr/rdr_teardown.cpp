// Ending an rdr connection cleanly: CLOSE what is still open, TREE_DISCONNECT (MS-SMB2
// 3.2.4.22 / 2.2.11), LOGOFF (3.2.4.23 / 2.2.7), then close the socket; on driver shutdown, and
// when a connection has had nothing open for RdrOptions::idle_timeout.
#include "lwsmb/iocore/log.hpp"
#include "rdr/rdr_connection.hpp"

namespace lwsmb::fuse_rdr {

Task<NtStatus> RdrConnection::simple_call(smb2::Command cmd, const RdrTree* tree) {
  smb2::Header h;
  h.command = cmd;
  std::vector<std::byte> msg;
  NtStatus st = cmd == smb2::Command::Logoff
                    ? smb2::append_message(h, smb2::LogoffRequest{}, msg)
                    : smb2::append_message(h, smb2::TreeDisconnectRequest{}, msg);
  if (st != NtStatus::Success) co_return st;
  auto reply = co_await call(std::move(msg), 1, tree);
  co_return reply.status;
}

Task<void> RdrConnection::shutdown_gracefully() {
  auto self = shared_from_this();
  retiring_ = true;
  if (dead_ || state_ != State::Ready) {
    close(NtStatus::ConnectionDisconnected);
    co_return;
  }
  // Opens nobody closed (a driver shut down under its users).
  auto opens = leases_.opens();
  for (const auto& [id, rec] : opens) {
    if (dead_) break;
    smb2::CloseRequest r;
    r.file_id = smb2::FileId{id.first, id.second};
    smb2::Header h;
    h.command = smb2::Command::Close;
    std::vector<std::byte> msg;
    if (smb2::append_message(h, r, msg) != NtStatus::Success) continue;
    (void)co_await call(std::move(msg), 1, rec.tree.get());
    leases_.closed(r.file_id);
    if (rec.tree) --rec.tree->opens;
  }
  auto trees = trees_;
  for (const auto& [name, t] : trees) {
    if (dead_) break;
    if (!t->ready.is_set() || t->ready.status() != NtStatus::Success) continue;
    NtStatus st = co_await simple_call(smb2::Command::TreeDisconnect, t.get());
    log::debug("rdr: ", server_, ": TREE_DISCONNECT ", t->share, ": ", ntstatus_name(st));
  }
  trees_.clear();
  if (!dead_ && session_valid_) {
    NtStatus st = co_await simple_call(smb2::Command::Logoff, nullptr);
    log::debug("rdr: ", server_, ": LOGOFF: ", ntstatus_name(st));
  }
  session_valid_ = false;
  close(NtStatus::ConnectionDisconnected);
}

void RdrConnection::note_activity() {
  last_activity_ = std::chrono::steady_clock::now();
  leases_.creates_settled();
  if (idle_armed_ || dead_ || retiring_ || state_ != State::Ready) return;
  if (options_.idle_timeout.count() <= 0 || leases_.open_count() != 0 || creates != 0) return;
  idle_armed_ = true;
  spawn(idle_watch(shared_from_this()));
}

Task<void> RdrConnection::idle_watch(std::shared_ptr<RdrConnection> self) {
  (void)self;  // kept in the frame: holds the connection while the timer runs
  const auto limit = options_.idle_timeout;
  for (;;) {
    const auto since = std::chrono::steady_clock::now() - last_activity_;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limit - since);
    if (left.count() > 0) {
      co_await RdrSleep(loop_, left.count(), &idle_timer_);
      idle_timer_ = 0;
    }
    if (dead_ || retiring_) break;
    if (leases_.open_count() != 0 || creates != 0) break;  // busy again: re-armed at its end
    if (std::chrono::steady_clock::now() - last_activity_ < limit) continue;
    if (!pending_.empty()) {
      last_activity_ = std::chrono::steady_clock::now();
      continue;
    }
    if (on_idle_ && !on_idle_()) break;
    log::debug("rdr: ", server_, ": idle; logging off");
    idle_armed_ = false;
    co_await shutdown_gracefully();
    co_return;
  }
  idle_armed_ = false;
}

}  // namespace lwsmb::fuse_rdr
