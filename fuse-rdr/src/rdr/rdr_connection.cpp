// The request side of RdrConnection: credits, signing and sealing, compound chains, the send
// queue and the receive path that matches responses to requests. Connection setup (TCP,
// NEGOTIATE, SESSION_SETUP, TREE_CONNECT) is in rdr_session.cpp.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "lwsmb/iocore/log.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_frame_pool.hpp"

namespace lwsmb::fuse_rdr {

namespace {

// Credits the client tries to keep in hand: 512 x 64 KiB = 32 MiB in flight.
constexpr uint32_t kCreditTarget = 512;
// Largest transport message accepted: an 8 MiB READ response plus headers.
constexpr uint32_t kMaxFrame = 16 * 1024 * 1024 + 64 * 1024;
constexpr size_t kRecvChunk = 256 * 1024;
// Frames above this are received straight into their own buffer.
constexpr size_t kBigFrame = 128 * 1024;
// Right after a big frame the next one is likely big too: a short receive reads its header
// without pulling (and then copying) much of its data through rbuf_.
constexpr size_t kRecvAfterBig = 4 * 1024;

}  // namespace

RdrConnection::RdrConnection(EventLoop& loop, std::string server, uint16_t port,
                             const RdrOptions& options)
    : loop_(loop), server_(std::move(server)), port_(port), options_(options), ready_(loop) {}

RdrConnection::~RdrConnection() {
  if (fd_ >= 0) ::close(fd_);
}

uint32_t RdrConnection::max_read() const {
  uint32_t m = neg_.multi_credit() ? neg_.max_read_size : std::min(neg_.max_read_size, 65536u);
  m = std::min({m, options_.rsize, 8u * 1024 * 1024});
  return std::max(m, 4096u);
}

uint32_t RdrConnection::max_write() const {
  uint32_t m = neg_.multi_credit() ? neg_.max_write_size : std::min(neg_.max_write_size, 65536u);
  m = std::min({m, options_.wsize, 8u * 1024 * 1024});
  return std::max(m, 4096u);
}

uint32_t RdrConnection::max_transact() const {
  uint32_t m =
      neg_.multi_credit() ? neg_.max_transact_size : std::min(neg_.max_transact_size, 65536u);
  return std::min(m, 1024u * 1024);
}

Task<std::optional<uint64_t>> RdrConnection::take_credits(uint32_t charge) {
  if (dead_ || !link_up_) co_return std::nullopt;
  if (charge == 0) charge = 1;
  const uint64_t gen = link_gen_;
  std::optional<uint64_t> mid;
  if (credit_waiters_.empty()) mid = credits_.take(charge);
  if (!mid) {
    CreditWaiter cw;
    cw.charge = charge;
    struct Park {
      RdrConnection* c;
      CreditWaiter* w;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> h) {
        w->h = h;
        c->credit_waiters_.push_back(w);
        c->wake_credit_waiters();
      }
      void await_resume() const noexcept {}
    };
    co_await Park{this, &cw};
    if (cw.message_id) --granted_unsent_;
    mid = cw.message_id;
  }
  // Dropped while this request waited for credits (ids of an old connection are no use).
  if (dead_ || !link_up_ || gen != link_gen_) co_return std::nullopt;
  co_return mid;
}

namespace {
struct ReplyWait {
  bool* done;
  std::coroutine_handle<>* slot;
  bool await_ready() const noexcept { return *done; }
  void await_suspend(std::coroutine_handle<> h) { *slot = h; }
  void await_resume() const noexcept {}
};
}  // namespace

bool RdrConnection::may_expire(const std::vector<std::byte>& msg) const {
  if (!kerberos_session_ || !session_valid_) return false;
  auto hr = smb2::decode_header(msg);
  return hr && hr->command != smb2::Command::Negotiate &&
         hr->command != smb2::Command::SessionSetup && hr->command != smb2::Command::Cancel;
}

Task<NtStatus> RdrConnection::reauthenticate() {
  auto self = shared_from_this();
  if (reauth_) {
    auto ev = reauth_;
    NtStatus shared = co_await ev->wait();
    co_return shared;
  }
  auto ev = std::make_shared<RdrEvent>(loop_);
  reauth_ = ev;
  log::info("rdr: ", server_, ": session expired, re-authenticating");
  NtStatus st = co_await session_setup(true);
  if (st != NtStatus::Success) {
    log::info("rdr: ", server_, ": re-authentication failed: ", ntstatus_name(st));
  }
  if (reauth_ == ev) reauth_.reset();
  ev->set(st);
  co_return st;
}

namespace {
// Requests that went out before a drop are sent again flagged as replays on 3.x (MS-SMB2
// 2.2.1.2, 3.2.4.1.7 / 3.2.5.1.x).
void set_replay_flag(std::vector<std::byte>& msg) {
  auto hr = smb2::decode_header(msg);
  if (!hr) return;
  smb2::Header h = *hr;
  h.flags |= smb2::header_flag::kReplayOperation;
  smb2::encode_header(h, msg);
}
bool is_create(std::span<const std::byte> msg) {
  auto hr = smb2::decode_header(msg);
  return hr && hr->command == smb2::Command::Create;
}
// A request is sent at most this many times across reconnects.
constexpr int kMaxReplays = 4;
}  // namespace

Task<RdrReply> RdrConnection::call(std::vector<std::byte> msg, uint32_t charge, const RdrTree* tree,
                                   std::shared_ptr<RdrCallTicket> ticket,
                                   auth::PreauthHash* preauth) {
  auto self = shared_from_this();
  auto buf = std::make_shared<std::vector<std::byte>>(std::move(msg));
  if (preauth) {
    co_return co_await call_buf(std::move(buf), charge, tree, std::move(ticket), preauth, nullptr,
                                nullptr);
  }
  const std::optional<FileRef> ref = file_ref(*buf);
  const FileRef* refp = nullptr;
  if (ref) refp = &*ref;
  const bool create = is_create(*buf);
  bool was_sent = false;
  int expired = 0;
  int drops = 0;
  for (;;) {
    // An open that cannot come back (not durable) fails at once instead of waiting.
    if (refp && open_lost(refp->handle)) {
      RdrReply r;
      r.status = NtStatus::ConnectionDisconnected;
      co_return r;
    }
    if (reconnecting_ && reconnect_ev_) {
      auto ev = reconnect_ev_;
      co_await ev->wait();
    }
    if (dead_) {
      RdrReply r;
      r.status = dead_status_;
      co_return r;
    }
    if (was_sent && neg_.dialect >= smb2::dialect::kSmb300) set_replay_flag(*buf);
    // A Kerberos session ends with its ticket: the request is sent again after a
    // re-authentication.
    const bool expire_ok = may_expire(*buf);
    bool sent = false;
    RdrReply r = co_await call_buf(buf, charge, tree, ticket, nullptr, refp, &sent);
    if (r.lost && !dead_) {
      was_sent = was_sent || sent;
      ++drops;
      if ((was_sent && create && !create_may_be_replayed(*buf)) || drops > kMaxReplays) {
        r.lost = false;
        r.status = NtStatus::ConnectionDisconnected;
        co_return r;
      }
      continue;
    }
    if (r.lost) {
      r.lost = false;
      r.status = dead_status_;
    }
    if (r.status == NtStatus::NetworkSessionExpired && expire_ok && expired < 2 && !dead_) {
      ++expired;
      NtStatus st = co_await reauthenticate();
      if (st == NtStatus::Success) continue;
    }
    co_return r;
  }
}

Task<RdrReply> RdrConnection::call_direct(std::vector<std::byte> msg, uint32_t charge,
                                          const RdrTree* tree) {
  auto self = shared_from_this();
  auto buf = std::make_shared<std::vector<std::byte>>(std::move(msg));
  RdrReply r = co_await call_buf(std::move(buf), charge, tree, nullptr, nullptr, nullptr, nullptr);
  r.lost = false;
  co_return r;
}

Task<std::vector<RdrReply>> RdrConnection::call_compound(std::vector<std::vector<std::byte>> msgs,
                                                         const RdrTree* tree) {
  auto self = shared_from_this();
  if (msgs.empty()) co_return std::vector<RdrReply>{};
  const auto keep = msgs;
  const bool create = is_create(keep.front());
  bool was_sent = false;
  int expired = 0;
  int drops = 0;
  auto fail = [&](NtStatus st) {
    std::vector<RdrReply> r(keep.size());
    for (auto& x : r) x.status = st;
    return r;
  };
  for (;;) {
    if (reconnecting_ && reconnect_ev_) {
      auto ev = reconnect_ev_;
      co_await ev->wait();
    }
    if (dead_) co_return fail(dead_status_);
    std::vector<std::vector<std::byte>> again = keep;
    if (was_sent && neg_.dialect >= smb2::dialect::kSmb300) {
      for (auto& m : again) set_replay_flag(m);
    }
    const bool expire_ok = may_expire(keep.front());
    bool sent = false;
    auto r = co_await call_compound_once(std::move(again), tree, &sent);
    if (!r.empty() && r.front().lost) {
      if (dead_) co_return fail(dead_status_);
      was_sent = was_sent || sent;
      ++drops;
      if ((was_sent && create && !create_may_be_replayed(keep.front())) || drops > kMaxReplays) {
        co_return fail(NtStatus::ConnectionDisconnected);
      }
      continue;
    }
    if (!r.empty() && r.front().status == NtStatus::NetworkSessionExpired && expire_ok &&
        expired < 2 && !dead_) {
      ++expired;
      NtStatus st = co_await reauthenticate();
      if (st == NtStatus::Success) continue;
    }
    co_return r;
  }
}

Task<RdrReply> RdrConnection::call_once(std::vector<std::byte> msg, uint32_t charge,
                                        const RdrTree* tree, std::shared_ptr<RdrCallTicket> ticket,
                                        auth::PreauthHash* preauth) {
  auto self = shared_from_this();
  auto buf = std::make_shared<std::vector<std::byte>>(std::move(msg));
  RdrReply r =
      co_await call_buf(std::move(buf), charge, tree, std::move(ticket), preauth, nullptr, nullptr);
  r.lost = false;
  co_return r;
}

std::optional<RdrConnection::FileRef> RdrConnection::file_ref(
    std::span<const std::byte> msg) const {
  auto off = file_id_offset(msg);
  if (!off) return std::nullopt;
  auto id = read_file_id_at(msg, *off);
  if (!is_rdr_handle(id)) return std::nullopt;
  return FileRef{*off, id};
}

bool RdrConnection::open_lost(const smb2::FileId& handle) const {
  auto it = opens_.find(handle.persistent);
  return it != opens_.end() && it->second->lost;
}

Result<smb2::FileId> RdrConnection::resolve_handle(const smb2::FileId& handle) const {
  auto it = opens_.find(handle.persistent);
  if (it == opens_.end()) return NtStatus::FileClosed;
  const auto& o = *it->second;
  if (o.lost || o.gen != link_gen_) return NtStatus::ConnectionDisconnected;
  return o.server_id;
}

Task<RdrReply> RdrConnection::call_buf(std::shared_ptr<std::vector<std::byte>> msg, uint32_t charge,
                                       const RdrTree* tree, std::shared_ptr<RdrCallTicket> ticket,
                                       auth::PreauthHash* preauth, const FileRef* ref, bool* sent) {
  auto self = shared_from_this();
  RdrReply failed;
  if (charge == 0) charge = 1;
  if (ref) {
    // A lost or closed open fails before it costs credits.
    auto id = resolve_handle(ref->handle);
    if (!id && !reconnecting_) {
      failed.status = id.status();
      co_return failed;
    }
  }
  auto mid = co_await take_credits(charge);
  if (!mid) {
    if (dead_) {
      failed.status = dead_status_;
    } else if (!link_up_ || reconnecting_) {
      failed.status = NtStatus::ConnectionDisconnected;
      failed.lost = true;
    } else {
      failed.status = NtStatus::InsufficientResources;
    }
    co_return failed;
  }
  if (ref) {
    // The server's id for the open on this TCP connection (no suspension from here to the
    // send, so it cannot go stale).
    auto id = resolve_handle(ref->handle);
    if (!id) {
      credits_.give_back(charge);
      failed.status = id.status();
      co_return failed;
    }
    write_file_id_at(*msg, ref->offset, *id);
  }
  std::vector<std::byte> sealed;
  if (!prepare(*msg, *mid, charge, tree, preauth, &sealed)) {
    failed.status = NtStatus::InternalError;
    co_return failed;
  }
  Waiter w;
  w.ticket = ticket;
  if (ticket) {
    ticket->message_id = *mid;
    ticket->async_id = 0;
    ticket->sent = true;
    ticket->done = false;
  }
  pending_[*mid] = &w;
  if (sent) *sent = true;
  const uint64_t gen = link_gen_;
  if (!sealed.empty()) {
    send_frame(std::move(sealed));
  } else {
    send_frame(msg);
  }
  co_await ReplyWait{&w.done, &w.h};
  if (ticket) ticket->done = true;
  w.reply.link_gen = gen;
  co_return std::move(w.reply);
}

Task<std::vector<RdrReply>> RdrConnection::call_compound_once(
    std::vector<std::vector<std::byte>> msgs, const RdrTree* tree, bool* sent) {
  auto self = shared_from_this();
  const uint32_t n = static_cast<uint32_t>(msgs.size());
  std::vector<RdrReply> replies(n);
  auto fail_all = [&](NtStatus st, bool lost = false) {
    for (auto& r : replies) {
      r.status = st;
      r.lost = lost;
    }
    return std::move(replies);
  };
  if (n == 0) co_return replies;
  auto first = co_await take_credits(n);
  if (!first) {
    if (dead_) co_return fail_all(dead_status_);
    if (!link_up_ || reconnecting_) co_return fail_all(NtStatus::ConnectionDisconnected, true);
    co_return fail_all(NtStatus::InsufficientResources);
  }
  for (auto& m : msgs) {
    if (auto ref = file_ref(m)) {
      auto id = resolve_handle(ref->handle);
      if (!id) {
        credits_.give_back(n);
        co_return fail_all(id.status());
      }
      write_file_id_at(m, ref->offset, *id);
    }
  }
  const bool encrypt = encrypts(tree);
  std::vector<std::byte> chain;
  size_t start = 0;
  for (uint32_t i = 0; i < n; ++i) {
    auto hr = smb2::decode_header(msgs[i]);
    if (!hr) co_return fail_all(NtStatus::InternalError);
    smb2::Header h = *hr;
    h.message_id = *first + i;
    h.credit_charge = neg_.multi_credit() ? 1 : 0;
    h.credit_request_response = credits_.request_for(1, kCreditTarget);
    h.session_id = session_id_;
    h.tree_id = tree ? tree->tree_id : 0;
    if (i > 0) h.flags |= smb2::header_flag::kRelatedOperations;
    const bool sign = !encrypt && signs(h.command, tree);
    if (sign) h.flags |= smb2::header_flag::kSigned;
    smb2::encode_header(h, msgs[i]);
    if (i > 0) start = smb2::chain_next(chain, start);
    chain.insert(chain.end(), msgs[i].begin(), msgs[i].end());
  }
  // Sign each message over its bytes up to the next one (MS-SMB2 3.2.4.1.4).
  {
    size_t pos = 0;
    for (uint32_t i = 0; i < n; ++i) {
      auto hr = smb2::decode_header(std::span(chain).subspan(pos));
      if (!hr) co_return fail_all(NtStatus::InternalError);
      const size_t len = hr->next_command ? hr->next_command : chain.size() - pos;
      if (hr->flags & smb2::header_flag::kSigned) {
        if (auth::sign_message(std::span(chain).subspan(pos, len), signing_key_, neg_.signing) !=
            NtStatus::Success) {
          co_return fail_all(NtStatus::InternalError);
        }
      }
      pos += len;
    }
  }
  if (encrypt) {
    auto sealed = encrypt_message(neg_.cipher, encryption_key_, session_id_, chain);
    if (!sealed) co_return fail_all(NtStatus::InternalError);
    chain = std::move(*sealed);
  }
  std::vector<Waiter> waiters(n);
  for (uint32_t i = 0; i < n; ++i) pending_[*first + i] = &waiters[i];
  if (sent) *sent = true;
  const uint64_t gen = link_gen_;
  send_frame(std::move(chain));
  for (uint32_t i = 0; i < n; ++i) {
    co_await ReplyWait{&waiters[i].done, &waiters[i].h};
    replies[i] = std::move(waiters[i].reply);
    replies[i].link_gen = gen;
  }
  co_return replies;
}

bool RdrConnection::encrypts(const RdrTree* tree) const {
  return session_valid_ && !encryption_key_.empty() && (encrypt_all_ || (tree && tree->encrypt));
}

bool RdrConnection::signs(smb2::Command cmd, const RdrTree* tree) const {
  if (cmd == smb2::Command::Negotiate || cmd == smb2::Command::SessionSetup) return false;
  if (encrypts(tree) || !session_valid_ || signing_key_.empty()) return false;
  // MS-SMB2 3.2.4.1.1: with 3.1.1 a TREE_CONNECT is signed even when signing is not required.
  const bool tcon311 = cmd == smb2::Command::TreeConnect && neg_.dialect == smb2::dialect::kSmb311;
  const bool validate = cmd == smb2::Command::Ioctl && sign_validate_;
  return signing_required_ || tcon311 || validate;
}

bool RdrConnection::prepare(std::vector<std::byte>& msg, uint64_t message_id, uint32_t charge,
                            const RdrTree* tree, auth::PreauthHash* preauth,
                            std::vector<std::byte>* sealed_out) {
  auto hr = smb2::decode_header(msg);
  if (!hr) return false;
  smb2::Header h = *hr;
  h.message_id = message_id;
  h.credit_charge = neg_.multi_credit() ? static_cast<uint16_t>(charge) : 0;
  h.credit_request_response = credits_.request_for(charge, kCreditTarget);
  h.session_id = session_id_;
  h.tree_id = tree ? tree->tree_id : 0;
  const bool setup =
      h.command == smb2::Command::Negotiate || h.command == smb2::Command::SessionSetup;
  const bool encrypt = !setup && encrypts(tree);
  const bool sign = signs(h.command, tree);
  // A request sent again after a reconnect is signed afresh (or not at all).
  h.flags &= ~smb2::header_flag::kSigned;
  h.signature = {};
  if (sign) h.flags |= smb2::header_flag::kSigned;
  smb2::encode_header(h, msg);
  if (preauth) preauth->update(msg);
  if (sign && auth::sign_message(msg, signing_key_, neg_.signing) != NtStatus::Success) {
    return false;
  }
  if (encrypt) {
    auto sealed = encrypt_message(neg_.cipher, encryption_key_, session_id_, msg);
    if (!sealed) return false;
    *sealed_out = std::move(*sealed);
  }
  return true;
}

void RdrConnection::cancel(const std::shared_ptr<RdrCallTicket>& ticket) {
  if (dead_ || !link_up_ || !ticket || !ticket->sent || ticket->done) return;
  smb2::Header h;
  h.command = smb2::Command::Cancel;
  h.message_id = ticket->message_id;
  h.session_id = session_id_;
  if (ticket->async_id != 0) {
    h.flags |= smb2::header_flag::kAsyncCommand;
    h.async_id = ticket->async_id;
  }
  const bool sign = session_valid_ && signing_required_ && !encrypt_all_;
  if (sign) h.flags |= smb2::header_flag::kSigned;
  std::vector<std::byte> msg;
  if (smb2::append_message(h, smb2::CancelRequest{}, msg) != NtStatus::Success) return;
  if (sign && auth::sign_message(msg, signing_key_, neg_.signing) != NtStatus::Success) return;
  if (encrypt_all_ && !encryption_key_.empty()) {
    auto sealed = encrypt_message(neg_.cipher, encryption_key_, session_id_, msg);
    if (!sealed) return;
    msg = std::move(*sealed);
  }
  send_frame(std::move(msg));
}

void RdrConnection::wake_credit_waiters() {
  while (!credit_waiters_.empty()) {
    CreditWaiter* w = credit_waiters_.front();
    auto mid = credits_.take(w->charge);
    if (!mid) {
      // Nothing in flight will ever grant more: this request cannot be sent.
      if (pending_.empty() && granted_unsent_ == 0) {
        credit_waiters_.pop_front();
        w->message_id.reset();
        auto h = w->h;
        loop_.post([h] { h.resume(); });
        continue;
      }
      return;
    }
    credit_waiters_.pop_front();
    w->message_id = mid;
    ++granted_unsent_;
    auto h = w->h;
    loop_.post([h] { h.resume(); });
  }
}

void RdrConnection::finish(Waiter* w) {
  if (w->reply.status == NtStatus::Pending) w->reply.status = NtStatus::InternalError;
  w->done = true;
  if (w->h) {
    auto h = w->h;
    loop_.post([h] { h.resume(); });
  }
}

void RdrConnection::send_frame(std::vector<std::byte> frame) {
  if (dead_ || !link_up_) return;
  auto out = std::make_unique<OutFrame>();
  if (!smb2::encode_transport_header(static_cast<uint32_t>(frame.size()), out->th)) {
    auto self = shared_from_this();
    loop_.post([self] { self->close(NtStatus::InvalidParameter); });
    return;
  }
  out->body = std::move(frame);
  sendq_.push_back(std::move(out));
  pump_send();
}

void RdrConnection::send_frame(std::shared_ptr<std::vector<std::byte>> frame) {
  if (dead_ || !link_up_) return;
  auto out = std::make_unique<OutFrame>();
  if (!smb2::encode_transport_header(static_cast<uint32_t>(frame->size()), out->th)) {
    auto self = shared_from_this();
    loop_.post([self] { self->close(NtStatus::InvalidParameter); });
    return;
  }
  out->shared = std::move(frame);
  sendq_.push_back(std::move(out));
  pump_send();
}

void RdrConnection::pump_send() {
  if (sending_ || sendq_.empty() || dead_ || !link_up_) return;
  sending_ = true;
  auto self = shared_from_this();
  OutFrame* f = sendq_.front().get();
  const size_t th = f->th.size();
  // sendmsg does not write through msg_iov; the cast only fits iovec's type.
  auto* body = const_cast<std::byte*>(f->bytes().data());
  const size_t len = f->bytes().size();
  if (f->sent < th) {
    f->iov[0] = {f->th.data() + f->sent, th - f->sent};
    f->iov[1] = {body, len};
    f->mh.msg_iovlen = 2;
  } else {
    f->iov[0] = {body + (f->sent - th), len - (f->sent - th)};
    f->mh.msg_iovlen = 1;
  }
  f->mh.msg_iov = f->iov;
  const int fd = fd_;
  loop_.submit([fd, f](io_uring_sqe* sqe) { io_uring_prep_sendmsg(sqe, fd, &f->mh, MSG_NOSIGNAL); },
               [self](int res) {
                 self->sending_ = false;
                 if (self->dead_ || !self->link_up_) return;
                 if (res <= 0) {
                   self->lost(NtStatus::ConnectionDisconnected);
                   return;
                 }
                 OutFrame* front = self->sendq_.front().get();
                 front->sent += static_cast<size_t>(res);
                 if (front->sent >= front->th.size() + front->bytes().size()) {
                   self->sendq_.pop_front();
                 }
                 self->pump_send();
               });
}

void RdrConnection::post_recv() {
  if (dead_ || !link_up_) return;
  recv_busy_ = true;
  auto self = shared_from_this();
  if (recv_big_) {
    loop_.recv(fd_, std::span(big_).subspan(big_have_), [self](int res) { self->on_recv(res); });
    return;
  }
  if (rbuf_.size() < kRecvChunk) rbuf_.resize(kRecvChunk);
  auto room = std::span(rbuf_).subspan(rlen_);
  if (after_big_ && room.size() > kRecvAfterBig) room = room.first(kRecvAfterBig);
  loop_.recv(fd_, room, [self](int res) { self->on_recv(res); });
}

void RdrConnection::on_recv(int res) {
  recv_busy_ = false;
  if (dead_ || !link_up_) return;
  if (res <= 0) {
    log::debug("rdr: ", server_, ": connection closed (", res, ")");
    lost(NtStatus::ConnectionDisconnected);
    return;
  }
  if (recv_big_) {
    big_have_ += static_cast<size_t>(res);
    if (big_have_ == big_.size()) {
      recv_big_ = false;
      auto frame = std::move(big_);
      big_ = {};
      big_have_ = 0;
      after_big_ = true;
      on_frame(std::move(frame));
      if (dead_ || !link_up_) return;
    }
    post_recv();
    return;
  }
  rlen_ += static_cast<size_t>(res);
  after_big_ = false;
  size_t pos = 0;
  while (rlen_ - pos >= smb2::kTransportHeaderSize) {
    auto len = smb2::decode_transport_header(std::span(rbuf_).subspan(pos, rlen_ - pos));
    if (!len || *len > kMaxFrame || *len < smb2::kHeaderSize) {
      log::info("rdr: ", server_, ": bad transport header; closing");
      close(NtStatus::ConnectionDisconnected);
      return;
    }
    const size_t need = smb2::kTransportHeaderSize + *len;
    if (rlen_ - pos < need) {
      if (*len > kBigFrame) {
        big_ = rdr_frame_buffer(*len);
        const size_t have = rlen_ - pos - smb2::kTransportHeaderSize;
        std::memcpy(big_.data(), rbuf_.data() + pos + smb2::kTransportHeaderSize, have);
        big_have_ = have;
        recv_big_ = true;
        pos = rlen_;
      }
      break;
    }
    auto first = rbuf_.begin() + static_cast<std::ptrdiff_t>(pos + smb2::kTransportHeaderSize);
    std::vector<std::byte> frame(first, first + static_cast<std::ptrdiff_t>(*len));
    pos += need;
    on_frame(std::move(frame));
    if (dead_ || !link_up_) return;
  }
  if (pos > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + pos, rlen_ - pos);
    rlen_ -= pos;
  }
  post_recv();
}

void RdrConnection::on_frame(std::vector<std::byte> frame) {
  bool encrypted = false;
  auto kind = smb2::classify_protocol(frame);
  if (kind == smb2::ProtocolKind::Transform) {
    auto plain = decrypt_message(neg_.cipher, frame, [this](uint64_t sid) {
      return sid == session_id_ ? std::span<const std::byte>(decryption_key_)
                                : std::span<const std::byte>();
    });
    if (!plain) {
      log::info("rdr: ", server_, ": undecryptable message (", ntstatus_name(plain.status()),
                "); closing");
      close(NtStatus::ConnectionDisconnected);
      return;
    }
    rdr_frame_buffer_return(std::exchange(frame, std::move(*plain)));
    encrypted = true;
  } else if (kind != smb2::ProtocolKind::Smb2) {
    log::info("rdr: ", server_, ": not an SMB2 message; closing");
    close(NtStatus::ConnectionDisconnected);
    return;
  }
  auto msgs = split_responses(frame);
  if (!msgs) {
    log::info("rdr: ", server_, ": malformed response; closing");
    close(NtStatus::ConnectionDisconnected);
    return;
  }
  if (msgs->size() == 1) {
    on_message((*msgs)[0], &frame, encrypted);
  } else {
    for (const auto& m : *msgs) on_message(m, nullptr, encrypted);
  }
  wake_credit_waiters();
}

void RdrConnection::on_message(const IncomingMessage& m, std::vector<std::byte>* whole_frame,
                               bool encrypted) {
  credits_.grant(m.header.credit_request_response);
  if (m.header.message_id == kBreakMessageId) {
    leases_.on_break(m.bytes);  // handled in its own coroutine (rdr_lease.cpp)
    return;
  }
  auto it = pending_.find(m.header.message_id);
  if (it == pending_.end()) {
    log::debug("rdr: ", server_, ": response to unknown message id ", m.header.message_id);
    return;
  }
  Waiter* w = it->second;
  auto st = static_cast<NtStatus>(m.header.status);
  if (st == NtStatus::Pending && m.header.is_async()) {
    // Interim response (MS-SMB2 3.2.5.1.5): the final one comes later with this async id.
    if (w->ticket) w->ticket->async_id = m.header.async_id;
    return;
  }
  if (!encrypted && session_valid_ && signing_required_ &&
      m.header.command != smb2::Command::SessionSetup && m.header.session_id == session_id_) {
    if (m.header.flags & smb2::header_flag::kSigned) {
      if (!auth::verify_message(m.bytes, signing_key_, neg_.signing)) {
        log::info("rdr: ", server_, ": bad signature on a response");
        st = NtStatus::AccessDenied;
      }
    } else if (nt_success(st) || st == NtStatus::BufferOverflow) {  // both carry data
      log::info("rdr: ", server_, ": unsigned response on a signed session");
      st = NtStatus::AccessDenied;
    }
  }
  pending_.erase(it);
  w->reply.header = m.header;
  if (whole_frame) {
    w->reply.msg = std::move(*whole_frame);
  } else {
    w->reply.msg.assign(m.bytes.begin(), m.bytes.end());
  }
  w->reply.status = st == NtStatus::Pending ? NtStatus::InvalidNetworkResponse : st;
  finish(w);
}

void RdrConnection::fail_in_flight(NtStatus why, bool lost) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, w] : pending) {
    w->reply.status = why;
    w->reply.lost = lost;
    finish(w);
  }
  auto waiters = std::move(credit_waiters_);
  credit_waiters_.clear();
  for (auto* w : waiters) {
    w->message_id.reset();
    auto h = w->h;
    loop_.post([h] { h.resume(); });
  }
}

void RdrConnection::close(NtStatus why) {
  if (dead_) return;
  dead_status_ = why;
  dead_.store(true, std::memory_order_release);
  link_up_ = false;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  if (echo_timer_) loop_.cancel_op(echo_timer_);
  if (idle_timer_) loop_.cancel_op(idle_timer_);
  if (attempt_timer_) loop_.cancel_op(attempt_timer_);
  reconnecting_ = false;
  if (reconnect_ev_) reconnect_ev_->set(why);
  fail_in_flight(why, false);
  ready_.set(why);
  for (auto& [name, t] : trees_) t->ready.set(why);
  leases_.creates_settled();  // breaks waiting for a CREATE give up
  if (on_dead_) {
    auto fn = std::move(on_dead_);
    on_dead_ = nullptr;
    fn();
  }
}

Task<void> RdrConnection::echo_loop(std::shared_ptr<RdrConnection> self) {
  const long long ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.echo_interval).count();
  // One loop per TCP connection: a reconnect starts the next.
  const uint64_t gen = link_gen_;
  echo_outstanding_ = false;
  while (!dead_ && link_up_ && link_gen_ == gen) {
    co_await RdrSleep(loop_, ms, &echo_timer_);
    if (link_gen_ != gen) break;
    echo_timer_ = 0;
    if (dead_ || !link_up_) break;
    if (echo_outstanding_) {
      // No answer for a whole interval: the server is gone (MS-SMB2 3.2.6.2 leaves the policy
      // to the client).
      log::info("rdr: ", server_, ": no answer to ECHO; dropping the connection");
      lost(NtStatus::ConnectionDisconnected);
      break;
    }
    echo_outstanding_ = true;
    spawn([](std::shared_ptr<RdrConnection> c) -> Task<void> {
      smb2::Header h;
      h.command = smb2::Command::Echo;
      std::vector<std::byte> msg;
      if (smb2::append_message(h, smb2::EchoRequest{}, msg) != NtStatus::Success) co_return;
      auto reply = co_await c->call_direct(std::move(msg), 1, nullptr);
      if (!reply.msg.empty()) c->echo_outstanding_ = false;
    }(self));
  }
}

}  // namespace lwsmb::fuse_rdr
