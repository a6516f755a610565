// The rdr driver's per-open state and the IRP handlers that turn IRPs into SMB2 requests.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "lwsmb/iocore/driver.hpp"
#include "lwsmb/iocore/task.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_path.hpp"
#include "rdr/rdr_readahead.hpp"
#include "rdr/rdr_writebehind.hpp"

namespace lwsmb::fuse_rdr {

// The CCB of an rdr open: which connection and tree, and the server's FileId.
struct RdrFile : DriverFileContext {
  std::shared_ptr<RdrConnection> conn;
  std::shared_ptr<RdrTree> tree;
  smb2::FileId file_id;
  // The lease or oplock this open caches under (null: none); see rdr_lease.hpp.
  std::shared_ptr<RdrCacheGrant> grant;
  // FileAllInformation fetched in the same compound as the CREATE (MS-SMB2 3.2.4.1.4): it
  // answers the first FileAllInformation query made soon after the open without a round trip
  // (the create-query-close pattern of stat). Dropped once used, after a change through this
  // open, or when older than kOpenInfoTtl.
  std::vector<std::byte> open_info;
  std::chrono::steady_clock::time_point open_info_time;
  // Files on a disk share (not IPC$): what the opens of the file share, this open's
  // read-ahead window and write-behind state (rdr_readahead.hpp, rdr_writebehind.hpp).
  std::shared_ptr<RdrFileShared> shared;
  std::unique_ptr<RdrReadAhead> read_ahead;
  std::shared_ptr<RdrWriteBehind> write_behind;
};
inline constexpr std::chrono::milliseconds kOpenInfoTtl{1000};

// Runs on the connection's loop; completes the IRP exactly once.
Task<void> rdr_create(std::shared_ptr<RdrConnection> conn, IrpPtr irp, RdrPath path);
// Every IRP on an open rdr file (the IRP's FileObject carries an RdrFile).
Task<void> rdr_file_irp(std::shared_ptr<RdrConnection> conn, IrpPtr irp);

}  // namespace lwsmb::fuse_rdr
