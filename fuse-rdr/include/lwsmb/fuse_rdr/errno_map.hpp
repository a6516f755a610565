// NTSTATUS -> errno, applied only at the FUSE edge (DESIGN.md, "Conventions").
#pragma once

#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb::fuse_rdr {

// 0 for success codes; a positive errno otherwise (EIO for anything without a closer match).
int errno_from_ntstatus(NtStatus status);

// The same for a byte-range lock request (fcntl F_SETLK/F_GETLK): a conflicting lock is
// EAGAIN there, where an open or a read that meets one is EBUSY/EACCES elsewhere.
int errno_from_lock_status(NtStatus status);

}  // namespace lwsmb::fuse_rdr
