// One client TCP connection: Direct TCP framing on the io_uring loop, a send queue, and the
// per-connection SMB2 state (dialect, sessions, opens). Everything here runs on the
// connection's own loop thread; IRP completions are posted back to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/task.hpp"
#include "srv/smb_state.hpp"
#include "srv/unique_fd.hpp"

namespace lwsmb::server {

class SrvServer;

class SmbConnection : public std::enable_shared_from_this<SmbConnection> {
 public:
  SmbConnection(SrvServer& server, EventLoop& loop, UniqueFd fd, uint64_t id);
  ~SmbConnection();

  void start();  // begins receiving; call on any thread
  void close();  // drops the connection; loop thread only
  bool closed() const { return closed_; }

  SrvServer& server() { return server_; }
  EventLoop& loop() { return loop_; }
  ConnectionState& state() { return state_; }
  uint64_t id() const { return id_; }

  // Queues one transport message (the 4-byte header is added here).
  void send_message(std::vector<std::byte> smb_message);
  // Like send_message, but the first 4 bytes of `framed` are room for the Direct TCP header
  // (a transform message sealed in place behind it): nothing is moved.
  void send_framed(std::vector<std::byte> framed);

 private:
  void post_recv();
  void on_recv(int res);
  void pump_send();
  Task<void> process_frame(std::vector<std::byte> frame);

  SrvServer& server_;
  EventLoop& loop_;
  UniqueFd fd_;
  uint64_t id_;
  bool closed_ = false;

  std::vector<std::byte> rbuf_;
  size_t rlen_ = 0;

  std::deque<std::vector<std::byte>> sendq_;
  size_t send_offset_ = 0;
  bool sending_ = false;

  ConnectionState state_;
};

}  // namespace lwsmb::server
