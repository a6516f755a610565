// The server side of SMB2 connections for rdr's unit tests, on 127.0.0.1: a listening socket,
// and per accepted connection blocking I/O with bounded waits, replies built from a request's
// header, and the NEGOTIATE / anonymous SESSION_SETUP / TREE_CONNECT exchange that every
// scripted test starts with.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/proto/smb2.hpp"

namespace lwsmb::test {

class FakeSmb2Peer {
 public:
  FakeSmb2Peer(int fd, uint64_t session_id, uint32_t tree_id, uint16_t default_credits)
      : fd_(fd), session_id_(session_id), tree_id_(tree_id), default_credits_(default_credits) {}
  ~FakeSmb2Peer() {
    if (fd_ >= 0) ::close(fd_);
  }
  FakeSmb2Peer(const FakeSmb2Peer&) = delete;
  FakeSmb2Peer& operator=(const FakeSmb2Peer&) = delete;

  // Waits up to ms for data; false on timeout.
  bool readable(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }
  bool read_exact(void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
      if (!readable(5000)) return false;
      ssize_t r = ::recv(fd_, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  // The next message without its transport header; empty on a timeout or a closed connection.
  std::vector<std::byte> recv_message() {
    std::array<std::byte, 4> th{};
    if (!read_exact(th.data(), 4)) return {};
    auto len = proto::smb2::decode_transport_header(th);
    if (!len) return {};
    std::vector<std::byte> m(*len);
    if (!read_exact(m.data(), m.size())) return {};
    return m;
  }
  void send_raw(const std::vector<std::byte>& m) {
    std::array<std::byte, 4> th{};
    proto::smb2::encode_transport_header(static_cast<uint32_t>(m.size()), th);
    std::vector<std::byte> out(th.begin(), th.end());
    out.insert(out.end(), m.begin(), m.end());
    ASSERT_EQ(::send(fd_, out.data(), out.size(), MSG_NOSIGNAL), static_cast<ssize_t>(out.size()));
  }
  // A response to `req` granting `credits` (-1: the peer's default).
  template <class Body>
  void reply(const proto::smb2::Header& req, uint32_t status, const Body& body, int credits = -1,
             uint64_t async_id = 0) {
    namespace smb2 = proto::smb2;
    smb2::Header h;
    h.command = req.command;
    h.flags = smb2::header_flag::kServerToRedir;
    h.status = status;
    h.message_id = req.message_id;
    h.credit_request_response =
        static_cast<uint16_t>(credits < 0 ? default_credits_ : static_cast<uint16_t>(credits));
    h.session_id = session_id_;
    h.tree_id = tree_id_;
    if (async_id) {
      h.flags |= smb2::header_flag::kAsyncCommand;
      h.async_id = async_id;
    }
    std::vector<std::byte> out;
    ASSERT_EQ(smb2::append_message(h, body, out), NtStatus::Success);
    send_raw(out);
  }
  void shut() { ::shutdown(fd_, SHUT_RDWR); }

  // The next message must be a CLOSE of `file_id`; it is answered.
  void serve_close(const proto::smb2::FileId& file_id) {
    namespace smb2 = proto::smb2;
    auto m = recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Close);
    auto cl = smb2::decode_close_request(m);
    ASSERT_TRUE(cl.ok());
    EXPECT_EQ(cl->file_id, file_id);
    reply(*h, 0, smb2::CloseResponse{});
  }

  // NEGOTIATE (answered with `dialect` and `capabilities`, 64 KiB maximums), an anonymous
  // SESSION_SETUP (its PreviousSessionId goes to *previous when given) and TREE_CONNECT, each
  // answered with `credits` credits.
  void serve_setup(uint16_t dialect, uint32_t capabilities, int credits,
                   uint64_t* previous = nullptr) {
    namespace smb2 = proto::smb2;
    auto m = recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Negotiate);
    smb2::NegotiateResponse nr;
    nr.security_mode = smb2::security_mode::kSigningEnabled;
    nr.dialect_revision = dialect;
    nr.capabilities = capabilities;
    nr.max_transact_size = nr.max_read_size = nr.max_write_size = 65536;
    auto token = auth::SpnegoServer::negotiate_token();
    nr.security_buffer = token;
    reply(*h, 0, nr, credits);
    auth::NtlmServerConfig cfg;
    cfg.netbios_computer = u"FAKE";
    cfg.netbios_domain = u"FAKE";
    cfg.allow_guest = true;
    cfg.lookup_nt_hash = [](std::u16string_view, std::u16string_view) {
      return std::optional<auth::NtHash>();
    };
    auth::SpnegoServer spnego(cfg);
    for (;;) {
      m = recv_message();
      h = smb2::decode_header(m);
      ASSERT_TRUE(h.ok());
      ASSERT_EQ(h->command, smb2::Command::SessionSetup);
      auto ss = smb2::decode_session_setup_request(m);
      ASSERT_TRUE(ss.ok());
      if (previous) *previous = ss->previous_session_id;
      auto step = spnego.step(ss->security_buffer);
      ASSERT_TRUE(step.ok());
      smb2::SessionSetupResponse sr;
      sr.security_buffer = step->output;
      if (step->done) {
        sr.session_flags = smb2::session_flag::kIsNull;
        reply(*h, 0, sr, credits);
        break;
      }
      reply(*h, static_cast<uint32_t>(NtStatus::MoreProcessingRequired), sr, credits);
    }
    m = recv_message();
    h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::TreeConnect);
    reply(*h, 0, smb2::TreeConnectResponse{}, credits);
  }

 protected:
  int fd_;
  uint64_t session_id_;
  uint32_t tree_id_;
  uint16_t default_credits_;
};

// A listening socket on 127.0.0.1 with a free port.
class FakeSmb2Listener {
 public:
  FakeSmb2Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~FakeSmb2Listener() { ::close(fd_); }
  FakeSmb2Listener(const FakeSmb2Listener&) = delete;
  FakeSmb2Listener& operator=(const FakeSmb2Listener&) = delete;
  uint16_t port() const { return port_; }
  // The next connection's fd, or -1 after timeout_ms without one.
  int accept(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return -1;
    return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace lwsmb::test
