// npfs: the in-memory named pipe file system (the design talk's \npfs). A DCE/RPC server makes
// pipe instances with a CREATE that carries CreateArgs::named_pipe (the server end) and waits
// for clients with FSCTL_PIPE_LISTEN; an ordinary CREATE of the same name (the client end, e.g.
// srv on behalf of an SMB client on IPC$) connects to a free instance. Message-mode reads,
// writes, FSCTL_PIPE_TRANSCEIVE, FSCTL_PIPE_WAIT (on the root open), FSCTL_PIPE_DISCONNECT,
// FilePipeInformation / FilePipeLocalInformation; closing either end breaks the pipe for the
// other as on Windows. Pending reads, listens and waits are cancellable IRPs.
#pragma once

#include <memory>

#include "lwsmb/iocore/driver.hpp"

namespace lwsmb::server {

// Registers as io.register_driver("\\npfs", make_npfs_driver()). Pipe names are matched
// without regard to case and carry no "\PIPE\" prefix: "\npfs\srvsvc".
std::shared_ptr<Driver> make_npfs_driver();

}  // namespace lwsmb::server
