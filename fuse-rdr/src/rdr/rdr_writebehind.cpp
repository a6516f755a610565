// Write-behind (rdr_writebehind.hpp).
#include "rdr/rdr_writebehind.hpp"

#include <algorithm>

#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_file.hpp"
#include "rdr/rdr_lease.hpp"
#include "rdr/rdr_readahead.hpp"

namespace lwsmb::fuse_rdr {

namespace {

struct RoomWait {
  RdrWriteBehind* wb;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { wb->room_waiters.push_back(h); }
  void await_resume() const noexcept {}
};

Task<void> write_part(std::shared_ptr<RdrConnection> conn, std::shared_ptr<RdrTree> tree,
                      std::vector<std::byte> msg, uint64_t length,
                      std::shared_ptr<RdrWriteBehind> wb, std::shared_ptr<RdrFileShared> shared,
                      std::shared_ptr<RdrWriteHold> hold) {
  // hold: a lease or oplock break waits for this WRITE before it is acknowledged.
  const uint32_t charge = conn->negotiated().multi_credit() ? CreditWindow::charge_for(length) : 1;
  auto reply = co_await conn->call(std::move(msg), charge, tree.get());
  NtStatus st = reply.status;
  if (nt_success(st)) {
    auto resp = smb2::decode_write_response(reply.msg);
    if (!resp || resp->count > length) {
      st = NtStatus::InvalidNetworkResponse;
    } else if (resp->count < length) {
      st = NtStatus::DiskFull;  // a short write: the rest did not fit
    } else {
      st = NtStatus::Success;
    }
  }
  if (!nt_success(st) && wb->error == NtStatus::Success) wb->error = st;
  wb->bytes_in_flight -= length;
  auto waiters = std::move(wb->room_waiters);
  wb->room_waiters.clear();
  for (auto w : waiters) conn->loop().post([w] { w.resume(); });
  --shared->writes_in_flight;
  rdr_writes_drained(conn->loop(), *shared);
  hold.reset();
}

}  // namespace

NtStatus rdr_take_write_error(RdrFile& f) {
  if (!f.write_behind) return NtStatus::Success;
  NtStatus st = f.write_behind->error;
  f.write_behind->error = NtStatus::Success;
  return st;
}

Task<void> rdr_write_behind(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp,
                            uint64_t limit) {
  auto& a = irp->args_as<WriteArgs>();
  if (!f->write_behind) f->write_behind = std::make_shared<RdrWriteBehind>();
  auto wb = f->write_behind;
  auto shared = f->shared;
  const uint64_t size = a.buffer.size();
  // Room: at most `limit` bytes unanswered (a bigger write goes alone).
  while (wb->error == NtStatus::Success && wb->bytes_in_flight > 0 &&
         wb->bytes_in_flight + size > limit) {
    co_await RoomWait{wb.get()};
  }
  if (wb->error != NtStatus::Success) {
    NtStatus st = rdr_take_write_error(*f);
    irp->complete(st, 0);
    co_return;
  }
  rdr_drop_read_ahead(*f);  // what any open of the file read ahead is stale now
  const uint32_t chunk = conn->max_write();
  std::shared_ptr<RdrWriteHold> hold;
  if (f->grant) hold = std::make_shared<RdrWriteHold>(conn->loop(), f->grant);
  for (uint64_t rel = 0; rel < size; rel += chunk) {
    const uint64_t n = std::min<uint64_t>(chunk, size - rel);
    smb2::WriteRequest r;
    r.offset = a.offset + rel;
    r.file_id = f->file_id;
    r.data = a.buffer.subspan(rel, n);
    smb2::Header h;
    h.command = smb2::Command::Write;
    std::vector<std::byte> msg;
    NtStatus st = smb2::append_message(h, r, msg);  // copies the data: the IRP may complete
    if (st != NtStatus::Success) {
      irp->complete(rel == 0 ? st : NtStatus::Success, rel);
      co_return;
    }
    wb->bytes_in_flight += n;
    ++shared->writes_in_flight;
    spawn(write_part(conn, f->tree, std::move(msg), n, wb, shared, hold));
  }
  irp->complete(NtStatus::Success, size);
}

}  // namespace lwsmb::fuse_rdr
