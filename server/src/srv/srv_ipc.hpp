// IPC$: SMB2 opens of named pipes. A CREATE on an IPC$ tree opens "\npfs\<pipe>" (the name
// lower-cased, without a leading "\PIPE\"); READ waits for a message as a pending, cancellable
// request; IOCTL FSCTL_PIPE_TRANSCEIVE, FSCTL_PIPE_PEEK and FSCTL_PIPE_WAIT go to npfs
// (MS-SMB2 3.3.5.9, 3.3.5.12, 3.3.5.15.1, 3.3.5.15.10). WRITE, QUERY_INFO, SET_INFO and CLOSE
// need nothing special: the generic handlers pass them to the npfs open.
#pragma once

#include <optional>
#include <string>

#include "lwsmb/iocore/task.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "srv/srv_request.hpp"

namespace lwsmb::server {

// The I/O manager namespace of named pipes.
inline constexpr const char* kNpfsPrefix = "\\npfs";

// "srvsvc", "\PIPE\srvsvc", "PIPE\SRVSVC" -> "srvsvc"; nullopt for an empty or odd name.
std::optional<std::string> ipc_pipe_name(std::string_view client_name);

Task<NtStatus> ipc_create(SmbRequest& req, const proto::smb2::CreateRequest& r);
Task<NtStatus> ipc_read(SmbRequest& req, const proto::smb2::ReadRequest& r);
Task<NtStatus> ipc_ioctl(SmbRequest& req, const proto::smb2::IoctlRequest& r);

}  // namespace lwsmb::server
