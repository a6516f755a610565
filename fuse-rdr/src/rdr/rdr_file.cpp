// IRP -> SMB2 for opens on \rdr (MS-SMB2 3.2.4). Data in IRP buffers is in MS-FSCC layout and
// travels unchanged.
#include "rdr/rdr_file.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "rdr/rdr_frame_pool.hpp"

namespace lwsmb::fuse_rdr {

namespace {

template <class Body>
std::vector<std::byte> build(smb2::Command cmd, const Body& body, NtStatus* st) {
  smb2::Header h;
  h.command = cmd;
  std::vector<std::byte> msg;
  *st = smb2::append_message(h, body, msg);
  return msg;
}

uint32_t io_charge(const RdrConnection& c, uint64_t bytes) {
  return c.negotiated().multi_credit() ? CreditWindow::charge_for(bytes) : 1;
}

// Copies an output buffer into the IRP's; STATUS_BUFFER_OVERFLOW passes through.
void complete_with_output(Irp& irp, NtStatus st, std::span<const std::byte> out,
                          std::span<std::byte> dest) {
  size_t n = std::min(out.size(), dest.size());
  if (n) std::memcpy(dest.data(), out.data(), n);
  if (n < out.size() && st == NtStatus::Success) st = NtStatus::BufferOverflow;
  irp.complete(st, n);
}

bool has_body(NtStatus st) {
  return nt_success(st) || st == NtStatus::BufferOverflow;
}

// One READ or WRITE IRP split into requests that are all in flight together.
struct IoJob {
  IrpPtr irp;
  bool is_write = false;  // a failed part fails a WRITE whole: what reached the file is unknown
  std::unique_ptr<RdrWriteHold> hold;  // a break waits for the WRITE (rdr_lease.hpp)
  size_t left = 0;
  struct Part {
    uint64_t length = 0;
    NtStatus status = NtStatus::Pending;
    uint64_t done = 0;
  };
  std::vector<Part> parts;

  void part_done() {
    if (--left != 0) return;
    if (is_write) {
      for (const auto& p : parts) {
        if (!nt_success(p.status)) {
          irp->complete(p.status, 0);
          return;
        }
      }
    }
    uint64_t total = 0;
    for (const auto& p : parts) {
      // A message-mode pipe read that did not fit (MS-SMB2 3.3.4.4): the data came and the
      // status says more is waiting; the reader sees both.
      if (p.status == NtStatus::BufferOverflow) {
        irp->complete(NtStatus::BufferOverflow, total + p.done);
        return;
      }
      if (!nt_success(p.status)) {
        if (total == 0) {
          irp->complete(p.status, 0);
          return;
        }
        break;
      }
      total += p.done;
      if (p.done < p.length) break;
    }
    irp->complete(NtStatus::Success, total);
  }
};

Task<void> read_part(std::shared_ptr<RdrConnection> conn, RdrFile* f, std::shared_ptr<IoJob> job,
                     size_t index, uint64_t offset, std::span<std::byte> dest, uint32_t key) {
  (void)key;
  smb2::ReadRequest r;
  r.length = static_cast<uint32_t>(dest.size());
  r.offset = offset;
  r.file_id = f->file_id;
  NtStatus st;
  auto msg = build(smb2::Command::Read, r, &st);
  auto& part = job->parts[index];
  if (st == NtStatus::Success) {
    auto reply = co_await conn->call(std::move(msg), io_charge(*conn, dest.size()), f->tree.get());
    st = reply.status;
    if (has_body(st)) {
      auto resp = smb2::decode_read_response(reply.msg);
      if (!resp || resp->data.size() > dest.size()) {
        st = NtStatus::InvalidNetworkResponse;
      } else {
        if (!resp->data.empty()) std::memcpy(dest.data(), resp->data.data(), resp->data.size());
        part.done = resp->data.size();
        if (st != NtStatus::BufferOverflow) st = NtStatus::Success;
      }
    }
    rdr_frame_buffer_return(std::move(reply.msg));
  }
  part.status = st;
  job->part_done();
}

Task<void> write_part(std::shared_ptr<RdrConnection> conn, RdrFile* f, std::shared_ptr<IoJob> job,
                      size_t index, uint64_t offset, std::span<const std::byte> data) {
  smb2::WriteRequest r;
  r.offset = offset;
  r.file_id = f->file_id;
  r.data = data;
  NtStatus st;
  auto msg = build(smb2::Command::Write, r, &st);
  auto& part = job->parts[index];
  if (st == NtStatus::Success) {
    auto reply = co_await conn->call(std::move(msg), io_charge(*conn, data.size()), f->tree.get());
    st = reply.status;
    if (nt_success(st)) {
      auto resp = smb2::decode_write_response(reply.msg);
      if (!resp || resp->count > data.size()) {
        st = NtStatus::InvalidNetworkResponse;
      } else {
        part.done = resp->count;
        st = NtStatus::Success;
      }
    }
  }
  part.status = st;
  job->part_done();
}

// Splits [0, size) into parts of at most `chunk` bytes.
std::shared_ptr<IoJob> make_job(const IrpPtr& irp, uint64_t size, uint32_t chunk) {
  auto job = std::make_shared<IoJob>();
  job->irp = irp;
  for (uint64_t off = 0; off < size; off += chunk) {
    job->parts.push_back(IoJob::Part{std::min<uint64_t>(chunk, size - off)});
  }
  job->left = job->parts.size();
  return job;
}

Task<void> do_read(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp) {
  auto& a = irp->args_as<ReadArgs>();
  if (a.buffer.empty()) {
    irp->complete(NtStatus::Success, 0);
    co_return;
  }
  const uint32_t chunk = conn->max_read();
  auto job = make_job(irp, a.buffer.size(), chunk);
  for (size_t i = 0; i < job->parts.size(); ++i) {
    const uint64_t rel = uint64_t{i} * chunk;
    spawn(read_part(conn, f, job, i, a.offset + rel, a.buffer.subspan(rel, job->parts[i].length),
                    a.key));
  }
}

Task<void> do_write(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp) {
  auto& a = irp->args_as<WriteArgs>();
  if (a.buffer.empty()) {
    irp->complete(NtStatus::Success, 0);
    co_return;
  }
  const uint32_t chunk = conn->max_write();
  auto job = make_job(irp, a.buffer.size(), chunk);
  job->is_write = true;
  if (f->grant) job->hold = std::make_unique<RdrWriteHold>(conn->loop(), f->grant);
  for (size_t i = 0; i < job->parts.size(); ++i) {
    const uint64_t rel = uint64_t{i} * chunk;
    spawn(write_part(conn, f, job, i, a.offset + rel, a.buffer.subspan(rel, job->parts[i].length)));
  }
}

// QUERY_INFO of any type into an IRP buffer.
Task<void> do_query_info(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp, uint8_t type,
                         uint8_t cls, uint32_t additional, uint32_t flags,
                         std::span<std::byte> dest) {
  smb2::QueryInfoRequest r;
  r.info_type = type;
  r.file_info_class = cls;
  r.output_buffer_length =
      static_cast<uint32_t>(std::min<size_t>(dest.size(), conn->max_transact()));
  r.additional_information = additional;
  r.flags = flags;
  r.file_id = f->file_id;
  NtStatus st;
  auto msg = build(smb2::Command::QueryInfo, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  auto reply =
      co_await conn->call(std::move(msg), io_charge(*conn, r.output_buffer_length), f->tree.get());
  if (!has_body(reply.status)) {
    irp->complete(reply.status);
    co_return;
  }
  auto resp = smb2::decode_query_info_response(reply.msg);
  if (!resp) {
    irp->complete(NtStatus::InvalidNetworkResponse);
    co_return;
  }
  complete_with_output(*irp, reply.status, resp->output, dest);
}

Task<void> do_set_info(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp, uint8_t type,
                       uint8_t cls, uint32_t additional, std::span<const std::byte> data) {
  smb2::SetInfoRequest r;
  r.info_type = type;
  r.file_info_class = cls;
  r.additional_information = additional;
  r.file_id = f->file_id;
  r.buffer = data;
  NtStatus st;
  auto msg = build(smb2::Command::SetInfo, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  auto reply = co_await conn->call(std::move(msg), io_charge(*conn, data.size()), f->tree.get());
  irp->complete(reply.status);
}

Task<void> do_query_directory(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp) {
  auto& a = irp->args_as<QueryDirectoryArgs>();
  smb2::QueryDirectoryRequest r;
  r.file_information_class = static_cast<uint8_t>(a.info_class);
  r.flags = a.flags;
  r.file_index = a.file_index;
  r.file_id = f->file_id;
  auto pattern = proto::fscc::utf8_to_utf16(a.pattern.empty() ? std::string("*") : a.pattern);
  if (!pattern) {
    irp->complete(NtStatus::ObjectNameInvalid);
    co_return;
  }
  r.file_name = std::move(*pattern);
  r.output_buffer_length =
      static_cast<uint32_t>(std::min<size_t>(a.buffer.size(), conn->max_transact()));
  NtStatus st;
  auto msg = build(smb2::Command::QueryDirectory, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  auto reply =
      co_await conn->call(std::move(msg), io_charge(*conn, r.output_buffer_length), f->tree.get());
  if (!has_body(reply.status)) {
    irp->complete(reply.status);
    co_return;
  }
  auto resp = smb2::decode_query_directory_response(reply.msg);
  if (!resp) {
    irp->complete(NtStatus::InvalidNetworkResponse);
    co_return;
  }
  complete_with_output(*irp, reply.status, resp->output, a.buffer);
}

// Requests that may wait on the server (LOCK without FAIL_IMMEDIATELY, CHANGE_NOTIFY) can be
// cancelled: the IRP's cancel routine sends SMB2 CANCEL.
bool arm_cancel(const std::shared_ptr<RdrConnection>& conn, const IrpPtr& irp,
                const std::shared_ptr<RdrCallTicket>& ticket) {
  return irp->set_cancel_routine(
      [conn, ticket](Irp&) { conn->loop().post([conn, ticket] { conn->cancel(ticket); }); });
}

Task<void> do_lock(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp) {
  auto& a = irp->args_as<LockControlArgs>();
  smb2::LockElement e;
  e.offset = a.range.offset;
  e.length = a.range.length;
  switch (a.operation) {
    case LockOperation::Lock:
      e.flags = (a.range.exclusive ? smb2::lock_flag::kExclusive : smb2::lock_flag::kShared) |
                (a.fail_immediately ? smb2::lock_flag::kFailImmediately : 0);
      break;
    case LockOperation::Unlock:
      e.flags = smb2::lock_flag::kUnlock;
      break;
    case LockOperation::UnlockAll:
      irp->complete(NtStatus::NotSupported);
      co_return;
  }
  smb2::LockRequest r;
  r.file_id = f->file_id;
  r.locks.push_back(e);
  NtStatus st;
  auto msg = build(smb2::Command::Lock, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  auto ticket = std::make_shared<RdrCallTicket>();
  const bool waits = a.operation == LockOperation::Lock && !a.fail_immediately;
  if (waits && !arm_cancel(conn, irp, ticket)) {
    irp->complete(NtStatus::Cancelled);
    co_return;
  }
  auto reply = co_await conn->call(std::move(msg), 1, f->tree.get(), ticket);
  if (waits) irp->clear_cancel_routine();
  irp->complete(reply.status);
}

Task<void> do_change_notify(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp) {
  auto& a = irp->args_as<ReadDirectoryChangeArgs>();
  smb2::ChangeNotifyRequest r;
  r.flags = a.watch_tree ? smb2::change_notify_flag::kWatchTree : 0;
  r.output_buffer_length =
      static_cast<uint32_t>(std::min<size_t>(a.buffer.size(), conn->max_transact()));
  r.file_id = f->file_id;
  r.completion_filter = a.completion_filter;
  NtStatus st;
  auto msg = build(smb2::Command::ChangeNotify, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  auto ticket = std::make_shared<RdrCallTicket>();
  if (!arm_cancel(conn, irp, ticket)) {
    irp->complete(NtStatus::Cancelled);
    co_return;
  }
  auto reply = co_await conn->call(std::move(msg), io_charge(*conn, r.output_buffer_length),
                                   f->tree.get(), ticket);
  irp->clear_cancel_routine();
  if (!has_body(reply.status)) {
    irp->complete(reply.status);
    co_return;
  }
  auto resp = smb2::decode_change_notify_response(reply.msg);
  if (!resp) {
    irp->complete(NtStatus::InvalidNetworkResponse);
    co_return;
  }
  complete_with_output(*irp, reply.status, resp->output, a.buffer);
}

Task<void> do_ioctl(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp, uint32_t code,
                    bool fsctl, std::span<const std::byte> in, std::span<std::byte> out) {
  smb2::IoctlRequest r;
  r.ctl_code = code;
  r.file_id = f->file_id;
  r.max_output_response = static_cast<uint32_t>(std::min<size_t>(out.size(), conn->max_transact()));
  r.flags = fsctl ? smb2::ioctl_flag::kIsFsctl : 0;
  r.input = in;
  NtStatus st;
  auto msg = build(smb2::Command::Ioctl, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  auto reply = co_await conn->call(
      std::move(msg), io_charge(*conn, std::max<uint64_t>(in.size(), r.max_output_response)),
      f->tree.get());
  if (!has_body(reply.status)) {
    irp->complete(reply.status);
    co_return;
  }
  auto resp = smb2::decode_ioctl_response(reply.msg);
  if (!resp) {
    irp->complete(NtStatus::InvalidNetworkResponse);
    co_return;
  }
  complete_with_output(*irp, reply.status, resp->output, out);
}

Task<void> do_close(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp) {
  smb2::CloseRequest r;
  r.file_id = f->file_id;
  NtStatus st;
  auto msg = build(smb2::Command::Close, r, &st);
  if (st == NtStatus::Success) {
    auto reply = co_await conn->call(std::move(msg), 1, f->tree.get());
    st = reply.status;
  }
  conn->leases().closed(conn->server_file_id(f->file_id));
  conn->forget_open(f->file_id);
  if (f->tree) --f->tree->opens;
  conn->note_activity();
  // A write-behind failure not reported yet is the close's answer (the file is closed anyway).
  NtStatus werr = rdr_take_write_error(*f);
  if (werr != NtStatus::Success) st = werr;
  f->read_ahead.reset();  // its own window only: a close changes no data
  irp->complete(st);
}

}  // namespace

Task<void> rdr_create(std::shared_ptr<RdrConnection> conn, IrpPtr irp, RdrPath path) {
  NtStatus st = co_await conn->ensure_ready();
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  std::shared_ptr<RdrTree> tree;
  st = co_await conn->connect_tree(path.share, &tree);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  // A CREATE of a file with write-behind requests in flight (a stat by path, another open)
  // sees what they did.
  std::string share_lower = path.share;
  for (auto& c : share_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool disk_share = share_lower != "ipc$";
  if (disk_share) {
    if (auto pending = rdr_file_shared_find(conn.get(), path.share, path.path)) {
      co_await rdr_wait_writes(conn->loop(), pending);
    }
  }
  auto& a = irp->args_as<CreateArgs>();
  smb2::CreateRequest r;
  r.desired_access = a.desired_access;
  r.file_attributes = a.file_attributes;
  r.share_access = a.share_access;
  r.create_disposition = static_cast<uint32_t>(a.disposition);
  r.create_options = a.create_options;
  auto name = proto::fscc::utf8_to_utf16(path.path);
  if (!name) {
    irp->complete(NtStatus::ObjectNameInvalid);
    co_return;
  }
  r.name = std::move(*name);
  conn->leases().prepare_create(*tree, path.path, a, r);
  if (!a.ea_buffer.empty()) {
    r.contexts.push_back(smb2::CreateContext{smb2::create_context_tag::kEaBuffer,
                                             {a.ea_buffer.begin(), a.ea_buffer.end()}});
  }
  if (!a.security_descriptor.empty()) {
    r.contexts.push_back(
        smb2::CreateContext{smb2::create_context_tag::kSecurityDescriptor,
                            {a.security_descriptor.begin(), a.security_descriptor.end()}});
  }
  if (a.allocation_size != 0) {
    std::vector<std::byte> v(8);
    for (int i = 0; i < 8; ++i) v[i] = static_cast<std::byte>(a.allocation_size >> (8 * i));
    r.contexts.push_back(smb2::CreateContext{smb2::create_context_tag::kAllocationSize, v});
  }
  smb2::Guid create_guid{};
  const RdrDurability durable =
      request_durable(r, conn->negotiated().dialect, is_ipc_share(path.share), &create_guid);
  auto msg = build(smb2::Command::Create, r, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  // CREATE and QUERY_INFO(FileAllInformation) on the new open, compounded.
  smb2::QueryInfoRequest q;
  q.info_type = smb2::info_type::kFile;
  q.file_info_class = static_cast<uint8_t>(FileInfoClass::All);
  q.output_buffer_length = 4096;
  q.file_id = smb2::kRelatedFileId;
  auto qmsg = build(smb2::Command::QueryInfo, q, &st);
  if (st != NtStatus::Success) {
    irp->complete(st);
    co_return;
  }
  std::vector<RdrReply> replies;
  if (conn->credits_available() >= 2) {
    std::vector<std::vector<std::byte>> chain;
    chain.push_back(msg);
    chain.push_back(std::move(qmsg));
    replies = co_await conn->call_compound(std::move(chain), tree.get());
  }
  if (replies.empty() || replies[0].status == NtStatus::InsufficientResources) {
    // Too few credits for the pair (a server granting one at a time): CREATE alone.
    replies.assign(2, RdrReply{});
    replies[0] = co_await conn->call(std::move(msg), 1, tree.get());
  }
  auto& reply = replies[0];
  if (!nt_success(reply.status)) {
    irp->complete(reply.status);
    co_return;
  }
  auto resp = smb2::decode_create_response(reply.msg);
  if (!resp) {
    irp->complete(NtStatus::InvalidNetworkResponse);
    co_return;
  }
  auto ctx = std::make_unique<RdrFile>();
  ctx->conn = conn;
  ctx->tree = tree;
  // The lease table knows the open by the server's FileId (breaks name it), the RdrFile by the
  // client-side handle that survives a reconnect (rdr_durable.hpp).
  ctx->grant = conn->leases().opened(tree, path.path, r, *resp, &a.granted_oplock);
  ctx->file_id =
      conn->register_open(tree, std::move(r), *resp, durable, create_guid, reply.link_gen);
  if (disk_share) ctx->shared = rdr_file_shared(conn.get(), path.share, path.path);
  if (replies[1].status == NtStatus::Success) {
    if (auto all = smb2::decode_query_info_response(replies[1].msg)) {
      ctx->open_info.assign(all->output.begin(), all->output.end());
      ctx->open_info_time = std::chrono::steady_clock::now();
    }
  }
  ++tree->opens;
  irp->file().set_context(std::move(ctx));
  irp->complete(NtStatus::Success, resp->create_action);
}

Task<void> rdr_file_irp(std::shared_ptr<RdrConnection> conn, IrpPtr irp) {
  auto* f = irp->file().context<RdrFile>();
  std::vector<std::byte> open_info = std::move(f->open_info);
  f->open_info.clear();  // one use at most; any other request ends it too
  if (irp->type() == IrpType::QueryInformation && !open_info.empty() &&
      irp->args_as<QueryInformationArgs>().info_class == FileInfoClass::All &&
      std::chrono::steady_clock::now() - f->open_info_time < kOpenInfoTtl) {
    complete_with_output(*irp, NtStatus::Success, open_info,
                         irp->args_as<QueryInformationArgs>().buffer);
    co_return;
  }
  // Every request but a WRITE waits for the file's write-behind requests in flight.
  if (irp->type() != IrpType::Write && f->shared && f->shared->writes_in_flight > 0) {
    co_await rdr_wait_writes(conn->loop(), f->shared);
  }
  switch (irp->type()) {
    case IrpType::Close:
      co_await do_close(conn, f, irp);
      break;
    case IrpType::Read:
      if (!rdr_read_ahead_read(conn, f, irp, conn->options().read_ahead)) {
        co_await do_read(conn, f, irp);
      }
      break;
    case IrpType::Write:
      if (f->shared && conn->options().write_behind > 0) {
        co_await rdr_write_behind(conn, f, irp, conn->options().write_behind);
      } else {
        rdr_drop_read_ahead(*f);
        co_await do_write(conn, f, irp);
      }
      break;
    case IrpType::Flush: {
      NtStatus st;
      auto msg = build(smb2::Command::Flush, smb2::FlushRequest{f->file_id}, &st);
      if (st == NtStatus::Success)
        st = (co_await conn->call(std::move(msg), 1, f->tree.get())).status;
      // What write-behind met goes to fsync(2) / close(2).
      NtStatus werr = rdr_take_write_error(*f);
      irp->complete(werr != NtStatus::Success ? werr : st);
      break;
    }
    case IrpType::QueryInformation: {
      auto& a = irp->args_as<QueryInformationArgs>();
      co_await do_query_info(conn, f, irp, smb2::info_type::kFile,
                             static_cast<uint8_t>(a.info_class), 0, 0, a.buffer);
      break;
    }
    case IrpType::SetInformation: {
      auto& a = irp->args_as<SetInformationArgs>();
      if (a.info_class == FileInfoClass::Rename || a.info_class == FileInfoClass::RenameEx ||
          a.info_class == FileInfoClass::Disposition ||
          a.info_class == FileInfoClass::DispositionEx || a.info_class == FileInfoClass::Link) {
        if (f->tree) conn->leases().forget_paths(f->tree->share);
      }
      rdr_drop_read_ahead(*f);  // a size change makes read-ahead data stale
      co_await do_set_info(conn, f, irp, smb2::info_type::kFile, static_cast<uint8_t>(a.info_class),
                           0, a.buffer);
      break;
    }
    case IrpType::QueryDirectory:
      co_await do_query_directory(conn, f, irp);
      break;
    case IrpType::QueryVolumeInformation: {
      auto& a = irp->args_as<QueryVolumeInformationArgs>();
      co_await do_query_info(conn, f, irp, smb2::info_type::kFilesystem,
                             static_cast<uint8_t>(a.info_class), 0, 0, a.buffer);
      break;
    }
    case IrpType::LockControl:
      co_await do_lock(conn, f, irp);
      break;
    case IrpType::DeviceIoControl: {
      auto& a = irp->args_as<DeviceIoControlArgs>();
      co_await do_ioctl(conn, f, irp, a.control_code, false, a.input, a.output);
      break;
    }
    case IrpType::FsControl: {
      auto& a = irp->args_as<FsControlArgs>();
      co_await do_ioctl(conn, f, irp, a.control_code, true, a.input, a.output);
      break;
    }
    case IrpType::ReadDirectoryChange:
      co_await do_change_notify(conn, f, irp);
      break;
    case IrpType::QuerySecurity: {
      auto& a = irp->args_as<QuerySecurityArgs>();
      co_await do_query_info(conn, f, irp, smb2::info_type::kSecurity, 0, a.security_information, 0,
                             a.buffer);
      break;
    }
    case IrpType::SetSecurity: {
      auto& a = irp->args_as<SetSecurityArgs>();
      co_await do_set_info(conn, f, irp, smb2::info_type::kSecurity, 0, a.security_information,
                           a.buffer);
      break;
    }
    case IrpType::QueryEa: {
      auto& a = irp->args_as<QueryEaArgs>();
      co_await do_query_info(conn, f, irp, smb2::info_type::kFile,
                             static_cast<uint8_t>(FileInfoClass::FullEa), 0,
                             a.restart_scan ? smb2::query_info_flag::kRestartScan : 0, a.buffer);
      break;
    }
    case IrpType::SetEa: {
      auto& a = irp->args_as<SetEaArgs>();
      co_await do_set_info(conn, f, irp, smb2::info_type::kFile,
                           static_cast<uint8_t>(FileInfoClass::FullEa), 0, a.buffer);
      break;
    }
    case IrpType::Create:
      irp->complete(NtStatus::InvalidParameter);
      break;
  }
}

}  // namespace lwsmb::fuse_rdr
