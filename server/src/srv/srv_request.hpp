// What a command handler gets and gives: the decoded header, the message, the state it works
// on, and the response body it appends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "lwsmb/iocore/task.hpp"
#include "lwsmb/proto/smb2_header.hpp"
#include "srv/io_buffer.hpp"
#include "srv/smb_state.hpp"
#include "srv/splice_pipe.hpp"

namespace lwsmb::server {

class SmbConnection;
struct DecryptedRequest;  // srv_transform.hpp

// Per compound chain: what related operations inherit (MS-SMB2 3.3.5.2.7.2).
struct ChainState {
  uint64_t session_id = 0;
  uint32_t tree_id = 0;
  uint64_t file_persistent = ~uint64_t{0};
  uint64_t file_volatile = ~uint64_t{0};
  NtStatus last_status = NtStatus::Success;
  // A failed CREATE fails the related requests after it with its status (MS-SMB2 3.3.5.2.7.2).
  NtStatus create_status = NtStatus::Success;
  bool first = true;
};

struct SmbRequest {
  SmbRequest(SmbConnection& c, const proto::smb2::Header& h, std::span<const std::byte> m,
             ChainState& ch)
      : conn(c), hdr(h), msg(m), chain(ch) {}

  SmbConnection& conn;
  proto::smb2::Header hdr;
  std::span<const std::byte> msg;  // the whole message, header included
  ChainState& chain;
  uint64_t session_id = 0;  // effective (after related-op substitution)
  uint32_t tree_id = 0;
  // Response under construction: its header starts at out()[msg_start]; a handler appends the
  // body and may set the response header fields below.
  std::vector<std::byte>* out_ptr = nullptr;
  size_t msg_start = 0;
  std::vector<std::byte>& out() { return *out_ptr; }
  // Where a READ may leave its data instead of appending it to out(): the response's last bytes,
  // sent (and sealed) from where they lie. Null when not allowed (a compound chain).
  IoBuffer* tail_ptr = nullptr;
  // Or in a pipe, spliced on into the socket: a plain (unsigned, unencrypted) single READ.
  SpliceTail* splice_tail = nullptr;
  // Runs with the finished response message (before signing): the 3.1.1 preauth hash.
  std::function<void(std::span<const std::byte>)> after_response_hook;
  void after_response(std::span<const std::byte> response) {
    if (after_response_hook) after_response_hook(response);
  }
  uint16_t credits_granted = 1;
  bool sign_response = false;
  uint64_t response_session_id = 0;
  bool no_response = false;  // CANCEL
  // Nonzero once an interim response went out: the final response carries it with
  // SMB2_FLAGS_ASYNC_COMMAND and grants no credits (MS-SMB2 3.3.4.2, 3.3.4.3).
  uint64_t async_id = 0;
  // Set when the request came encrypted: an interim response goes out encrypted too.
  const DecryptedRequest* encrypted = nullptr;
};

// Resolves a file id against the chain (0xFFFF... means "the previous CREATE's file").
Open* find_open(SmbRequest& req, uint64_t persistent, uint64_t volatile_id);
Session* find_session(SmbRequest& req);
TreeConnect* find_tree(SmbRequest& req, Session& s);

// Handlers: return the status for the response header. A failing status makes the caller emit
// an error body; a success status means the handler appended its body.
Task<NtStatus> handle_negotiate(SmbRequest& req);
Task<NtStatus> handle_session_setup(SmbRequest& req);
Task<NtStatus> handle_logoff(SmbRequest& req);
Task<NtStatus> handle_tree_connect(SmbRequest& req);
Task<NtStatus> handle_tree_disconnect(SmbRequest& req);
Task<NtStatus> handle_create(SmbRequest& req);
Task<NtStatus> handle_close(SmbRequest& req);
Task<NtStatus> handle_flush(SmbRequest& req);
Task<NtStatus> handle_read(SmbRequest& req);
Task<NtStatus> handle_write(SmbRequest& req);
Task<NtStatus> handle_lock(SmbRequest& req);
Task<NtStatus> handle_ioctl(SmbRequest& req);
Task<NtStatus> handle_echo(SmbRequest& req);
Task<NtStatus> handle_query_directory(SmbRequest& req);
Task<NtStatus> handle_change_notify(SmbRequest& req);
Task<NtStatus> handle_query_info(SmbRequest& req);
Task<NtStatus> handle_set_info(SmbRequest& req);

// Credits for a response (MS-SMB2 3.3.1.2); also used by interim responses (srv_async.cpp).
uint16_t grant_response_credits(ConnectionState& st, uint16_t requested, uint16_t charge);

// The SMB2 NEGOTIATE response to an SMB1 multi-protocol negotiate (MS-SMB2 3.3.5.3.1).
std::vector<std::byte> smb1_negotiate_answer(SmbConnection& conn,
                                             const std::vector<std::string>& dialects, bool* ok);

}  // namespace lwsmb::server
