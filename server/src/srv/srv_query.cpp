// QUERY_DIRECTORY, QUERY_INFO, SET_INFO, CHANGE_NOTIFY and IOCTL (MS-SMB2 3.3.5.15 - 3.3.5.21).
#include <algorithm>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_query.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_ipc.hpp"
#include "srv/srv_oplock.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;
namespace fscc = proto::fscc;

namespace {

constexpr uint32_t kMaxTransact = 8 * 1024 * 1024;
// FSCTL_SMBTORTURE (0x83840000) | FILE_WRITE_ACCESS << 14 | 0x20 | METHOD_NEITHER.
constexpr uint32_t kFsctlSmbtortureReadPadding8 = 0x83848023;

// Reserves the response's output buffer right after its fixed part and returns it.
std::span<std::byte> reserve_output(SmbRequest& req, uint32_t length) {
  auto& out = req.out();
  const size_t at = req.msg_start + smb2::kOutputBufferDataOffset;
  out.resize(at + length);
  return std::span(out).subspan(at, length);
}

// Finishes an output-buffer response with the bytes the driver wrote.
void finish_output(SmbRequest& req, uint64_t written) {
  auto& out = req.out();
  const size_t at = req.msg_start + smb2::kOutputBufferDataOffset;
  out.resize(at + written);
  if (written == 0) out.push_back(std::byte{0});  // the body is never shorter than 9 bytes
  smb2::encode_output_buffer_response_fixed(
      static_cast<uint32_t>(written),
      std::span<std::byte, 8>(out.data() + req.msg_start + smb2::kHeaderSize, 8));
}

void drop_output(SmbRequest& req) {
  req.out().resize(req.msg_start + smb2::kHeaderSize);
}

}  // namespace

Task<NtStatus> handle_query_directory(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_query_directory_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  if (!o->is_directory) co_return NtStatus::InvalidParameter;
  if (r->output_buffer_length > kMaxTransact) co_return NtStatus::InvalidParameter;
  auto pattern = fscc::utf16_to_utf8(r->file_name);
  if (!pattern) co_return NtStatus::ObjectNameInvalid;
  QueryDirectoryArgs a;
  a.info_class = static_cast<FileInfoClass>(r->file_information_class);
  a.flags = r->flags;
  a.file_index = r->file_index;
  a.pattern = *pattern;
  a.buffer = reserve_output(req, r->output_buffer_length);
  auto st = co_await IrpAwaitable(conn.server().io(), o->handle, std::move(a), conn.loop());
  if (!nt_success(st.status)) {
    drop_output(req);
    co_return st.status;
  }
  finish_output(req, st.information);
  co_return NtStatus::Success;
}

Task<NtStatus> handle_query_info(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_query_info_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  if (r->output_buffer_length > kMaxTransact) co_return NtStatus::InvalidParameter;
  IrpArgs args;
  switch (r->info_type) {
    case smb2::info_type::kFile:
      // MS-SMB2 3.3.5.20.1: FileNormalizedNameInformation only from 3.1.1 on.
      if (r->file_info_class == static_cast<uint8_t>(FileInfoClass::NormalizedName) &&
          conn.state().dialect < smb2::dialect::kSmb311) {
        co_return NtStatus::NotSupported;
      }
      args = QueryInformationArgs{static_cast<FileInfoClass>(r->file_info_class), {}};
      break;
    case smb2::info_type::kFilesystem:
      args = QueryVolumeInformationArgs{static_cast<FsInfoClass>(r->file_info_class), {}};
      break;
    case smb2::info_type::kSecurity:
      args = QuerySecurityArgs{r->additional_information, {}};
      break;
    default:
      co_return NtStatus::InvalidInfoClass;
  }
  auto buf = reserve_output(req, r->output_buffer_length);
  std::visit(
      [&](auto& a) {
        if constexpr (requires { a.buffer; }) a.buffer = buf;
      },
      args);
  auto st = co_await IrpAwaitable(conn.server().io(), o->handle, std::move(args), conn.loop());
  if (!nt_success(st.status)) {
    drop_output(req);
    co_return st.status;
  }
  finish_output(req, st.information);
  // STATUS_BUFFER_OVERFLOW travels with the partial data (MS-SMB2 3.3.5.20).
  co_return st.status;
}

Task<NtStatus> handle_set_info(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_set_info_request(req.msg);
  if (!r) co_return r.status();
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  IrpArgs args;
  switch (r->info_type) {
    case smb2::info_type::kFile:
      args = SetInformationArgs{static_cast<FileInfoClass>(r->file_info_class), r->buffer};
      break;
    case smb2::info_type::kSecurity:
      args = SetSecurityArgs{r->additional_information, r->buffer};
      break;
    case smb2::info_type::kFilesystem:
      co_return NtStatus::NotSupported;
    default:
      co_return NtStatus::InvalidInfoClass;
  }
  auto st = co_await IrpAwaitable(conn.server().io(), o->handle, std::move(args), conn.loop());
  if (!nt_success(st.status)) co_return st.status;
  co_return smb2::encode_body(smb2::SetInfoResponse{}, req.out(), req.msg_start);
}

Task<NtStatus> handle_ioctl(SmbRequest& req) {
  auto& conn = req.conn;
  auto r = smb2::decode_ioctl_request(req.msg);
  if (!r) co_return r.status();
  if (!(r->flags & smb2::ioctl_flag::kIsFsctl)) co_return NtStatus::NotSupported;
  auto& st = conn.state();
  switch (r->ctl_code) {
    case smb2::fsctl::kValidateNegotiateInfo: {
      // MS-SMB2 3.3.5.15.12: any mismatch ends the connection.
      auto v = smb2::decode_validate_negotiate_info_request(r->input);
      if (!v || st.dialect == smb2::dialect::kSmb311) {
        conn.close();
        co_return NtStatus::InvalidParameter;
      }
      const auto& g = conn.server().config().global;
      uint16_t mode = smb2::security_mode::kSigningEnabled;
      if (g.server_signing == SigningPolicy::Mandatory)
        mode |= smb2::security_mode::kSigningRequired;
      if (v->guid != st.client_guid || v->security_mode != st.client_security_mode ||
          v->capabilities != st.client_capabilities || v->dialects != st.client_dialects) {
        log::info("connection ", conn.id(), ": VALIDATE_NEGOTIATE_INFO mismatch; closing");
        conn.close();
        co_return NtStatus::AccessDenied;
      }
      smb2::ValidateNegotiateInfoResponse resp;
      resp.capabilities = st.server_capabilities;
      resp.guid = conn.server().server_guid();
      resp.security_mode = mode;
      resp.dialect = st.dialect;
      auto payload = smb2::encode_validate_negotiate_info_response(resp);
      smb2::IoctlResponse out;
      out.ctl_code = r->ctl_code;
      out.file_id = r->file_id;
      out.output = payload;
      co_return smb2::encode_body(out, req.out(), req.msg_start);
    }
    case kFsctlSmbtortureReadPadding8:
      // A test hook of Samba's smbtorture (read.bug14607): pad every READ response of this
      // connection by 8 bytes, so clients must honour DataOffset. No input, no output.
      if (!r->input.empty()) co_return NtStatus::InvalidParameter;
      st.read_body_padding = 8;
      {
        smb2::IoctlResponse out;
        out.ctl_code = r->ctl_code;
        out.file_id = r->file_id;
        co_return smb2::encode_body(out, req.out(), req.msg_start);
      }
    case smb2::fsctl::kDfsGetReferrals:
    case smb2::fsctl::kDfsGetReferralsEx:
      co_return NtStatus::NotFound;
    case smb2::fsctl::kPipeTransceive:
    case smb2::fsctl::kPipePeek:
    case smb2::fsctl::kPipeWait:
      co_return co_await ipc_ioctl(req, *r);  // named pipes (srv_ipc.cpp)
    case smb2::fsctl::kQueryNetworkInterfaceInfo:
      co_return NtStatus::NotSupported;
    default:
      break;
  }
  Open* o = find_open(req, r->file_id.persistent, r->file_id.volatile_id);
  if (!o) co_return NtStatus::FileClosed;
  if (is_internal_fsctl(r->ctl_code)) co_return NtStatus::InvalidDeviceRequest;
  if (r->max_output_response > kMaxTransact) co_return NtStatus::InvalidParameter;
  std::vector<std::byte> output(r->max_output_response);
  auto res = co_await IrpAwaitable(conn.server().io(), o->handle,
                                   FsControlArgs{r->ctl_code, r->input, output}, conn.loop());
  if (!nt_success(res.status)) co_return res.status;
  smb2::IoctlResponse out;
  out.ctl_code = r->ctl_code;
  out.file_id = r->file_id;
  out.output = std::span(output).first(std::min<size_t>(res.information, output.size()));
  co_return smb2::encode_body(out, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
