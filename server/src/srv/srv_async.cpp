// Interim responses (MS-SMB2 3.3.4.2) and SMB2 CANCEL (3.3.5.16).
#include "srv/srv_async.hpp"

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
  std::vector<std::byte> msg;
  smb2::append_header(rh, msg);
  if (!nt_success(smb2::encode_body(smb2::ErrorResponse{}, msg, 0))) return;
  if (req_.encrypted) {  // MS-SMB2 3.3.4.1.4: as encrypted as the request
    auto sealed = encrypt_response(*req_.encrypted, msg);
    if (!sealed) {
      conn.close();
      return;
    }
    msg = std::move(*sealed);
  }
  log::debug("connection ", conn.id(), ": mid ", rh.message_id, " goes async as ", async_id,
             req_.encrypted ? " (encrypted)" : "");
  conn.send_message(std::move(msg));
}

void CancelRegistration::irp_issued(const IrpPtr& irp) {
  if (!irp || irp->completed()) return;
  entry_->irp = irp;
  go_async();
  // A CANCEL that came before the IRP existed still applies to it.
  if (entry_->cancelled) irp->cancel();
}

void handle_cancel(SmbConnection& conn, const smb2::Header& h) {
  auto& st = conn.state();
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

}  // namespace lwsmb::server
