// Read-ahead for sequential readers of an rdr open (mount.cifs's rasize=), and the small state
// that every open of one file on a connection shares so that a write through one open drops
// what another one read ahead. Loop thread only (every IRP of a connection runs on its loop).
#pragma once

#include <coroutine>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/irp.hpp"
#include "lwsmb/iocore/task.hpp"

namespace lwsmb::fuse_rdr {

class RdrConnection;
struct RdrFile;

// Shared by the opens of one file (same connection, share and path, compared without case).
struct RdrFileShared {
  uint64_t generation = 0;        // bumped by every write or size change through any open
  uint32_t writes_in_flight = 0;  // write-behind requests not answered yet, all opens
  std::vector<std::coroutine_handle<>> drain_waiters;
};

// The state of (conn, share, path), made on first use; it lives while an open holds it.
std::shared_ptr<RdrFileShared> rdr_file_shared(const RdrConnection* conn, const std::string& share,
                                               const std::string& path);
// The same without making it: null when no open of the file holds one.
std::shared_ptr<RdrFileShared> rdr_file_shared_find(const RdrConnection* conn,
                                                    const std::string& share,
                                                    const std::string& path);

// Waits until no write-behind request of the file is in flight: every request other than a
// WRITE sees what the writes before it did (the server may run requests in any order).
Task<void> rdr_wait_writes(EventLoop& loop, std::shared_ptr<RdrFileShared> shared);
// Resumes those waiters once writes_in_flight reached zero.
void rdr_writes_drained(EventLoop& loop, RdrFileShared& shared);

// One READ of the read-ahead window.
struct RdrReadAheadChunk {
  uint64_t offset = 0;
  uint32_t length = 0;
  bool done = false;
  NtStatus status = NtStatus::Pending;
  std::vector<std::byte> msg;       // the whole READ response
  std::span<const std::byte> data;  // its data, inside msg
  uint64_t consumed = 0;            // bytes handed to readers so far
  std::vector<std::coroutine_handle<>> waiters;

  RdrReadAheadChunk() = default;
  RdrReadAheadChunk(const RdrReadAheadChunk&) = delete;
  RdrReadAheadChunk& operator=(const RdrReadAheadChunk&) = delete;
  ~RdrReadAheadChunk();  // msg goes back to rdr_frame_buffer's pool
};

struct RdrReadAhead {
  uint64_t next_offset = 0;  // where the next read of a sequential reader starts
  unsigned sequential = 0;   // reads in a row that started where the last one ended
  uint64_t generation = 0;   // RdrFileShared::generation the chunks were read at
  uint64_t fill_end = 0;     // end of the last chunk asked for
  std::deque<std::shared_ptr<RdrReadAheadChunk>> chunks;
};

// Forgets what the open, and every other open of the same file, read ahead: for a write, a
// size change, a lease or oplock break that says the data may have changed. Requests still in
// flight finish into chunks nobody reads. Loop thread.
void rdr_drop_read_ahead(RdrFile& f);

// A READ IRP of a sequential reader: served from the window, which is kept `window` bytes
// ahead of the reader with several READs in flight. False: not sequential (or read-ahead is
// off), the caller reads directly.
bool rdr_read_ahead_read(const std::shared_ptr<RdrConnection>& conn, RdrFile* f, const IrpPtr& irp,
                         uint32_t window);

}  // namespace lwsmb::fuse_rdr
