// Interim responses (MS-SMB2 3.3.4.2) and SMB2 CANCEL (3.3.5.16).
#include "srv/srv_async.hpp"

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/iocore/log.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_transform.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

void AsyncRequest::cancel() {
  cancelled = true;
  // The cancel routine may complete the IRP right here; its completion only posts the
  // handler's resumption to the loop.
  if (irp) irp->cancel();
}

CancelRegistration::CancelRegistration(SmbRequest& req)
    : req_(req), entry_(std::make_shared<AsyncRequest>()) {
  entry_->message_id = req.hdr.message_id;
  entry_->session_id = req.session_id;
  req.conn.state().cancellable_by_message_id[entry_->message_id] = entry_;
}

CancelRegistration::~CancelRegistration() {
  auto& st = req_.conn.state();
  auto it = st.cancellable_by_message_id.find(entry_->message_id);
  if (it != st.cancellable_by_message_id.end() && it->second == entry_) {
    st.cancellable_by_message_id.erase(it);
  }
  if (entry_->async_id != 0) st.cancellable_by_async_id.erase(entry_->async_id);
  entry_->irp.reset();
  entry_->finished = true;
  // Posted: the handler's response is built and sent before the waiters run.
  for (auto h : entry_->waiters) req_.conn.loop().post([h] { h.resume(); });
  entry_->waiters.clear();
}

void CancelRegistration::go_async() {
  if (entry_->async_id != 0) return;
  auto& conn = req_.conn;
  auto& st = conn.state();
  const uint64_t async_id = st.next_async_id++;
  entry_->async_id = async_id;
  req_.async_id = async_id;
  st.cancellable_by_async_id[async_id] = entry_;

  smb2::Header rh;
  rh.command = req_.hdr.command;
  rh.status = static_cast<uint32_t>(NtStatus::Pending);
  rh.flags = smb2::header_flag::kServerToRedir | smb2::header_flag::kAsyncCommand;
  rh.message_id = req_.hdr.message_id;
  rh.async_id = async_id;
  rh.credit_charge = req_.hdr.credit_charge;
  const uint16_t charge = st.dialect > smb2::dialect::kSmb202 ? req_.hdr.credit_charge : 1;
  rh.credit_request_response = grant_response_credits(st, req_.hdr.credit_request_response, charge);
  rh.session_id = req_.session_id;
  // Signed with the key the final response will use (MS-SMB2 3.3.4.1.1).
  std::vector<std::byte> key;
  if (req_.sign_response && !req_.encrypted) {
    auto it = st.sessions.find(req_.session_id);
    if (it != st.sessions.end()) key = it->second->signing_key;
    if (!key.empty()) rh.flags |= smb2::header_flag::kSigned;
  }
  std::vector<std::byte> msg;
  smb2::append_header(rh, msg);
  if (!nt_success(smb2::encode_body(smb2::ErrorResponse{}, msg, 0))) return;
  if (!key.empty()) (void)auth::sign_message(msg, key, st.signing_algorithm);
  if (req_.encrypted) {  // MS-SMB2 3.3.4.1.4: as encrypted as the request
    auto sealed = encrypt_response(*req_.encrypted, msg, 4);
    if (!sealed) {
      conn.close();
      return;
    }
    log::debug("connection ", conn.id(), ": mid ", rh.message_id, " goes async as ", async_id,
               " (encrypted)");
    conn.send_framed(std::move(*sealed));
    return;
  }
  log::debug("connection ", conn.id(), ": mid ", rh.message_id, " goes async as ", async_id);
  conn.send_message(std::move(msg));
}

void CancelRegistration::irp_issued(const IrpPtr& irp) {
  if (!irp || irp->completed()) return;
  entry_->irp = irp;
  go_async();
  // A CANCEL that came before the IRP existed still applies to it.
  if (entry_->cancelled) irp->cancel();
}

void handle_cancel(SmbConnection& conn, const smb2::Header& h, std::span<const std::byte> message,
                   bool encrypted) {
  auto& st = conn.state();
  auto sit = st.sessions.find(h.session_id);
  // A CANCEL that arrived inside a transform is authenticated by its decryption and carries
  // no signature (MS-SMB2 3.3.5.2.4).
  if (!encrypted && sit != st.sessions.end() && !sit->second->signing_key.empty()) {
    const Session& s = *sit->second;
    const bool is_signed = (h.flags & smb2::header_flag::kSigned) != 0;
    if (is_signed ? !auth::verify_message(message, s.signing_key, st.signing_algorithm)
                  : s.signing_required) {
      log::info("connection ", conn.id(), ": CANCEL with a bad or missing signature dropped");
      return;
    }
  }
  std::shared_ptr<AsyncRequest> target;
  if (h.is_async()) {
    auto it = st.cancellable_by_async_id.find(h.async_id);
    if (it != st.cancellable_by_async_id.end()) target = it->second;
  } else {
    auto it = st.cancellable_by_message_id.find(h.message_id);
    if (it != st.cancellable_by_message_id.end()) target = it->second;
  }
  if (!target) {
    log::debug("connection ", conn.id(), ": CANCEL for nothing cancellable (mid ", h.message_id,
               ", async id ", h.async_id, ")");
    return;
  }
  log::debug("connection ", conn.id(), ": CANCEL mid ", target->message_id);
  target->cancel();
}

namespace {

// Resumes once a request's handler is done (at once if it already is).
class RequestDone {
 public:
  explicit RequestDone(std::shared_ptr<AsyncRequest> r) : r_(std::move(r)) {}
  bool await_ready() const noexcept { return r_->finished; }
  void await_suspend(std::coroutine_handle<> h) { r_->waiters.push_back(h); }
  void await_resume() const noexcept {}

 private:
  std::shared_ptr<AsyncRequest> r_;
};

}  // namespace

Task<void> cancel_session_requests(SmbConnection& conn, uint64_t session_id) {
  // The session's opens close first, as on Windows: a lock waiting behind one of them is
  // granted (smbtorture lock.cancel-logoff), requests waiting on them end.
  auto& opens = conn.state().opens;
  for (auto it = opens.begin(); it != opens.end();) {
    it = it->second->session_id == session_id ? opens.erase(it) : std::next(it);
  }
  std::vector<std::shared_ptr<AsyncRequest>> pending;
  for (const auto& [mid, r] : conn.state().cancellable_by_message_id) {
    if (r->session_id == session_id) pending.push_back(r);
  }
  for (const auto& r : pending) r->cancel();
  for (const auto& r : pending) co_await RequestDone(r);
}

}  // namespace lwsmb::server
