// Oplocks in srv (MS-SMB2 3.3.5.9 request and grant, 3.3.4.6 break notification, 3.3.5.22.1
// acknowledgment). pvfs keeps the oplock state of every file; srv asks for a level with the
// CREATE, waits for breaks with a pending FsControl IRP per open and passes acknowledgments on.
#pragma once

#include <cstdint>

#include "lwsmb/iocore/task.hpp"
#include "srv/smb_state.hpp"

namespace lwsmb::server {

class SmbConnection;
struct SmbRequest;

// The level pvfs is asked for, from a CREATE's RequestedOplockLevel (leases are not granted:
// SMB2_OPLOCK_LEVEL_LEASE asks for nothing).
uint8_t oplock_request_level(uint8_t requested);

// After a CREATE that was granted an oplock: waits for its break (a pending FsControl IRP) and,
// when it comes, sends the OPLOCK_BREAK notification on this connection, whichever thread pvfs
// breaks it on. Call on the connection's loop once the open is in ConnectionState::opens.
void watch_oplock_break(SmbConnection& conn, const Open& open);

// SMB2 OPLOCK_BREAK acknowledgment (MS-SMB2 3.3.5.22).
Task<NtStatus> handle_oplock_break(SmbRequest& req);

// SMB2 IOCTL must not reach the FsControl codes srv uses internally for oplocks.
bool is_internal_fsctl(uint32_t code);

}  // namespace lwsmb::server
