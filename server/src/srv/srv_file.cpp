// CREATE, CLOSE, FLUSH, READ, WRITE, LOCK (MS-SMB2 3.3.5.9 - 3.3.5.14): each one IRP (or a few)
// to the share's pvfs driver.
#include <algorithm>
#include <cstdlib>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_file_util.hpp"
#include "srv/srv_ipc.hpp"
#include "srv/srv_oplock.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;
namespace fscc = proto::fscc;

namespace {

// READs from this size on leave their data in the request's tail buffer (smaller ones are
// cheaper to copy into the response).
constexpr uint32_t kTailReadMin = 16 * 1024;
// Plain READs from this size on are spliced (below it the pipe round trips cost more than the
// copy).
constexpr uint32_t kSpliceReadMin = 64 * 1024;

// Splicing is opt-in (LWSMB_SPLICE_READS=1 in lwserver's environment): it takes a third off the
// server's CPU per GiB read, but io_uring runs every splice in an io-wq worker, and the
// hand-offs made a 1 MiB READ stream over loopback 10-14% slower than reading into an IoBuffer
// and sending with sendmsg (lwbench --vs between the two builds on an idle machine).
bool splice_reads() {
  static const bool on = [] {
    const char* v = std::getenv("LWSMB_SPLICE_READS");
    return v != nullptr && v[0] == '1';
  }();
  return on;
}

constexpr uint32_t kWriteAccess = access::kWriteData | access::kAppendData | access::kWriteEa |
                                  access::kWriteAttributes | access::kDelete |
                                  access::kDeleteChild | access::kWriteDac | access::kWriteOwner |
                                  access::kGenericWrite | access::kGenericAll;

// A read-only share refuses anything that could change it (MS-SMB2 3.3.5.9: the share's
// MaximalAccess bounds every open).
NtStatus check_read_only(CreateArgs& args) {
  if (args.desired_access & kWriteAccess) return NtStatus::AccessDenied;
  if (args.create_options & create_option::kDeleteOnClose) return NtStatus::AccessDenied;
  switch (args.disposition) {
    case CreateDisposition::Open:
      break;
    case CreateDisposition::OpenIf:
      args.disposition = CreateDisposition::Open;
      break;
    default:
      return NtStatus::AccessDenied;
  }
  if (args.desired_access & access::kMaximumAllowed) {
    args.desired_access = (args.desired_access & ~access::kMaximumAllowed) |
                          access::kFileGenericRead | access::kExecute;
  }
  return NtStatus::Success;
}

}  // namespace

Task<NtStatus> handle_create(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_create_request(req.msg);
  if (!r) co_return r.status();
  Session* s = find_session(req);
  if (!s) co_return NtStatus::UserSessionDeleted;
  TreeConnect* t = find_tree(req, *s);
  if (!t) co_return NtStatus::NetworkNameDeleted;
  if (t->is_ipc) co_return co_await ipc_create(req, *r);  // named pipes (srv_ipc.cpp)
  if (r->create_disposition > static_cast<uint32_t>(CreateDisposition::OverwriteIf)) {
    co_return NtStatus::InvalidParameter;
  }
  if (r->impersonation_level > smb2::impersonation_level::kDelegate) {
    co_return NtStatus::BadImpersonationLevel;
  }
  // MS-SMB2 3.3.5.9: a name that starts with a path separator is refused.
  if (!r->name.empty() && r->name.front() == u'\\') co_return NtStatus::InvalidParameter;
  auto name = fscc::utf16_to_utf8(r->name);
  if (!name) co_return NtStatus::ObjectNameInvalid;
  const SrvShare* share = t->share;
  const ShareConfig& sc = *share->config;

  CreateArgs args;
  args.path = name->empty() ? share->prefix : share->prefix + "\\" + *name;
  // The server itself reads the attributes for the CREATE response; pvfs always grants
  // FILE_READ_ATTRIBUTES (through the parent's list permission), so asking costs nothing.
  args.desired_access = r->desired_access | access::kReadAttributes;
  args.file_attributes = r->file_attributes;
  args.share_access = r->share_access;
  args.disposition = static_cast<CreateDisposition>(r->create_disposition);
  args.create_options = r->create_options;
  // Create contexts pvfs applies to a new file (MS-SMB2 3.3.5.9.2, .3, .4); others it ignores.
  if (auto* c = smb2::find_create_context(r->contexts, smb2::create_context_tag::kEaBuffer)) {
    args.ea_buffer = c->data;
  }
  if (auto* c =
          smb2::find_create_context(r->contexts, smb2::create_context_tag::kSecurityDescriptor)) {
    args.security_descriptor = c->data;
  }
  if (auto* c = smb2::find_create_context(r->contexts, smb2::create_context_tag::kAllocationSize)) {
    if (c->data.size() < 8) co_return NtStatus::InvalidParameter;
    for (size_t i = 0; i < 8; ++i) {
      args.allocation_size |= std::to_integer<uint64_t>(c->data[i]) << (8 * i);
    }
  }
  args.requested_oplock = oplock_request_level(r->requested_oplock_level);
  args.security = s->identity;
  if (!sc.force_user.empty()) args.security = forced_identity(sc.force_user, s->identity);
  if (sc.read_only) {
    auto st = check_read_only(args);
    if (!nt_success(st)) co_return st;
  }
  const uint64_t session_id = req.session_id;
  const uint32_t tree_id = req.tree_id;
  const uint32_t maximal_access = t->maximal_access;

  IrpPtr create_irp;
  auto [iosb, handle] =
      co_await CreateAwaitable(conn.server().io(), std::move(args), conn.loop(), &create_irp);
  if (!nt_success(iosb.status)) {
    log::debug("create '", *name, "' access 0x", std::hex, r->desired_access, " share 0x",
               r->share_access, " disposition ", r->create_disposition, " options 0x",
               r->create_options, std::dec, ": ", ntstatus_name(iosb.status));
    co_return iosb.status;
  }

  FileFacts facts;
  auto fst = co_await query_facts(conn, handle, &facts);
  if (!nt_success(fst)) co_return fst;
  if (conn.closed()) co_return NtStatus::FileClosed;

  auto open = std::make_unique<Open>();
  auto& st = conn.state();
  open->volatile_id = st.next_volatile_id++;
  open->persistent_id = open->volatile_id;
  open->session_id = session_id;
  open->tree_id = tree_id;
  open->handle = std::move(handle);
  open->path = *name;
  open->granted_access = r->desired_access;
  open->is_directory = facts.directory;
  open->oplock_level = create_irp->args_as<CreateArgs>().granted_oplock;

  smb2::CreateResponse resp;
  resp.create_action = static_cast<uint32_t>(iosb.information);
  resp.oplock_level = open->oplock_level;
  copy_facts(facts, resp);
  resp.file_id = {open->persistent_id, open->volatile_id};
  if (smb2::find_create_context(r->contexts, smb2::create_context_tag::kQueryMaximalAccess)) {
    resp.contexts.push_back({smb2::create_context_tag::kQueryMaximalAccess,
                             smb2::encode_maximal_access_response({0, maximal_access})});
  }
  if (smb2::find_create_context(r->contexts, smb2::create_context_tag::kQueryOnDiskId)) {
    resp.contexts.push_back(
        {smb2::create_context_tag::kQueryOnDiskId,
         smb2::encode_query_on_disk_id_response({facts.file_id, facts.volume_id})});
  }
  auto e = smb2::encode_body(resp, req.out(), req.msg_start);
  if (e != NtStatus::Success) co_return e;
  req.chain.file_persistent = open->persistent_id;
  req.chain.file_volatile = open->volatile_id;
  Open& added = *(st.opens[open->volatile_id] = std::move(open));
  if (added.oplock_level != oplock_level::kNone) watch_oplock_break(conn, added);
  co_return NtStatus::Success;
}

Task<NtStatus> handle_close(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_close_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  smb2::CloseResponse resp;
  FileFacts facts;
  const bool postquery = (r->flags & smb2::close_flag::kPostqueryAttrib) != 0;
  // Take the open out first: nothing else may use it while it closes.
  auto& opens = conn.state().opens;
  auto node = opens.extract(o->volatile_id);
  std::unique_ptr<Open> open = std::move(node.mapped());
  if (postquery) {
    auto st = co_await query_facts(conn, open->handle, &facts);
    if (nt_success(st)) {
      resp.flags = smb2::close_flag::kPostqueryAttrib;
      copy_facts(facts, resp);
    }
  }
  auto cst = co_await CloseAwaitable(conn.server().io(), std::move(open->handle), conn.loop());
  if (!nt_success(cst.status)) co_return cst.status;
  co_return smb2::encode_body(resp, req.out(), req.msg_start);
}

Task<NtStatus> handle_flush(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_flush_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  if (!(o->granted_access & (access::kWriteData | access::kAppendData | access::kGenericWrite |
                             access::kGenericAll | access::kMaximumAllowed))) {
    co_return NtStatus::AccessDenied;
  }
  auto st = co_await IrpAwaitable(conn.server().io(), o->handle, FlushArgs{}, conn.loop());
  if (!nt_success(st.status)) co_return st.status;
  co_return smb2::encode_body(smb2::FlushResponse{}, req.out(), req.msg_start);
}

Task<NtStatus> handle_read(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_read_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  if (o->is_pipe) co_return co_await ipc_read(req, *r);
  auto st0 = check_io_size(conn, req.hdr, r->length);
  if (!nt_success(st0)) co_return st0;
  if (o->is_directory) co_return NtStatus::InvalidDeviceRequest;
  auto& out = req.out();
  const size_t pad = conn.state().read_body_padding;
  if (req.splice_tail && !req.sign_response && pad == 0 && r->length >= kSpliceReadMin &&
      splice_reads()) {
    // Plain and unsigned: the server never touches the data. pvfs splices the file's pages into
    // a pipe, the connection splices them on into the socket.
    if (auto pipe = take_splice_pipe(r->length)) {
      ReadArgs args{{}, r->offset, 0, pipe->write_end.get(), r->length};
      auto st = co_await IrpAwaitable(conn.server().io(), o->handle, args, conn.loop());
      if (st.status != NtStatus::NotSupported) {
        const bool ok = nt_success(st.status) && st.information >= r->minimum_count &&
                        st.information > 0 && st.information <= r->length;
        if (!ok) {
          // Nothing (or too little to answer with) went into the pipe; a pipe with leftovers
          // is not reused.
          return_splice_pipe(std::move(pipe), st.information == 0);
          co_return nt_success(st.status) ? NtStatus::EndOfFile : st.status;
        }
        out.resize(req.msg_start + smb2::kReadResponseDataOffset);
        smb2::encode_read_response_fixed(
            smb2::ReadResponse{}, static_cast<uint32_t>(st.information),
            std::span<std::byte, 16>(out.data() + req.msg_start + smb2::kHeaderSize, 16));
        req.splice_tail->pipe = std::move(pipe);
        req.splice_tail->length = st.information;
        co_return NtStatus::Success;
      }
      return_splice_pipe(std::move(pipe), true);
    }
  }
  if (req.tail_ptr && pad == 0 && r->length >= kTailReadMin) {
    // The data is read into a buffer of its own that is sent (and sealed) where it lies, after
    // the response header: no zero fill, no copy, no fresh pages (IoBuffer recycles).
    IoBuffer data(r->length);
    auto st = co_await IrpAwaitable(conn.server().io(), o->handle, ReadArgs{data.span(), r->offset},
                                    conn.loop());
    if (!nt_success(st.status) || st.information < r->minimum_count ||
        (st.information == 0 && r->length > 0)) {
      co_return nt_success(st.status) ? NtStatus::EndOfFile : st.status;
    }
    data.shrink(st.information);
    out.resize(req.msg_start + smb2::kReadResponseDataOffset);
    smb2::encode_read_response_fixed(
        smb2::ReadResponse{}, static_cast<uint32_t>(st.information),
        std::span<std::byte, 16>(out.data() + req.msg_start + smb2::kHeaderSize, 16));
    *req.tail_ptr = std::move(data);
    co_return NtStatus::Success;
  }
  // The file data lands directly in the response (one copy: the kernel's), after the padding
  // FSCTL_SMBTORTURE_GLOBAL_READ_RESPONSE_BODY_PADDING8 may have asked for.
  const size_t data_at = req.msg_start + smb2::kReadResponseDataOffset + pad;
  out.resize(data_at + r->length);
  auto st = co_await IrpAwaitable(conn.server().io(), o->handle,
                                  ReadArgs{std::span(out).subspan(data_at, r->length), r->offset},
                                  conn.loop());
  if (!nt_success(st.status) || st.information < r->minimum_count ||
      (st.information == 0 && r->length > 0)) {
    out.resize(req.msg_start + smb2::kHeaderSize);
    co_return nt_success(st.status) ? NtStatus::EndOfFile : st.status;
  }
  out.resize(data_at + st.information);
  std::byte* body = out.data() + req.msg_start + smb2::kHeaderSize;
  smb2::encode_read_response_fixed(smb2::ReadResponse{}, static_cast<uint32_t>(st.information),
                                   std::span<std::byte, 16>(body, 16));
  if (pad != 0) {
    body[2] = static_cast<std::byte>(smb2::kReadResponseDataOffset + pad);  // DataOffset
    std::fill(body + 16, body + 16 + pad, std::byte{0});
  }
  co_return NtStatus::Success;
}

Task<NtStatus> handle_write(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_write_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  auto st0 = check_io_size(conn, req.hdr, static_cast<uint32_t>(r->data.size()));
  if (!nt_success(st0)) co_return st0;
  if (o->is_directory) co_return NtStatus::InvalidDeviceRequest;
  // MS-FSA 2.1.5.3: a negative offset is invalid on the wire (pvfs keeps ~0 to mean "at the
  // end of file", which SMB2 has no way to ask for).
  if (r->offset > static_cast<uint64_t>(INT64_MAX)) co_return NtStatus::InvalidParameter;
  auto st = co_await IrpAwaitable(conn.server().io(), o->handle, WriteArgs{r->data, r->offset},
                                  conn.loop());
  if (!nt_success(st.status)) co_return st.status;
  smb2::WriteResponse resp;
  resp.count = static_cast<uint32_t>(st.information);
  co_return smb2::encode_body(resp, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
