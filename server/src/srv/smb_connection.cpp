#include "srv/smb_connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/srv_async.hpp"
#include "srv/srv_oplock.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"
#include "srv/srv_session_policy.hpp"
#include "srv/srv_transform.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

// The largest transport message accepted: an 8 MiB write plus headers (MS-SMB2 3.3.5.2:
// the server may disconnect on a message beyond its maximum sizes).
constexpr uint32_t kMaxMessage = 8 * 1024 * 1024 + 64 * 1024;
// rbuf_: what one recv takes when no large frame is under way; a frame that does not fit is
// received into its own buffer. A connection starts with a small rbuf_: most connections sit
// idle or send small requests, and a thousand idle clients must not cost a thousand large
// buffers. It grows (up to kRecvChunk) when a burst of requests arrives.
constexpr size_t kRecvChunk = 64 * 1024;
constexpr size_t kRecvInitial = 16 * 1024;
// Credits a client may hold at once (MS-SMB2 3.3.1.2 leaves the number to the server).
constexpr uint64_t kMaxCredits = 8192;

static_assert(SmbConnection::kResponseHeadroom ==
              smb2::kTransportHeaderSize + smb2::kTransformHeaderSize);
// Responses of a compound chain are 8-byte aligned relative to out[0].
static_assert(SmbConnection::kResponseHeadroom % 8 == 0);

bool is_failure_without_body(NtStatus st) {
  return !nt_success(st) && st != NtStatus::MoreProcessingRequired &&
         st != NtStatus::BufferOverflow;
}

}  // namespace

SmbConnection::SmbConnection(SrvServer& server, EventLoop& loop, UniqueFd fd, uint64_t id)
    : server_(server), loop_(loop), fd_(std::move(fd)), id_(id) {}

SmbConnection::~SmbConnection() = default;

void SmbConnection::start() {
  auto self = shared_from_this();
  loop_.post([self] { self->post_recv(); });
}

void SmbConnection::close() {
  if (closed_) return;
  closed_ = true;
  ::shutdown(fd_.get(), SHUT_RDWR);
  // Opens close through their handles (RAII); sessions go with the state.
  state_.opens.clear();
  state_.sessions.clear();
  server_.forget(id_);
}

void SmbConnection::post_recv() {
  if (closed_) return;
  auto self = shared_from_this();
  std::span<std::byte> into;
  if (!big_.empty()) {
    into = big_.span().subspan(big_have_);
  } else {
    if (rbuf_.size() - rlen_ < kRecvInitial / 4 && rbuf_.size() < kRecvChunk) {
      rbuf_.resize(std::min(std::max(rbuf_.size() * 2, kRecvInitial), kRecvChunk));
    }
    into = std::span(rbuf_).subspan(rlen_);
  }
  loop_.recv(fd_.get(), into, [self](int res) { self->on_recv(res); });
}

void SmbConnection::on_recv(int res) {
  if (closed_) return;
  if (res <= 0) {
    if (res < 0 && res != -ECONNRESET) log::debug("connection ", id_, ": recv: ", -res);
    close();
    return;
  }
  if (!big_.empty()) {
    big_have_ += static_cast<size_t>(res);
    if (big_have_ == big_.size()) {
      big_have_ = 0;
      spawn(process_frame(std::move(big_)));
      big_ = IoBuffer();
      if (closed_) return;
    }
    post_recv();
    return;
  }
  rlen_ += static_cast<size_t>(res);
  size_t pos = 0;
  while (rlen_ - pos >= smb2::kTransportHeaderSize) {
    auto len = smb2::decode_transport_header(std::span(rbuf_).subspan(pos, rlen_ - pos));
    if (!len || *len > kMaxMessage || *len < 4) {
      log::info("connection ", id_, ": bad transport header; closing");
      close();
      return;
    }
    const size_t have = rlen_ - pos - smb2::kTransportHeaderSize;
    const auto* first = rbuf_.data() + pos + smb2::kTransportHeaderSize;
    if (have < *len) {
      // The rest of a frame larger than what rbuf_ holds (a large WRITE) goes straight into
      // the buffer it is processed from: rbuf_ never grows and the payload is not moved.
      if (smb2::kTransportHeaderSize + *len > rbuf_.size()) {
        big_ = IoBuffer(*len);
        std::copy(first, first + have, big_.data());
        big_have_ = have;
        pos = rlen_;
      }
      break;
    }
    IoBuffer frame(*len);
    std::copy(first, first + *len, frame.data());
    pos += smb2::kTransportHeaderSize + *len;
    spawn(process_frame(std::move(frame)));
    if (closed_) return;
  }
  if (pos > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + pos, rlen_ - pos);
    rlen_ -= pos;
  }
  post_recv();
}

void SmbConnection::send_message(std::vector<std::byte> smb_message) {
  if (closed_) return;
  std::array<std::byte, 4> th{};
  if (!smb2::encode_transport_header(static_cast<uint32_t>(smb_message.size()), th)) {
    close();
    return;
  }
  smb_message.insert(smb_message.begin(), th.begin(), th.end());
  sendq_.push_back({std::move(smb_message), 0, IoBuffer(), 0, SpliceTail()});
  pump_send();
}

void SmbConnection::send_framed(std::vector<std::byte> framed, size_t at, IoBuffer tail,
                                SpliceTail splice) {
  if (closed_) return;
  const size_t total = framed.size() - std::min(at, framed.size()) + tail.size() + splice.length;
  if (at > framed.size() || total < 4 || total - 4 > UINT32_MAX ||
      !smb2::encode_transport_header(static_cast<uint32_t>(total - 4),
                                     std::span(framed).subspan(at).first<4>())) {
    close();
    return;
  }
  sendq_.push_back({std::move(framed), at, std::move(tail), 0, std::move(splice)});
  pump_send();
}

void SmbConnection::pump_send() {
  if (sending_ || sendq_.empty() || closed_) return;
  sending_ = true;
  auto self = shared_from_this();
  auto& front = sendq_.front();
  const auto head = std::span<const std::byte>(front.head).subspan(front.pos);
  const bool tail_left = front.tail_pos < front.tail.size();
  const bool splicing = head.empty() && !tail_left && front.splice.length > 0;
  auto done = [self, splicing](int res) {
    self->sending_ = false;
    if (self->closed_) return;
    if (res <= 0) {
      self->close();
      return;
    }
    auto& item = self->sendq_.front();
    size_t n = static_cast<size_t>(res);
    if (splicing) {
      item.splice.length -= std::min(n, item.splice.length);
    } else {
      const size_t from_head = std::min(n, item.head.size() - item.pos);
      item.pos += from_head;
      item.tail_pos += n - from_head;
    }
    if (item.pos >= item.head.size() && item.tail_pos >= item.tail.size() &&
        item.splice.length == 0) {
      return_splice_pipe(std::move(item.splice.pipe), true);
      self->sendq_.pop_front();
    }
    self->pump_send();
  };
  const int fd = fd_.get();
  if (splicing) {
    // The READ data: page references from the pipe into the socket, no copy.
    const int from = front.splice.pipe->read_end.get();
    const auto len = static_cast<unsigned>(std::min<size_t>(front.splice.length, 0x7ffff000u));
    loop_.submit(
        [from, fd, len](io_uring_sqe* sqe) { io_uring_prep_splice(sqe, from, -1, fd, -1, len, 0); },
        std::move(done));
    return;
  }
  // More of the message follows from a pipe: let TCP hold the header for it.
  const int flags = MSG_NOSIGNAL | (front.splice.length > 0 ? MSG_MORE : 0);
  if (!tail_left) {
    loop_.submit(
        [fd, head, flags](io_uring_sqe* sqe) {
          io_uring_prep_send(sqe, fd, head.data(), head.size(), flags);
        },
        std::move(done));
    return;
  }
  // Header and READ data in one sendmsg: one system call, one TCP push.
  const auto tail = front.tail.span().subspan(front.tail_pos);
  int n = 0;
  if (!head.empty()) {
    send_iov_[n++] = {const_cast<std::byte*>(head.data()), head.size()};
  }
  send_iov_[n++] = {tail.data(), tail.size()};
  send_msg_ = {};
  send_msg_.msg_iov = send_iov_;
  send_msg_.msg_iovlen = static_cast<size_t>(n);
  loop_.submit(
      [this, fd, flags](io_uring_sqe* sqe) { io_uring_prep_sendmsg(sqe, fd, &send_msg_, flags); },
      std::move(done));
}

namespace {

// MS-SMB2 3.3.5.2.3: every message id (and the credit charge range above it) must lie in the
// window of granted, unused ids.
bool consume_credits(ConnectionState& st, uint64_t mid, uint64_t charge) {
  if (charge == 0) charge = 1;
  if (mid < st.credit_low || mid + charge > st.credit_low + st.credits_granted) return false;
  for (uint64_t id = mid; id < mid + charge; ++id) {
    if (st.used_ids_above_low.count(id)) return false;
  }
  for (uint64_t id = mid; id < mid + charge; ++id) st.used_ids_above_low[id] = 1;
  while (st.used_ids_above_low.count(st.credit_low)) {
    st.used_ids_above_low.erase(st.credit_low);
    ++st.credit_low;
    --st.credits_granted;
  }
  return true;
}

uint16_t grant_credits(ConnectionState& st, uint16_t requested, uint16_t charge) {
  uint64_t outstanding = st.credits_granted - st.used_ids_above_low.size();
  uint64_t want = std::max<uint64_t>({requested, 1, charge ? 1u : 1u});
  uint64_t room = outstanding >= kMaxCredits ? 0 : kMaxCredits - outstanding;
  uint64_t grant = std::min(want, room);
  if (grant == 0 && outstanding == 0) grant = 1;  // never leave the client without a credit
  st.credits_granted += grant;
  return static_cast<uint16_t>(grant);
}

Task<NtStatus> dispatch(SmbRequest& req) {
  switch (req.hdr.command) {
    case smb2::Command::Negotiate:
      co_return co_await handle_negotiate(req);
    case smb2::Command::SessionSetup:
      co_return co_await handle_session_setup(req);
    case smb2::Command::Logoff:
      co_return co_await handle_logoff(req);
    case smb2::Command::TreeConnect:
      co_return co_await handle_tree_connect(req);
    case smb2::Command::TreeDisconnect:
      co_return co_await handle_tree_disconnect(req);
    case smb2::Command::Create:
      co_return co_await handle_create(req);
    case smb2::Command::Close:
      co_return co_await handle_close(req);
    case smb2::Command::Flush:
      co_return co_await handle_flush(req);
    case smb2::Command::Read:
      co_return co_await handle_read(req);
    case smb2::Command::Write:
      co_return co_await handle_write(req);
    case smb2::Command::Lock:
      co_return co_await handle_lock(req);
    case smb2::Command::Ioctl:
      co_return co_await handle_ioctl(req);
    case smb2::Command::Echo:
      co_return co_await handle_echo(req);
    case smb2::Command::QueryDirectory:
      co_return co_await handle_query_directory(req);
    case smb2::Command::ChangeNotify:
      co_return co_await handle_change_notify(req);
    case smb2::Command::QueryInfo:
      co_return co_await handle_query_info(req);
    case smb2::Command::SetInfo:
      co_return co_await handle_set_info(req);
    case smb2::Command::OplockBreak:
      co_return co_await handle_oplock_break(req);
    case smb2::Command::Cancel:
    default:
      co_return NtStatus::InvalidParameter;
  }
}

// Commands whose request carries a FileId (the ones a failed related CREATE fails).
bool uses_file_id(smb2::Command c) {
  switch (c) {
    case smb2::Command::Close:
    case smb2::Command::Flush:
    case smb2::Command::Read:
    case smb2::Command::Write:
    case smb2::Command::Lock:
    case smb2::Command::Ioctl:
    case smb2::Command::QueryDirectory:
    case smb2::Command::ChangeNotify:
    case smb2::Command::QueryInfo:
    case smb2::Command::SetInfo:
    case smb2::Command::OplockBreak:
      return true;
    default:
      return false;
  }
}

// Commands that need a valid session (MS-SMB2 3.3.5.2.9).
bool needs_session(smb2::Command c) {
  return c != smb2::Command::Negotiate && c != smb2::Command::SessionSetup &&
         c != smb2::Command::Echo && c != smb2::Command::Cancel;
}

}  // namespace

uint16_t grant_response_credits(ConnectionState& st, uint16_t requested, uint16_t charge) {
  return grant_credits(st, requested, charge);
}

Task<void> SmbConnection::process_frame(IoBuffer frame) {
  auto self = shared_from_this();  // the connection outlives every request it runs
  const auto kind = smb2::classify_protocol(frame);
  if (kind == smb2::ProtocolKind::Smb1) {
    auto dialects = smb2::decode_smb1_negotiate_dialects(frame);
    bool ok = false;
    std::vector<std::byte> answer;
    if (dialects && !state_.negotiated) answer = smb1_negotiate_answer(*this, *dialects, &ok);
    if (!ok) {
      log::info("connection ", id_, ": SMB1 request without an SMB2 dialect; closing");
      close();
      co_return;
    }
    send_message(std::move(answer));
    co_return;
  }
  // An encrypted request is answered encrypted under the same session (MS-SMB2 3.3.4.1.4).
  std::optional<DecryptedRequest> encrypted;
  std::span<const std::byte> input = frame;
  if (kind == smb2::ProtocolKind::Transform) {
    encrypted = decrypt_request(state_, frame);
    if (!encrypted || smb2::classify_protocol(encrypted->message) != smb2::ProtocolKind::Smb2) {
      log::info("connection ", id_, ": undecryptable transform message; closing");
      close();
      co_return;
    }
    input = encrypted->message;
  } else if (kind != smb2::ProtocolKind::Smb2) {
    log::info("connection ", id_, ": unsupported protocol id; closing");
    close();
    co_return;
  }
  auto msgs = smb2::split_compound(input);
  if (!msgs) {
    log::info("connection ", id_, ": malformed compound chain; closing");
    close();
    co_return;
  }

  struct Signing {
    size_t start;
    std::vector<std::byte> key;
    auth::SigningAlgorithm alg;
  };
  std::vector<Signing> to_sign;
  std::vector<size_t> starts;
  // The response is built after room for its framing (see kResponseHeadroom); a READ may leave
  // its data in `tail` rather than in out.
  std::vector<std::byte> out(kResponseHeadroom);
  IoBuffer tail;
  SpliceTail splice;
  ChainState chain;
  for (auto m : *msgs) {
    if (closed_) co_return;
    auto h = smb2::decode_header(m);
    if (!h || h->is_response()) {
      close();
      co_return;
    }
    if (!state_.negotiated && h->command != smb2::Command::Negotiate) {
      close();
      co_return;
    }
    if (h->command == smb2::Command::Cancel) {
      handle_cancel(*this, *h, m, encrypted.has_value());  // no response, no credit (3.3.5.16)
      continue;
    }
    const uint16_t charge = state_.dialect > smb2::dialect::kSmb202 ? h->credit_charge : 1;
    if (!consume_credits(state_, h->message_id, charge)) {
      log::info("connection ", id_, ": message id ", h->message_id, " outside the credit window");
      close();
      co_return;
    }
    const size_t start = starts.empty() ? kResponseHeadroom : smb2::chain_next(out, starts.back());
    starts.push_back(start);
    out.resize(start + smb2::kHeaderSize);

    // MS-SMB2 3.3.5.2.7.2: a related request inherits the session, tree and file of the one
    // before it; an unrelated one starts afresh.
    const bool related = (h->flags & smb2::header_flag::kRelatedOperations) != 0;
    if (!related) {
      chain.file_persistent = ~uint64_t{0};
      chain.file_volatile = ~uint64_t{0};
      chain.create_status = NtStatus::Success;
    }
    SmbRequest req{*this, *h, m, chain};
    req.out_ptr = &out;
    req.msg_start = start;
    req.session_id = related ? chain.session_id : h->session_id;
    req.tree_id = related ? chain.tree_id : h->tree_id;
    req.response_session_id = req.session_id;
    req.encrypted = encrypted ? &*encrypted : nullptr;
    req.tail_ptr = msgs->size() == 1 ? &tail : nullptr;
    req.splice_tail = msgs->size() == 1 && !encrypted ? &splice : nullptr;

    NtStatus st = NtStatus::Success;
    Session* s = nullptr;
    bool session_ok = false;
    std::vector<std::byte> pre_key;
    if (related && chain.first) {
      st = NtStatus::InvalidParameter;  // the first request has nothing to relate to
    } else {
      auto it = state_.sessions.find(req.session_id);
      s = it == state_.sessions.end() ? nullptr : it->second.get();
      session_ok = s && s->phase == Session::Phase::Valid;
      const bool is_signed = (h->flags & smb2::header_flag::kSigned) != 0;
      // Decryption already authenticated the request; it is not signed (MS-SMB2 3.3.5.2.4).
      if (session_ok && !s->signing_key.empty() && !encrypted) {
        if (is_signed) {
          if (!auth::verify_message(m, s->signing_key, state_.signing_algorithm)) {
            log::info("connection ", id_, ": bad signature on ", static_cast<int>(h->command));
            st = NtStatus::AccessDenied;
          }
          req.sign_response = true;
        } else if (s->signing_required && h->command != smb2::Command::Negotiate &&
                   h->command != smb2::Command::SessionSetup) {
          log::debug("connection ", id_, ": unsigned request on a signed session");
          st = NtStatus::AccessDenied;
        }
      }
      if (nt_success(st) && needs_session(h->command) && !session_ok) {
        // A related request whose predecessor had no valid session is malformed as a chain.
        st = related ? NtStatus::InvalidParameter : NtStatus::UserSessionDeleted;
      }
      if (nt_success(st) && session_ok && needs_session(h->command)) {
        st = check_request_policy(*s, req.tree_id, h->command, encrypted.has_value());
      }
      if (nt_success(st) && related && uses_file_id(h->command) &&
          !nt_success(chain.create_status)) {
        st = chain.create_status;
      }
      // A LOGOFF response is still signed with the key of the session it ends.
      if (s && !s->signing_key.empty()) {
        pre_key = s->signing_key;
      }
      if (nt_success(st)) st = co_await dispatch(req);
      if (closed_) co_return;
    }
    // Handlers may have run other requests meanwhile: look the session up again.
    auto it = state_.sessions.find(req.response_session_id);
    s = it == state_.sessions.end() ? nullptr : it->second.get();

    if (!nt_success(st) && log::enabled(log::Level::Debug)) {
      log::debug("connection ", id_, ": command ", static_cast<int>(h->command), " mid ",
                 h->message_id, ": ", ntstatus_name(st));
    }
    if (is_failure_without_body(st)) {
      out.resize(start + smb2::kHeaderSize);
      (void)smb2::encode_body(smb2::ErrorResponse{}, out, start);
    }
    smb2::Header rh;
    rh.command = h->command;
    rh.status = static_cast<uint32_t>(st);
    rh.flags =
        smb2::header_flag::kServerToRedir | (related ? smb2::header_flag::kRelatedOperations : 0);
    rh.message_id = h->message_id;
    rh.credit_charge = h->credit_charge;
    rh.credit_request_response = grant_credits(state_, h->credit_request_response, charge);
    if (req.async_id != 0) {  // MS-SMB2 3.3.4.3: the interim response granted the credits
      rh.flags |= smb2::header_flag::kAsyncCommand;
      rh.async_id = req.async_id;
      rh.credit_request_response = 0;
    }
    rh.tree_id = req.tree_id;
    rh.session_id = req.response_session_id;
    rh.process_id = h->process_id;
    const std::vector<std::byte>& key = s && !s->signing_key.empty() ? s->signing_key : pre_key;
    if (req.sign_response && !key.empty() && st != NtStatus::Pending && !encrypted) {
      rh.flags |= smb2::header_flag::kSigned;
      to_sign.push_back({start, key, state_.signing_algorithm});
    }
    smb2::encode_header(rh, std::span(out).subspan(start, smb2::kHeaderSize));
    chain.first = false;
    chain.session_id = session_ok ? req.response_session_id : 0;
    chain.tree_id = session_ok ? req.tree_id : 0;
    chain.last_status = st;
    if (h->command == smb2::Command::Create) {
      chain.create_status = nt_success(st) ? NtStatus::Success : st;
      if (!nt_success(st)) {
        chain.file_persistent = ~uint64_t{0};
        chain.file_volatile = ~uint64_t{0};
      }
    }
    if (h->command == smb2::Command::Negotiate || h->command == smb2::Command::SessionSetup) {
      req.after_response(std::span(out).subspan(start));
    }
  }
  if (starts.empty()) co_return;
  if (splice.length > 0 && !to_sign.empty()) {
    // Not made for a signed response (the READ handler checks); should one get here, the data
    // comes out of the pipe into the message.
    const size_t at = out.size();
    out.resize(at + splice.length);
    size_t got = 0;
    while (got < splice.length) {
      ssize_t n = ::read(splice.pipe->read_end.get(), out.data() + at + got, splice.length - got);
      if (n <= 0) {
        close();
        co_return;
      }
      got += static_cast<size_t>(n);
    }
    return_splice_pipe(std::move(splice.pipe), true);
    splice.length = 0;
  }
  // A tail joins the message when a compound chain has to be signed (its padding follows the
  // tail), or a cipher takes the message in one piece (CCM). A single signed response is signed
  // over message and tail where they lie.
  if (!tail.empty() &&
      ((!to_sign.empty() && starts.size() > 1) ||
       (encrypted && encrypted->cipher != static_cast<uint16_t>(auth::SmbCipher::Aes128Gcm) &&
        encrypted->cipher != static_cast<uint16_t>(auth::SmbCipher::Aes256Gcm)))) {
    out.insert(out.end(), tail.data(), tail.data() + tail.size());
    tail = IoBuffer();
  }
  // MS-SMB2 3.3.4.1.3: every response of a compound chain starts 8-byte aligned; Windows pads
  // the last one too (smbtorture compound.compound-padding), so it is signed with its padding.
  if (starts.size() > 1) out.resize((out.size() + 7) & ~size_t{7}, std::byte{0});
  for (const auto& sgn : to_sign) {
    auto pos = std::find(starts.begin(), starts.end(), sgn.start);
    const bool last = pos + 1 == starts.end();
    size_t end = last ? out.size() : *(pos + 1);
    (void)auth::sign_message(std::span(out).subspan(sgn.start, end - sgn.start),
                             last ? tail.span() : std::span<const std::byte>(), sgn.key, sgn.alg);
  }
  if (encrypted) {
    // Sealed where it lies: the transform header goes into the headroom.
    if (!encrypt_response_in_place(*encrypted, std::span(out).subspan(4), tail.span())) {
      close();
      co_return;
    }
    send_framed(std::move(out), 0, std::move(tail));
    co_return;
  }
  send_framed(std::move(out), kResponseHeadroom - 4, std::move(tail), std::move(splice));
}

}  // namespace lwsmb::server
