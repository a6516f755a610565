// Write-behind for rdr opens: a WRITE IRP completes once its requests are built and queued on
// the connection, with a bound on the bytes an open may have unanswered. A failure the server
// reports later is kept and returned by the next WRITE, FLUSH or CLOSE of the open, and FLUSH
// and CLOSE (and every other request on the file) wait until all writes are answered, so that
// close(2) and fsync(2) report it. Loop thread only.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <vector>

#include "lwsmb/iocore/irp.hpp"
#include "lwsmb/iocore/task.hpp"

namespace lwsmb::fuse_rdr {

class RdrConnection;
struct RdrFile;

struct RdrWriteBehind {
  uint64_t bytes_in_flight = 0;
  NtStatus error = NtStatus::Success;  // the first failure not reported yet
  std::vector<std::coroutine_handle<>> room_waiters;
};

// Handles a WRITE IRP on an open with write-behind (limit: most bytes unanswered at once).
Task<void> rdr_write_behind(std::shared_ptr<RdrConnection> conn, RdrFile* f, IrpPtr irp,
                            uint64_t limit);

// The failure a write-behind request met, forgotten once taken (Success when none).
NtStatus rdr_take_write_error(RdrFile& f);

}  // namespace lwsmb::fuse_rdr
