// The request side of RdrConnection: credits, signing and sealing, compound chains, the send
// queue and the receive path that matches responses to requests. Connection setup (TCP,
// NEGOTIATE, SESSION_SETUP, TREE_CONNECT) is in rdr_session.cpp.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "lwsmb/iocore/log.hpp"
#include "rdr/rdr_connection.hpp"

namespace lwsmb::fuse_rdr {

namespace {

// Credits the client tries to keep in hand: 512 x 64 KiB = 32 MiB in flight.
constexpr uint32_t kCreditTarget = 512;
// Largest transport message accepted: an 8 MiB READ response plus headers.
constexpr uint32_t kMaxFrame = 16 * 1024 * 1024 + 64 * 1024;
constexpr size_t kRecvChunk = 256 * 1024;
// Frames above this are received straight into their own buffer.
constexpr size_t kBigFrame = 128 * 1024;

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
  if (dead_) co_return std::nullopt;
  if (charge == 0) charge = 1;
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
  if (dead_) co_return std::nullopt;  // dropped while this request waited for credits
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

Task<RdrReply> RdrConnection::call(std::vector<std::byte> msg, uint32_t charge, const RdrTree* tree,
                                   std::shared_ptr<RdrCallTicket> ticket,
                                   auth::PreauthHash* preauth) {
  auto self = shared_from_this();
  if (preauth || !may_expire(msg)) {
    co_return co_await call_once(std::move(msg), charge, tree, std::move(ticket), preauth);
  }
  // Kept for a replay: a Kerberos session ends with its ticket.
  std::vector<std::byte> keep = msg;
  RdrReply r = co_await call_once(std::move(msg), charge, tree, ticket, nullptr);
  for (int attempt = 0; attempt < 2 && r.status == NtStatus::NetworkSessionExpired && !dead_;
       ++attempt) {
    NtStatus st = co_await reauthenticate();
    if (st != NtStatus::Success) break;
    std::vector<std::byte> again = keep;
    RdrReply next = co_await call_once(std::move(again), charge, tree, ticket, nullptr);
    r = std::move(next);
  }
  co_return r;
}

Task<std::vector<RdrReply>> RdrConnection::call_compound(std::vector<std::vector<std::byte>> msgs,
                                                         const RdrTree* tree) {
  auto self = shared_from_this();
  if (msgs.empty() || !may_expire(msgs.front())) {
    co_return co_await call_compound_once(std::move(msgs), tree);
  }
  auto keep = msgs;
  auto r = co_await call_compound_once(std::move(msgs), tree);
  for (int attempt = 0;
       attempt < 2 && !r.empty() && r.front().status == NtStatus::NetworkSessionExpired && !dead_;
       ++attempt) {
    NtStatus st = co_await reauthenticate();
    if (st != NtStatus::Success) break;
    std::vector<std::vector<std::byte>> again = keep;
    auto next = co_await call_compound_once(std::move(again), tree);
    r = std::move(next);
  }
  co_return r;
}

Task<RdrReply> RdrConnection::call_once(std::vector<std::byte> msg, uint32_t charge,
                                        const RdrTree* tree, std::shared_ptr<RdrCallTicket> ticket,
                                        auth::PreauthHash* preauth) {
  auto self = shared_from_this();
  RdrReply failed;
  if (charge == 0) charge = 1;
  auto mid = co_await take_credits(charge);
  if (!mid) {
    failed.status = dead_ ? dead_status_ : NtStatus::InsufficientResources;
    co_return failed;
  }
  if (!prepare(msg, *mid, charge, tree, preauth)) {
    failed.status = NtStatus::InternalError;
    co_return failed;
  }
  Waiter w;
  w.ticket = ticket;
  if (ticket) {
    ticket->message_id = *mid;
    ticket->sent = true;
  }
  pending_[*mid] = &w;
  send_frame(std::move(msg));
  co_await ReplyWait{&w.done, &w.h};
  if (ticket) ticket->done = true;
  co_return std::move(w.reply);
}

Task<std::vector<RdrReply>> RdrConnection::call_compound_once(
    std::vector<std::vector<std::byte>> msgs, const RdrTree* tree) {
  auto self = shared_from_this();
  const uint32_t n = static_cast<uint32_t>(msgs.size());
  std::vector<RdrReply> replies(n);
  auto fail_all = [&](NtStatus st) {
    for (auto& r : replies) r.status = st;
    return std::move(replies);
  };
  if (n == 0) co_return replies;
  auto first = co_await take_credits(n);
  if (!first) co_return fail_all(dead_ ? dead_status_ : NtStatus::InsufficientResources);
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
  send_frame(std::move(chain));
  for (uint32_t i = 0; i < n; ++i) {
    co_await ReplyWait{&waiters[i].done, &waiters[i].h};
    replies[i] = std::move(waiters[i].reply);
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
                            const RdrTree* tree, auth::PreauthHash* preauth) {
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
  if (sign) h.flags |= smb2::header_flag::kSigned;
  smb2::encode_header(h, msg);
  if (preauth) preauth->update(msg);
  if (sign && auth::sign_message(msg, signing_key_, neg_.signing) != NtStatus::Success) {
    return false;
  }
  if (encrypt) {
    auto sealed = encrypt_message(neg_.cipher, encryption_key_, session_id_, msg);
    if (!sealed) return false;
    msg = std::move(*sealed);
  }
  return true;
}

void RdrConnection::cancel(const std::shared_ptr<RdrCallTicket>& ticket) {
  if (dead_ || !ticket || !ticket->sent || ticket->done) return;
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
  if (dead_) return;
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

void RdrConnection::pump_send() {
  if (sending_ || sendq_.empty() || dead_) return;
  sending_ = true;
  auto self = shared_from_this();
  OutFrame* f = sendq_.front().get();
  const size_t th = f->th.size();
  if (f->sent < th) {
    f->iov[0] = {f->th.data() + f->sent, th - f->sent};
    f->iov[1] = {f->body.data(), f->body.size()};
    f->mh.msg_iovlen = 2;
  } else {
    f->iov[0] = {f->body.data() + (f->sent - th), f->body.size() - (f->sent - th)};
    f->mh.msg_iovlen = 1;
  }
  f->mh.msg_iov = f->iov;
  const int fd = fd_;
  loop_.submit([fd, f](io_uring_sqe* sqe) { io_uring_prep_sendmsg(sqe, fd, &f->mh, MSG_NOSIGNAL); },
               [self](int res) {
                 self->sending_ = false;
                 if (self->dead_) return;
                 if (res <= 0) {
                   self->close(NtStatus::ConnectionDisconnected);
                   return;
                 }
                 OutFrame* front = self->sendq_.front().get();
                 front->sent += static_cast<size_t>(res);
                 if (front->sent >= front->th.size() + front->body.size()) self->sendq_.pop_front();
                 self->pump_send();
               });
}

void RdrConnection::post_recv() {
  if (dead_) return;
  auto self = shared_from_this();
  if (recv_big_) {
    loop_.recv(fd_, std::span(big_).subspan(big_have_), [self](int res) { self->on_recv(res); });
    return;
  }
  if (rbuf_.size() < kRecvChunk) rbuf_.resize(kRecvChunk);
  loop_.recv(fd_, std::span(rbuf_).subspan(rlen_), [self](int res) { self->on_recv(res); });
}

void RdrConnection::on_recv(int res) {
  if (dead_) return;
  if (res <= 0) {
    log::debug("rdr: ", server_, ": connection closed (", res, ")");
    close(NtStatus::ConnectionDisconnected);
    return;
  }
  if (recv_big_) {
    big_have_ += static_cast<size_t>(res);
    if (big_have_ == big_.size()) {
      recv_big_ = false;
      auto frame = std::move(big_);
      big_ = {};
      big_have_ = 0;
      on_frame(std::move(frame));
      if (dead_) return;
    }
    post_recv();
    return;
  }
  rlen_ += static_cast<size_t>(res);
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
        big_.resize(*len);
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
    if (dead_) return;
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
    frame = std::move(*plain);
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

void RdrConnection::close(NtStatus why) {
  if (dead_) return;
  dead_status_ = why;
  dead_.store(true, std::memory_order_release);
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  if (echo_timer_) loop_.cancel_op(echo_timer_);
  if (idle_timer_) loop_.cancel_op(idle_timer_);
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, w] : pending) {
    w->reply.status = why;
    finish(w);
  }
  auto waiters = std::move(credit_waiters_);
  credit_waiters_.clear();
  for (auto* w : waiters) {
    w->message_id.reset();
    auto h = w->h;
    loop_.post([h] { h.resume(); });
  }
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
  while (!dead_) {
    co_await RdrSleep(loop_, ms, &echo_timer_);
    echo_timer_ = 0;
    if (dead_) break;
    if (echo_outstanding_) {
      // No answer for a whole interval: the server is gone (MS-SMB2 3.2.6.2 leaves the policy
      // to the client).
      log::info("rdr: ", server_, ": no answer to ECHO; dropping the connection");
      close(NtStatus::ConnectionDisconnected);
      break;
    }
    echo_outstanding_ = true;
    spawn([](std::shared_ptr<RdrConnection> c) -> Task<void> {
      smb2::Header h;
      h.command = smb2::Command::Echo;
      std::vector<std::byte> msg;
      if (smb2::append_message(h, smb2::EchoRequest{}, msg) != NtStatus::Success) co_return;
      auto reply = co_await c->call(std::move(msg), 1, nullptr);
      if (!reply.msg.empty()) c->echo_outstanding_ = false;
    }(self));
  }
}

}  // namespace lwsmb::fuse_rdr
