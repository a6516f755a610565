// CHANGE_NOTIFY (MS-SMB2 3.3.5.19): a ReadDirectoryChange IRP to pvfs that stays pending until
// something changes; the request goes async (interim STATUS_PENDING) and CANCEL reaches it.
#include <algorithm>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/smb2_query.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_async.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {
// The largest output buffer a CHANGE_NOTIFY may ask for (the negotiated MaxTransactSize).
constexpr uint32_t kMaxNotifyBuffer = 8 * 1024 * 1024;
}  // namespace

Task<NtStatus> handle_change_notify(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_change_notify_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  // MS-SMB2 3.3.5.19: only directories, and no more than MaxTransactSize.
  if (!o->is_directory) co_return NtStatus::InvalidParameter;
  if (r->output_buffer_length > kMaxNotifyBuffer) co_return NtStatus::InvalidParameter;
  std::vector<std::byte> buffer(r->output_buffer_length);
  ReadDirectoryChangeArgs args;
  args.completion_filter = r->completion_filter;
  args.watch_tree = (r->flags & smb2::change_notify_flag::kWatchTree) != 0;
  args.buffer = buffer;
  CancelRegistration reg(req);
  auto st = co_await PendableIrpAwaitable(reg, conn.server().io(), o->handle, args, conn.loop());
  if (!nt_success(st.status)) {
    log::debug("change notify fid ", r->file_id.volatile_id, " filter 0x", std::hex,
               r->completion_filter, " flags 0x", r->flags, std::dec, " buffer ",
               r->output_buffer_length, ": ", ntstatus_name(st.status));
    co_return st.status;
  }
  // STATUS_NOTIFY_ENUM_DIR and STATUS_NOTIFY_CLEANUP are successes with nothing to report.
  const size_t n = std::min<size_t>(st.information, buffer.size());
  smb2::ChangeNotifyResponse resp{std::span<const std::byte>(buffer).first(n)};
  auto e = smb2::encode_body(resp, req.out(), req.msg_start);
  co_return nt_success(e) ? st.status : e;
}

}  // namespace lwsmb::server
