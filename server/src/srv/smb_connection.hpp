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

#include <sys/socket.h>
#include <sys/uio.h>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/task.hpp"
#include "srv/io_buffer.hpp"
#include "srv/smb_state.hpp"
#include "srv/splice_pipe.hpp"
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
  // Like send_message, but framed[at..at+4) is room for the Direct TCP header (a message or a
  // transform message sealed in place behind it): nothing is moved. `tail`, when not empty, is
  // the end of the message (READ data), sent from where it lies.
  void send_framed(std::vector<std::byte> framed, size_t at = 0, IoBuffer tail = {},
                   SpliceTail splice = {});

  // Bytes in front of a response under construction: the Direct TCP header and a transform
  // header, so that the response is framed (and sealed) where it was built.
  static constexpr size_t kResponseHeadroom = 4 + 52;

 private:
  struct SendItem {
    std::vector<std::byte> head;
    size_t pos = 0;  // next byte of head to send
    IoBuffer tail;
    size_t tail_pos = 0;
    SpliceTail splice;  // after head (and tail): data waiting in a pipe
  };

  void post_recv();
  void on_recv(int res);
  void pump_send();
  Task<void> process_frame(IoBuffer frame);

  SrvServer& server_;
  EventLoop& loop_;
  UniqueFd fd_;
  uint64_t id_;
  bool closed_ = false;

  std::vector<std::byte> rbuf_;
  size_t rlen_ = 0;
  // A large frame (a WRITE) is received straight into its own buffer, past rbuf_.
  IoBuffer big_;
  size_t big_have_ = 0;

  std::deque<SendItem> sendq_;
  bool sending_ = false;
  iovec send_iov_[2]{};  // the send in flight (head rest, tail rest)
  msghdr send_msg_{};

  ConnectionState state_;
};

}  // namespace lwsmb::server
