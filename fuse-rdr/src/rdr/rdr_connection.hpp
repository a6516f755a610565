// One SMB2/3 connection of the rdr driver to a (server, port, user): the socket on an io_uring
// loop, NEGOTIATE and SESSION_SETUP, the credit window with pipelined requests matched by
// MessageId, signing and encryption, tree connects shared between opens, and keep-alive ECHO.
// Everything after construction runs on the connection's loop thread.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/result.hpp"
#include "lwsmb/iocore/task.hpp"
#include "rdr/credit_window.hpp"
#include "rdr/rdr_async.hpp"
#include "rdr/rdr_durable.hpp"
#include "rdr/rdr_lease.hpp"
#include "rdr/rdr_wire.hpp"

namespace lwsmb::fuse_rdr {

// A share connected on the session. Opens count it; it stays until the connection goes.
struct RdrTree {
  RdrTree(EventLoop& loop, std::string name) : share(std::move(name)), ready(loop) {}
  std::string share;
  uint32_t tree_id = 0;
  uint32_t share_flags = 0;
  uint8_t share_type = smb2::share_type::kDisk;
  bool encrypt = false;
  int opens = 0;
  RdrEvent ready;
};

// The final answer to one request.
struct RdrReply {
  NtStatus status = NtStatus::Pending;
  smb2::Header header;
  std::vector<std::byte> msg;  // the whole message (header and body); empty when none came
  bool lost = false;           // internal: the connection dropped before the answer came
  uint64_t link_gen = 0;       // which TCP connection the answer came on
};

// Lets an IRP's cancel routine reach the request on the wire (SMB2 CANCEL, MS-SMB2 3.2.4.24).
struct RdrCallTicket {
  uint64_t message_id = 0;
  uint64_t async_id = 0;
  bool sent = false;
  bool done = false;
};

class RdrConnection : public std::enable_shared_from_this<RdrConnection> {
 public:
  RdrConnection(EventLoop& loop, std::string server, uint16_t port, const RdrOptions& options);
  ~RdrConnection();
  RdrConnection(const RdrConnection&) = delete;
  RdrConnection& operator=(const RdrConnection&) = delete;

  EventLoop& loop() { return loop_; }
  const std::string& server() const { return server_; }
  const RdrOptions& options() const { return options_; }
  // Leases, oplocks and the registry of this connection's opens (rdr_lease.hpp).
  RdrLeaseTable& leases() { return leases_; }
  // Read from any thread (the driver checks it before reusing a connection).
  bool dead() const { return dead_.load(std::memory_order_acquire); }
  const Negotiated& negotiated() const { return neg_; }
  // Largest READ / WRITE payload per request: the server's maximum capped by rsize / wsize,
  // 64 KiB without multi-credit support.
  uint32_t max_read() const;
  uint32_t max_write() const;
  uint32_t max_transact() const;
  uint32_t credits_available() const { return credits_.available(); }

  // Called once when the connection fails or closes, so the owner can forget it.
  void set_on_dead(std::function<void()> fn) { on_dead_ = std::move(fn); }

  // Connects, negotiates and sets up the session on first use; later callers wait for that.
  Task<NtStatus> ensure_ready();
  // TREE_CONNECT to \\server\share, shared between opens.
  Task<NtStatus> connect_tree(const std::string& share, std::shared_ptr<RdrTree>* out);

  // Sends one request (header and body as append_message() built it; the header's ids, credits
  // and flags are filled in here) charged `charge` credits, and waits for its final response.
  // tree may be null (session-level requests). On a session that can expire (Kerberos), an
  // answer of STATUS_NETWORK_SESSION_EXPIRED re-authenticates the session (MS-SMB2 3.2.5.1.x,
  // 3.2.4.2.3) and sends the request again; when that fails the caller gets the expiry status.
  Task<RdrReply> call(std::vector<std::byte> msg, uint32_t charge, const RdrTree* tree,
                      std::shared_ptr<RdrCallTicket> ticket = nullptr,
                      auth::PreauthHash* preauth = nullptr);
  // Sends related requests as one compound chain (MS-SMB2 3.2.4.1.4): one credit each, the
  // second and later flagged RELATED (they name the first's FileId as all ones), signed one by
  // one, encrypted together. One reply per request, in order.
  Task<std::vector<RdrReply>> call_compound(std::vector<std::vector<std::byte>> msgs,
                                            const RdrTree* tree);
  // Sends SMB2 CANCEL for a request still in flight.
  void cancel(const std::shared_ptr<RdrCallTicket>& ticket);

  // Fails every request in flight with `why` and drops the socket.
  void close(NtStatus why);

  // Teardown (rdr_teardown.cpp): CLOSE of the opens still registered, TREE_DISCONNECT of every
  // tree, LOGOFF, then the socket closes. Any failure on the way just closes the socket.
  Task<void> shutdown_gracefully();
  // CREATEs routed to this connection and not finished yet (counted by the driver under its
  // lock, so that an idle connection is never retired under a CREATE).
  std::atomic<int> creates{0};
  // Called on the loop after a CREATE or CLOSE: arms the idle watch when nothing is open.
  void note_activity();
  // Asked on the loop when the connection has been idle for options().idle_timeout: true lets
  // it log off and disconnect (the owner has forgotten it by then).
  void set_on_idle(std::function<bool()> fn) { on_idle_ = std::move(fn); }
  // Set once the connection logs off on purpose (idle or shutdown): not a failure to recover.
  bool retiring() const { return retiring_; }
  // Opens (rdr_durable.hpp). register_open keeps what a reconnect needs and returns the
  // client-side handle the RdrFile uses as its FileId; forget_open drops it after CLOSE.
  smb2::FileId register_open(std::shared_ptr<RdrTree> tree, smb2::CreateRequest sent,
                             const smb2::CreateResponse& resp, RdrDurability asked,
                             const smb2::Guid& create_guid, uint64_t link_gen);
  void forget_open(const smb2::FileId& handle);
  // The server's FileId behind a client-side handle (the last one known, also for a lost
  // open); any other id is returned as it is.
  smb2::FileId server_file_id(const smb2::FileId& handle) const;
  // Times the connection was re-established after a drop (for logs and tests).
  uint64_t reconnects() const { return reconnects_; }

 private:
  struct Waiter {
    std::coroutine_handle<> h;
    RdrReply reply;
    std::shared_ptr<RdrCallTicket> ticket;
    bool done = false;
  };
  struct CreditWaiter {
    uint32_t charge = 0;
    std::coroutine_handle<> h;
    std::optional<uint64_t> message_id;  // set when granted; nullopt when the connection died
  };
  enum class State { New, Connecting, Ready, Failed };

  // Where a request names its open by client-side handle (swapped for the server's FileId
  // when it is sent).
  struct FileRef {
    size_t offset = 0;
    smb2::FileId handle;
  };
  Task<RdrReply> call_once(std::vector<std::byte> msg, uint32_t charge, const RdrTree* tree,
                           std::shared_ptr<RdrCallTicket> ticket, auth::PreauthHash* preauth);
  // One attempt on the current TCP connection; the message stays in `msg` (prepared, plain)
  // so that it can be sent again. *sent tells whether it went out.
  Task<RdrReply> call_buf(std::shared_ptr<std::vector<std::byte>> msg, uint32_t charge,
                          const RdrTree* tree, std::shared_ptr<RdrCallTicket> ticket,
                          auth::PreauthHash* preauth, const FileRef* ref, bool* sent);
  // One attempt, no retry after a reconnect: setup traffic, ECHO, the reconnect itself.
  Task<RdrReply> call_direct(std::vector<std::byte> msg, uint32_t charge, const RdrTree* tree);
  Task<std::vector<RdrReply>> call_compound_once(std::vector<std::vector<std::byte>> msgs,
                                                 const RdrTree* tree, bool* sent);
  // The server's FileId for a client-side handle on this TCP connection; FileClosed when the
  // open is gone, ConnectionDisconnected when a reconnect lost it.
  Result<smb2::FileId> resolve_handle(const smb2::FileId& handle) const;
  bool open_lost(const smb2::FileId& handle) const;
  std::optional<FileRef> file_ref(std::span<const std::byte> msg) const;
  // TREE_CONNECT for t (new or after a reconnect); direct: no waiting for a reconnect.
  Task<NtStatus> send_tree_connect(RdrTree& t, bool direct);

  // Reconnect (rdr_reconnect.cpp). lost(): the TCP connection failed; a connection that was
  // set up reconnects with backoff, one still being set up fails. drop_link(): closes the
  // socket side and fails what is in flight with RdrReply::lost.
  void lost(NtStatus why);
  void drop_link();
  Task<void> reconnect_loop(std::shared_ptr<RdrConnection> self);
  Task<NtStatus> reconnect_once();
  Task<void> reconnect_watchdog(std::shared_ptr<RdrConnection> self, uint64_t attempt);
  Task<void> wait_link_idle();
  Task<NtStatus> reopen(std::shared_ptr<RdrOpen> open);

  // Whether a request may be kept for a replay after re-authentication.
  bool may_expire(const std::vector<std::byte>& msg) const;
  // One re-authentication at a time; concurrent callers share its outcome.
  Task<NtStatus> reauthenticate();

  Task<NtStatus> establish();
  Task<void> setup_watchdog(std::shared_ptr<RdrConnection> self);
  Task<NtStatus> tcp_connect();
  Task<NtStatus> negotiate();
  // reauth: a new exchange on the live session; its keys stay (MS-SMB2 3.2.5.3.1).
  Task<NtStatus> session_setup(bool reauth = false);
  Task<void> echo_loop(std::shared_ptr<RdrConnection> self);
  Task<void> idle_watch(std::shared_ptr<RdrConnection> self);
  Task<NtStatus> simple_call(smb2::Command cmd, const RdrTree* tree);
  Task<NtStatus> validate_negotiate(const RdrTree& tree);

  // Takes `charge` credits, waiting in line when the window is short; nullopt when the
  // connection died or the request can never be sent.
  Task<std::optional<uint64_t>> take_credits(uint32_t charge);
  // Whether a request on this tree is encrypted / signed (MS-SMB2 3.2.4.1.1, 3.2.4.1.8).
  bool encrypts(const RdrTree* tree) const;
  bool signs(smb2::Command cmd, const RdrTree* tree) const;
  // Fills in the header and signs or encrypts; false when encoding failed.
  // When the request is encrypted, the transform message goes to *sealed and msg stays plain.
  bool prepare(std::vector<std::byte>& msg, uint64_t message_id, uint32_t charge,
               const RdrTree* tree, auth::PreauthHash* preauth, std::vector<std::byte>* sealed);
  void send_frame(std::vector<std::byte> frame);
  void send_frame(std::shared_ptr<std::vector<std::byte>> frame);
  void pump_send();
  void post_recv();
  void on_recv(int res);
  void on_frame(std::vector<std::byte> frame);
  void on_message(const IncomingMessage& m, std::vector<std::byte>* whole_frame, bool encrypted);
  void wake_credit_waiters();
  void finish(Waiter* w);
  // Answers every request in flight with `why` (`lost`: the link went, a reconnect may send it
  // again) and wakes the requests waiting for credits, which then find no message id.
  void fail_in_flight(NtStatus why, bool lost);

  EventLoop& loop_;
  std::string server_;
  uint16_t port_;
  RdrOptions options_;
  int fd_ = -1;
  State state_ = State::New;
  std::atomic<bool> dead_{false};
  NtStatus dead_status_ = NtStatus::ConnectionDisconnected;
  RdrEvent ready_;
  std::function<void()> on_dead_;

  // Negotiated connection state.
  NegotiateOffer offer_;
  Negotiated neg_;
  auth::PreauthHash conn_preauth_;

  // The one session of this connection (one connection per user).
  uint64_t session_id_ = 0;
  bool session_valid_ = false;
  bool signing_required_ = false;
  bool encrypt_all_ = false;
  bool kerberos_session_ = false;     // the session can expire with its ticket
  std::shared_ptr<RdrEvent> reauth_;  // set while a re-authentication runs
  std::vector<std::byte> signing_key_;
  std::vector<std::byte> encryption_key_;  // client to server
  std::vector<std::byte> decryption_key_;  // server to client

  std::map<std::string, std::shared_ptr<RdrTree>> trees_;  // by lower-cased share name

  CreditWindow credits_;
  std::deque<CreditWaiter*> credit_waiters_;
  // Waiters given message ids whose requests are not sent yet (their coroutines resume later).
  size_t granted_unsent_ = 0;
  std::unordered_map<uint64_t, Waiter*> pending_;

  // Receiving: small reads into rbuf_, a large frame straight into its own buffer.
  std::vector<std::byte> rbuf_;
  size_t rlen_ = 0;
  std::vector<std::byte> big_;
  size_t big_have_ = 0;
  bool recv_big_ = false;
  bool after_big_ = false;  // the last frame received was a big one (post_recv)

  // One transport frame on its way out: the 4-byte header goes with the message in one
  // sendmsg, so the message is never moved to make room for it.
  struct OutFrame {
    std::array<std::byte, 4> th{};
    std::vector<std::byte> body;
    std::shared_ptr<std::vector<std::byte>> shared;  // sent in place of body when set
    std::span<const std::byte> bytes() const {
      return shared ? std::span<const std::byte>(*shared) : std::span<const std::byte>(body);
    }
    size_t sent = 0;
    iovec iov[2]{};
    msghdr mh{};
  };
  std::deque<std::unique_ptr<OutFrame>> sendq_;
  bool sending_ = false;

  bool validated_ = false;      // FSCTL_VALIDATE_NEGOTIATE_INFO done (3.0 / 3.0.2)
  bool sign_validate_ = false;  // sign IOCTLs while the validation is under way
  EventLoop::OpId echo_timer_ = 0;
  EventLoop::OpId setup_timer_ = 0;
  bool echo_outstanding_ = false;

  RdrLeaseTable leases_{*this};
  std::function<bool()> on_idle_;
  bool retiring_ = false;
  bool idle_armed_ = false;
  EventLoop::OpId idle_timer_ = 0;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  // The TCP connection under the session: link_gen_ counts them; between a drop and the end of
  // a reconnect link_up_ is false or reconnecting_ is true, and new requests wait for
  // reconnect_ev_.
  bool link_up_ = false;
  uint64_t link_gen_ = 0;
  bool recv_busy_ = false;
  bool reconnecting_ = false;
  std::shared_ptr<RdrEvent> reconnect_ev_;
  uint64_t previous_session_id_ = 0;
  uint64_t attempt_ = 0;
  EventLoop::OpId attempt_timer_ = 0;
  uint64_t reconnects_ = 0;
  uint64_t next_handle_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<RdrOpen>> opens_;  // by handle.persistent
};

}  // namespace lwsmb::fuse_rdr
