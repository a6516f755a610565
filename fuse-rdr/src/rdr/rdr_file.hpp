// The rdr driver's per-open state and the IRP handlers that turn IRPs into SMB2 requests.
#pragma once

#include <memory>

#include "lwsmb/iocore/driver.hpp"
#include "lwsmb/iocore/task.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_path.hpp"

namespace lwsmb::fuse_rdr {

// The CCB of an rdr open: which connection and tree, and the server's FileId.
struct RdrFile : DriverFileContext {
  std::shared_ptr<RdrConnection> conn;
  std::shared_ptr<RdrTree> tree;
  smb2::FileId file_id;
};

// Runs on the connection's loop; completes the IRP exactly once.
Task<void> rdr_create(std::shared_ptr<RdrConnection> conn, IrpPtr irp, RdrPath path);
// Every IRP on an open rdr file (the IRP's FileObject carries an RdrFile).
Task<void> rdr_file_irp(std::shared_ptr<RdrConnection> conn, IrpPtr irp);

}  // namespace lwsmb::fuse_rdr
