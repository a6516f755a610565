// Connection setup for RdrConnection: TCP connect with a timeout, NEGOTIATE (MS-SMB2 3.2.4.2.1,
// 3.2.5.2), SESSION_SETUP with key derivation (3.2.4.2.3, 3.2.5.3), TREE_CONNECT (3.2.4.2.4)
// and FSCTL_VALIDATE_NEGOTIATE_INFO (3.2.5.5).
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "rdr/rdr_auth.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_path.hpp"

namespace lwsmb::fuse_rdr {

namespace {

std::u16string u16(const std::string& s) {
  return proto::fscc::utf8_to_utf16(s).value_or(std::u16string());
}

NtStatus status_from_connect_errno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return NtStatus::ConnectionRefused;
    case ETIMEDOUT:
      return NtStatus::IoTimeout;
    case ECONNRESET:
      return NtStatus::ConnectionReset;
    default:
      return NtStatus::HostUnreachable;
  }
}

// connect(2) on the ring, raced against a ring timeout that cancels it.
class ConnectAwait {
 public:
  ConnectAwait(EventLoop& loop, int fd, const sockaddr* addr, socklen_t len,
               std::chrono::milliseconds timeout)
      : loop_(loop), st_(std::make_shared<State>()) {
    std::memcpy(&st_->addr, addr, std::min<size_t>(len, sizeof st_->addr));
    st_->len = len;
    st_->fd = fd;
    st_->ts.tv_sec = timeout.count() / 1000;
    st_->ts.tv_nsec = (timeout.count() % 1000) * 1'000'000;
  }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    auto st = st_;
    st->h = h;
    EventLoop* loop = &loop_;
    st->connect_id = loop_.connect(st->fd, reinterpret_cast<const sockaddr*>(&st->addr), st->len,
                                   [st, loop](int res) {
                                     if (st->done) return;
                                     st->done = true;
                                     st->res = res;
                                     loop->cancel_op(st->timer_id);
                                     st->h.resume();
                                   });
    st->timer_id = loop_.submit([st](io_uring_sqe* s) { io_uring_prep_timeout(s, &st->ts, 0, 0); },
                                [st, loop](int res) {
                                  if (st->done || res != -ETIME) return;
                                  st->timed_out = true;
                                  loop->cancel_op(st->connect_id);
                                });
  }
  // 0, or a negative errno (-ETIMEDOUT when the timer won).
  int await_resume() const noexcept { return st_->timed_out ? -ETIMEDOUT : st_->res; }

 private:
  struct State {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int fd = -1;
    __kernel_timespec ts{};
    std::coroutine_handle<> h;
    EventLoop::OpId connect_id = 0, timer_id = 0;
    bool done = false, timed_out = false;
    int res = 0;
  };
  EventLoop& loop_;
  std::shared_ptr<State> st_;
};

}  // namespace

Task<NtStatus> RdrConnection::ensure_ready() {
  if (state_ == State::Ready && !dead_) co_return NtStatus::Success;
  if (dead_) co_return dead_status_;
  if (state_ != State::New) co_return co_await ready_.wait();
  state_ = State::Connecting;
  auto self = shared_from_this();
  // connect_timeout bounds the whole setup: a peer that accepts and then stays silent fails
  // the open with STATUS_IO_TIMEOUT instead of hanging it.
  spawn(setup_watchdog(self));
  NtStatus st = co_await establish();
  if (setup_timer_) loop_.cancel_op(setup_timer_);
  if (st != NtStatus::Success) {
    state_ = State::Failed;
    ready_.set(st);
    close(st);
  } else {
    state_ = State::Ready;
    ready_.set(st);
  }
  co_return st;
}

Task<void> RdrConnection::setup_watchdog(std::shared_ptr<RdrConnection> self) {
  (void)self;  // kept in the frame: holds the connection while the timer runs
  co_await RdrSleep(loop_, options_.connect_timeout.count(), &setup_timer_);
  setup_timer_ = 0;
  if (state_ == State::Connecting && !dead_) {
    log::info("rdr: ", server_, ":", port_, ": no answer during connection setup");
    close(NtStatus::IoTimeout);
  }
}

Task<NtStatus> RdrConnection::establish() {
  NtStatus st = co_await tcp_connect();
  if (st != NtStatus::Success) co_return st;
  post_recv();
  st = co_await negotiate();
  if (st != NtStatus::Success) co_return st;
  st = co_await session_setup();
  if (st != NtStatus::Success) co_return st;
  log::debug("rdr: connected to ", server_, ":", port_, " dialect ", neg_.dialect, " signing ",
             signing_required_ ? "on" : "off", " encryption ", encrypt_all_ ? "on" : "off");
  if (options_.echo_interval.count() > 0) spawn(echo_loop(shared_from_this()));
  co_return NtStatus::Success;
}

Task<NtStatus> RdrConnection::tcp_connect() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  // A blocking lookup on the loop thread: numeric addresses return at once; names are looked
  // up once per connection.
  const std::string& host = options_.address.empty() ? server_ : options_.address;
  if (!options_.address.empty()) hints.ai_flags |= AI_NUMERICHOST;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port_).c_str(), &hints, &res);
  if (rc != 0 || !res) co_return NtStatus::BadNetworkPath;
  std::vector<std::pair<sockaddr_storage, socklen_t>> addrs;
  std::vector<int> families;
  for (auto* a = res; a; a = a->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, a->ai_addr, std::min<size_t>(a->ai_addrlen, sizeof ss));
    addrs.emplace_back(ss, a->ai_addrlen);
    families.push_back(a->ai_family);
  }
  ::freeaddrinfo(res);
  NtStatus last = NtStatus::HostUnreachable;
  for (size_t i = 0; i < addrs.size(); ++i) {
    if (dead_) co_return dead_status_;
    int fd = ::socket(families[i], SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = co_await ConnectAwait(loop_, fd, reinterpret_cast<const sockaddr*>(&addrs[i].first),
                                  addrs[i].second, options_.connect_timeout);
    if (r == 0) {
      fd_ = fd;
      link_up_ = true;
      ++link_gen_;
      co_return NtStatus::Success;
    }
    ::close(fd);
    last = status_from_connect_errno(-r);
    log::debug("rdr: connect to ", server_, ":", port_, " failed: ", std::strerror(-r));
  }
  co_return last;
}

Task<NtStatus> RdrConnection::negotiate() {
  offer_.min_dialect = options_.min_dialect;
  offer_.max_dialect = options_.max_dialect;
  offer_.require_signing = options_.sign;
  offer_.salt.resize(32);
  // The ClientGuid stays for the connection's life: a durable v2 reconnect must come from the
  // same client (MS-SMB2 3.3.5.9.12).
  if (offer_.client_guid == smb2::Guid{} &&
      RAND_bytes(reinterpret_cast<unsigned char*>(offer_.client_guid.data()), 16) != 1) {
    co_return NtStatus::InternalError;
  }
  if (RAND_bytes(reinterpret_cast<unsigned char*>(offer_.salt.data()), 32) != 1) {
    co_return NtStatus::InternalError;
  }
  auto req = build_negotiate_request(offer_);
  if (!req) co_return NtStatus::NotSupported;
  smb2::Header h;
  h.command = smb2::Command::Negotiate;
  std::vector<std::byte> msg;
  if (smb2::append_message(h, *req, msg) != NtStatus::Success) co_return NtStatus::InternalError;
  auto reply = co_await call(std::move(msg), 1, nullptr, nullptr, &conn_preauth_);
  if (reply.msg.empty()) co_return reply.status;
  auto n = accept_negotiate_response(reply.msg, offer_);
  if (!n) co_return n.status();
  neg_ = std::move(*n);
  if (neg_.dialect == smb2::dialect::kSmb311) conn_preauth_.update(reply.msg);
  if (options_.seal && neg_.cipher == 0) {
    log::info("rdr: ", server_, " offers no encryption (dialect ", neg_.dialect, ")");
    co_return NtStatus::NotSupported;
  }
  co_return NtStatus::Success;
}

Task<NtStatus> RdrConnection::session_setup(bool reauth) {
  const auto& c = options_.credentials;
  std::unique_ptr<RdrAuthenticator> mech;
  if (c.kerberos) mech = make_kerberos_authenticator(c, server_);
  if (!mech) {
    if (!c.ntlm) co_return NtStatus::LogonFailure;  // no mechanism allowed
    mech = make_ntlm_authenticator(c);
  }
  const bool anonymous = mech->anonymous();
  auto tok = mech->initial(neg_.security_buffer);
  if (!tok) co_return tok.status();
  auth::PreauthHash pre = conn_preauth_;
  // A re-authentication's hash feeds nothing: the session keeps its keys.
  auth::PreauthHash* hash = reauth ? nullptr : &pre;
  const uint8_t mode = smb2::security_mode::kSigningEnabled |
                       (options_.sign ? smb2::security_mode::kSigningRequired : 0);
  for (int round = 0; round < 6; ++round) {
    smb2::SessionSetupRequest r;
    r.security_mode = mode;
    // After a reconnect the server may drop the old session at once (MS-SMB2 3.2.4.2.3).
    if (!reauth) r.previous_session_id = previous_session_id_;
    r.security_buffer = *tok;
    smb2::Header h;
    h.command = smb2::Command::SessionSetup;
    std::vector<std::byte> msg;
    if (smb2::append_message(h, r, msg) != NtStatus::Success) co_return NtStatus::InternalError;
    auto reply = co_await call_once(std::move(msg), 1, nullptr, nullptr, hash);
    if (reply.msg.empty()) co_return reply.status;
    if (reply.status != NtStatus::MoreProcessingRequired && !nt_success(reply.status)) {
      co_return reply.status;
    }
    auto rs = smb2::decode_session_setup_response(reply.msg);
    if (!rs) co_return NtStatus::InvalidNetworkResponse;
    if (!reauth) session_id_ = reply.header.session_id;
    if (reply.status == NtStatus::MoreProcessingRequired) {
      if (!reauth) pre.update(reply.msg);
      tok = mech->step(rs->security_buffer);
      if (!tok) co_return tok.status();
      continue;
    }
    // Success: the server's last token carries its mechListMIC.
    if (!rs->security_buffer.empty() && !mech->done()) {
      auto fin = mech->step(rs->security_buffer);
      if (!fin) co_return fin.status();
    }
    if (reauth) {
      // Same keys as before: a signed final response must verify with them.
      if ((reply.header.flags & smb2::header_flag::kSigned) && !signing_key_.empty() &&
          !auth::verify_message(reply.msg, signing_key_, neg_.signing)) {
        log::info("rdr: ", server_, ": bad signature on the re-authentication response");
        co_return NtStatus::AccessDenied;
      }
      co_return NtStatus::Success;
    }
    const bool nobody =
        anonymous ||
        (rs->session_flags & (smb2::session_flag::kIsGuest | smb2::session_flag::kIsNull)) != 0;
    if (nobody && (options_.sign || options_.seal)) co_return NtStatus::AccessDenied;
    if (!nobody) {
      std::vector<std::byte> session_key = mech->session_key();
      if (neg_.dialect >= smb2::dialect::kSmb300) {
        const auto bits = neg_.cipher != 0 && auth::cipher_key_size(
                                                  static_cast<auth::SmbCipher>(neg_.cipher)) == 32
                              ? auth::SmbCipherKeyBits::Aes256
                              : auth::SmbCipherKeyBits::Aes128;
        auto keys = auth::derive_smb3_keys(session_key, neg_.dialect, pre.value(), bits);
        if (!keys) co_return NtStatus::InternalError;
        signing_key_ = keys->signing;
        if (neg_.cipher != 0) {
          encryption_key_ = keys->client_to_server;
          decryption_key_ = keys->server_to_client;
        }
      } else {
        // 2.x signs with Session.SessionKey, the first 16 bytes (MS-SMB2 3.2.5.3.1).
        signing_key_.assign(session_key.begin(),
                            session_key.begin() + std::min<size_t>(16, session_key.size()));
      }
      // The final response proves the server knows the key (MS-SMB2 3.2.5.3.1).
      if ((reply.header.flags & smb2::header_flag::kSigned) &&
          !auth::verify_message(reply.msg, signing_key_, neg_.signing)) {
        log::info("rdr: ", server_, ": bad signature on SESSION_SETUP response");
        co_return NtStatus::AccessDenied;
      }
      signing_required_ =
          options_.sign || (neg_.security_mode & smb2::security_mode::kSigningRequired) != 0;
      encrypt_all_ = options_.seal || (rs->session_flags & smb2::session_flag::kEncryptData) != 0;
      if (encrypt_all_ && encryption_key_.empty()) co_return NtStatus::NotSupported;
    }
    session_valid_ = true;
    kerberos_session_ = !nobody && mech->kerberos();
    co_return NtStatus::Success;
  }
  co_return NtStatus::LogonFailure;
}

Task<NtStatus> RdrConnection::connect_tree(const std::string& share,
                                           std::shared_ptr<RdrTree>* out) {
  auto self = shared_from_this();
  const std::string key = rdr_lower(share);
  if (auto it = trees_.find(key); it != trees_.end()) {
    auto t = it->second;
    NtStatus st = co_await t->ready.wait();
    if (st == NtStatus::Success) *out = t;
    co_return st;
  }
  if (dead_) co_return dead_status_;
  auto t = std::make_shared<RdrTree>(loop_, share);
  trees_[key] = t;
  NtStatus st = co_await send_tree_connect(*t, false);
  if (st != NtStatus::Success) {
    if (auto it = trees_.find(key); it != trees_.end() && it->second == t) trees_.erase(it);
    t->ready.set(st);
    co_return st;
  }
  if (!validated_) {
    validated_ = true;
    st = co_await validate_negotiate(*t);
    if (st != NtStatus::Success) {
      log::info("rdr: ", server_, ": negotiate validation failed: ", ntstatus_name(st));
      close(st);
      co_return st;
    }
  }
  t->ready.set(NtStatus::Success);
  *out = t;
  co_return NtStatus::Success;
}

Task<NtStatus> RdrConnection::send_tree_connect(RdrTree& t, bool direct) {
  auto self = shared_from_this();
  smb2::TreeConnectRequest r;
  r.path = u"\\\\" + u16(server_) + u"\\" + u16(t.share);
  smb2::Header h;
  h.command = smb2::Command::TreeConnect;
  std::vector<std::byte> msg;
  NtStatus st = smb2::append_message(h, r, msg);
  if (st != NtStatus::Success) co_return st;
  RdrReply reply;
  if (direct) {
    reply = co_await call_direct(std::move(msg), 1, nullptr);
  } else {
    reply = co_await call(std::move(msg), 1, nullptr);
  }
  st = reply.status;
  if (!nt_success(st)) co_return st;
  auto resp = smb2::decode_tree_connect_response(reply.msg);
  if (!resp) co_return NtStatus::InvalidNetworkResponse;
  t.tree_id = reply.header.tree_id;
  t.share_flags = resp->share_flags;
  t.share_type = resp->share_type;
  t.encrypt = (resp->share_flags & smb2::share_flag::kEncryptData) != 0;
  if (t.encrypt && encryption_key_.empty()) co_return NtStatus::AccessDenied;
  co_return NtStatus::Success;
}

Task<NtStatus> RdrConnection::validate_negotiate(const RdrTree& tree) {
  // MS-SMB2 3.2.5.5: 3.0 and 3.0.2 only, and only on a session with a key (3.1.1 has the
  // preauth integrity hash instead).
  if ((neg_.dialect != smb2::dialect::kSmb300 && neg_.dialect != smb2::dialect::kSmb302) ||
      signing_key_.empty()) {
    co_return NtStatus::Success;
  }
  auto payload = validate_negotiate_payload(offer_);
  smb2::IoctlRequest r;
  r.ctl_code = smb2::fsctl::kValidateNegotiateInfo;
  r.file_id = smb2::kRelatedFileId;  // all ones
  r.max_output_response = 24;
  r.flags = smb2::ioctl_flag::kIsFsctl;
  r.input = payload;
  smb2::Header h;
  h.command = smb2::Command::Ioctl;
  std::vector<std::byte> msg;
  if (smb2::append_message(h, r, msg) != NtStatus::Success) co_return NtStatus::InternalError;
  sign_validate_ = true;
  auto reply = co_await call_direct(std::move(msg), 1, &tree);
  sign_validate_ = false;
  if (reply.msg.empty()) co_return reply.status;
  const bool sealed = encrypt_all_ || tree.encrypt;
  if (!sealed) {
    // The answer must be signed with the session's key, whatever it says.
    if (!(reply.header.flags & smb2::header_flag::kSigned) ||
        !auth::verify_message(reply.msg, signing_key_, neg_.signing)) {
      co_return NtStatus::AccessDenied;
    }
  }
  // A server without the FSCTL answers with a signed error (MS-SMB2 3.2.5.14.12 notes).
  if (reply.status == NtStatus::NotSupported || reply.status == NtStatus::InvalidDeviceRequest ||
      reply.status == NtStatus::FileClosed) {
    co_return NtStatus::Success;
  }
  if (!nt_success(reply.status)) co_return NtStatus::AccessDenied;
  auto resp = smb2::decode_ioctl_response(reply.msg);
  if (!resp) co_return NtStatus::AccessDenied;
  co_return check_validate_negotiate(resp->output, neg_);
}

}  // namespace lwsmb::fuse_rdr
