// NTSTATUS -> errno, applied only at the FUSE edge (DESIGN.md, "Conventions").
#pragma once

#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb::fuse_rdr {

// 0 for success codes; a positive errno otherwise (EIO for anything without a closer match).
int errno_from_ntstatus(NtStatus status);

}  // namespace lwsmb::fuse_rdr
