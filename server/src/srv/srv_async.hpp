// Requests that wait: interim responses (MS-SMB2 3.3.4.2) and SMB2 CANCEL (3.3.5.16).
//
// A handler whose IRP may pend registers its request (CancelRegistration) and awaits the IRP
// through it (PendableIrpAwaitable). When the driver marks the IRP pending, the request goes
// async at once: an interim STATUS_PENDING response with a fresh AsyncId is sent, and the final
// response (built by SmbConnection::process_frame) carries the same AsyncId. A CANCEL naming the
// request by MessageId or AsyncId cancels its IRP. Everything here runs on the connection's loop.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/proto/smb2_header.hpp"
#include "srv/srv_request.hpp"

namespace lwsmb::server {

// One cancellable request (MS-SMB2 3.3.1.13 Request), shared by the handler's registration and
// the connection's lookup maps.
struct AsyncRequest {
  uint64_t message_id = 0;
  uint64_t session_id = 0;
  uint64_t async_id = 0;   // nonzero once the interim response went out
  IrpPtr irp;              // the IRP the request waits on, while it waits
  bool cancelled = false;  // a CANCEL reached the request
  bool finished = false;   // its handler is done (the response goes out right after)
  std::vector<std::coroutine_handle<>> waiters;  // resumed (posted) once finished

  // Records the cancellation and passes it to the IRP in flight, if any.
  void cancel();
};

// Makes a request reachable by CANCEL for as long as it lives.
class CancelRegistration {
 public:
  explicit CancelRegistration(SmbRequest& req);
  ~CancelRegistration();
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

  bool cancelled() const { return entry_->cancelled; }
  bool is_async() const { return entry_->async_id != 0; }
  // Sends the interim response once (MS-SMB2 3.3.4.2): STATUS_PENDING, ASYNC flag, a new
  // AsyncId, the credits the request asked for; signed when the request was (as Windows and
  // Samba do, so that clients requiring signing accept it), encrypted when the request was.
  void go_async();
  // The IRP issued for this request: pending ones make the request async and cancellable.
  void irp_issued(const IrpPtr& irp);
  void irp_done() { entry_->irp.reset(); }

 private:
  SmbRequest& req_;
  std::shared_ptr<AsyncRequest> entry_;
};

// Awaits an IRP like IrpAwaitable; if the driver leaves it pending, the request goes async
// and a CANCEL for it cancels the IRP. Resumes on the connection's loop.
class PendableIrpAwaitable {
 public:
  PendableIrpAwaitable(CancelRegistration& reg, IoManager& io, const FileHandle& file, IrpArgs args,
                       EventLoop& resume_on)
      : reg_(reg), io_(io), file_(file), args_(std::move(args)), loop_(resume_on) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    auto irp = io_.call(file_, std::move(args_), [this, h](Irp& done) {
      iosb_ = done.status_block();
      loop_.post([h] { h.resume(); });
    });
    // The resumption is posted to this loop, so it cannot run before this returns.
    reg_.irp_issued(irp);
  }
  IoStatusBlock await_resume() {
    reg_.irp_done();
    return iosb_;
  }

 private:
  CancelRegistration& reg_;
  IoManager& io_;
  const FileHandle& file_;
  IrpArgs args_;
  EventLoop& loop_;
  IoStatusBlock iosb_;
};

// SMB2 CANCEL (MS-SMB2 3.3.5.16): finds the request by AsyncId (async form) or MessageId
// (sync form) and cancels it. Sends nothing: the cancelled request answers for itself.
// `message` is the CANCEL request itself: a signed one must carry a good signature, and on a
// session that requires signing an unsigned one is dropped (MS-SMB2 3.3.5.2.4). `encrypted`:
// it came inside a transform that decrypted, which stands in for the signature.
void handle_cancel(SmbConnection& conn, const proto::smb2::Header& h,
                   std::span<const std::byte> message, bool encrypted);

// LOGOFF (MS-SMB2 3.3.5.6): closes the session's opens, cancels its requests still pending and
// waits until each has answered (signed with the session's key, which still exists), so that
// the LOGOFF response comes last.
Task<void> cancel_session_requests(SmbConnection& conn, uint64_t session_id);

}  // namespace lwsmb::server
