#include "srv/srv_ipc.hpp"

#include <algorithm>
#include <cctype>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "npfs/npfs_info.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_async.hpp"
#include "srv/srv_file_util.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;
namespace fscc = proto::fscc;

namespace {

constexpr uint32_t kMaxPipeTransact = 1024 * 1024;

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

std::optional<std::string> ipc_pipe_name(std::string_view name) {
  if (!name.empty() && name.front() == '\\') name.remove_prefix(1);
  if (istarts_with(name, "pipe\\")) name.remove_prefix(5);
  if (name.empty() || name.find('\\') != std::string_view::npos) return std::nullopt;
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Task<NtStatus> ipc_create(SmbRequest& req, const smb2::CreateRequest& r) {
  auto& conn = req.conn;
  Session* s = find_session(req);
  if (!s) co_return NtStatus::UserSessionDeleted;
  if (r.create_disposition > static_cast<uint32_t>(CreateDisposition::OverwriteIf)) {
    co_return NtStatus::InvalidParameter;
  }
  if (r.impersonation_level > smb2::impersonation_level::kDelegate) {
    co_return NtStatus::BadImpersonationLevel;
  }
  auto utf8 = fscc::utf16_to_utf8(r.name);
  if (!utf8) co_return NtStatus::ObjectNameInvalid;
  auto pipe = ipc_pipe_name(*utf8);
  if (!pipe) co_return NtStatus::ObjectNameNotFound;
  CreateArgs args;
  args.path = std::string(kNpfsPrefix) + "\\" + *pipe;
  args.desired_access = r.desired_access;
  args.share_access = r.share_access;
  args.disposition = CreateDisposition::Open;  // a client end never creates a pipe
  args.create_options = r.create_options;
  args.security = s->identity;
  const uint64_t session_id = req.session_id;
  const uint32_t tree_id = req.tree_id;

  auto [iosb, handle] = co_await CreateAwaitable(conn.server().io(), std::move(args), conn.loop());
  if (!nt_success(iosb.status)) {
    log::debug("ipc create '", *utf8, "': ", ntstatus_name(iosb.status));
    // A name no server listens on is simply not there (what Windows says for IPC$).
    co_return iosb.status == NtStatus::ObjectPathNotFound ? NtStatus::ObjectNameNotFound
                                                          : iosb.status;
  }
  if (conn.closed()) co_return NtStatus::FileClosed;

  auto open = std::make_unique<Open>();
  auto& st = conn.state();
  open->volatile_id = st.next_volatile_id++;
  open->persistent_id = open->volatile_id;
  open->session_id = session_id;
  open->tree_id = tree_id;
  open->handle = std::move(handle);
  open->path = *utf8;
  open->granted_access = r.desired_access;
  open->is_pipe = true;

  smb2::CreateResponse resp;
  resp.create_action = static_cast<uint32_t>(CreateAction::Opened);
  resp.allocation_size = 4096;
  resp.file_attributes = file_attribute::kNormal;
  resp.file_id = {open->persistent_id, open->volatile_id};
  auto e = smb2::encode_body(resp, req.out(), req.msg_start);
  if (e != NtStatus::Success) co_return e;
  req.chain.file_persistent = open->persistent_id;
  req.chain.file_volatile = open->volatile_id;
  st.opens[open->volatile_id] = std::move(open);
  co_return NtStatus::Success;
}

Task<NtStatus> ipc_read(SmbRequest& req, const smb2::ReadRequest& r) {
  auto& conn = req.conn;
  Open* o = find_open(req, r.file_id.persistent, r.file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  auto st0 = check_io_size(conn, req.hdr, r.length);
  if (!nt_success(st0)) co_return st0;
  // The message lands in a buffer of its own: the response vector may not be touched while
  // the read waits (other requests of the compound may grow it).
  std::vector<std::byte> data(r.length);
  CancelRegistration reg(req);
  auto st = co_await PendableIrpAwaitable(reg, conn.server().io(), o->handle, ReadArgs{data, 0, 0},
                                          conn.loop());
  if (!nt_success(st.status) && st.status != NtStatus::BufferOverflow) co_return st.status;
  if (conn.closed()) co_return NtStatus::FileClosed;
  auto& out = req.out();
  const size_t data_at = req.msg_start + smb2::kReadResponseDataOffset;
  out.resize(data_at);
  out.insert(out.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(st.information));
  std::byte* body = out.data() + req.msg_start + smb2::kHeaderSize;
  smb2::encode_read_response_fixed(smb2::ReadResponse{}, static_cast<uint32_t>(st.information),
                                   std::span<std::byte, 16>(body, 16));
  // STATUS_BUFFER_OVERFLOW: the rest of the message waits for the next READ (3.3.5.12).
  co_return st.status;
}

Task<NtStatus> ipc_ioctl(SmbRequest& req, const smb2::IoctlRequest& r) {
  auto& conn = req.conn;
  auto& io = conn.server().io();
  if (r.max_output_response > kMaxPipeTransact) co_return NtStatus::InvalidParameter;
  std::vector<std::byte> output(r.max_output_response);
  IoStatusBlock res;
  CancelRegistration reg(req);
  if (r.ctl_code == fsctl_pipe::kWait) {
    // MS-SMB2 3.3.5.15.10: no open needed; the pipe is named in the request, relative to
    // the IPC$ tree. Asked of the npfs root.
    Session* s = find_session(req);
    if (!s) co_return NtStatus::UserSessionDeleted;
    TreeConnect* t = find_tree(req, *s);
    if (!t) co_return NtStatus::NetworkNameDeleted;
    if (!t->is_ipc) co_return NtStatus::NotSupported;
    auto w = npfs::decode_pipe_wait(r.input);
    if (!w) co_return w.status();
    auto name = ipc_pipe_name(w->name);
    if (!name) co_return NtStatus::ObjectNameNotFound;
    w->name = *name;
    auto input = npfs::encode_pipe_wait(*w);
    CreateArgs root;
    root.path = kNpfsPrefix;
    root.security = s->identity;
    auto [ciosb, handle] = co_await CreateAwaitable(io, std::move(root), conn.loop());
    if (!nt_success(ciosb.status)) co_return ciosb.status;
    res = co_await PendableIrpAwaitable(reg, io, handle, FsControlArgs{r.ctl_code, input, {}},
                                        conn.loop());
    (void)co_await CloseAwaitable(io, std::move(handle), conn.loop());
    if (!nt_success(res.status)) co_return res.status;
    res.information = 0;
  } else {
    Open* o = find_open(req, r.file_id.persistent, r.file_id.volatile_id);
    if (!o) co_return NtStatus::FileClosed;
    if (!o->is_pipe) co_return NtStatus::NotSupported;
    res = co_await PendableIrpAwaitable(reg, io, o->handle,
                                        FsControlArgs{r.ctl_code, r.input, output}, conn.loop());
    if (!nt_success(res.status) && res.status != NtStatus::BufferOverflow) co_return res.status;
  }
  if (conn.closed()) co_return NtStatus::FileClosed;
  smb2::IoctlResponse out;
  out.ctl_code = r.ctl_code;
  out.file_id = r.file_id;
  out.output = std::span(output).first(std::min<size_t>(res.information, output.size()));
  auto e = smb2::encode_body(out, req.out(), req.msg_start);
  if (e != NtStatus::Success) co_return e;
  // STATUS_BUFFER_OVERFLOW travels with the first part of the reply (3.3.5.15.1); the client
  // reads the rest.
  co_return res.status;
}

}  // namespace lwsmb::server
