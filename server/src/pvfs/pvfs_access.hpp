// Access masks for pvfs opens: generic mapping and the rights Unix permissions give a caller.
#pragma once

#include <sys/stat.h>

#include <cstdint>

#include "lwsmb/iocore/irp.hpp"

namespace lwsmb::server::pvfs {

// GENERIC_* -> file-specific rights (MS-DTYP 2.4.3 with the file mapping of MS-SMB2 3.3.5.9).
// MAXIMUM_ALLOWED is left for the caller to expand.
uint32_t map_generic_access(uint32_t desired);

// Rights the mode bits give `who` on a file whose parent directory is `parent` (null when
// unknown, e.g. the root). uid 0 gets FILE_ALL_ACCESS. For others: r -> read data/EA (and
// execute, on a file), w -> write data/append/EA/attributes/delete child, x -> traverse (and
// execute), the owner may change attributes and security, and DELETE comes from write+search
// permission on the parent directory.
uint32_t unix_allowed_access(const SecurityContext& who, const struct statx& st,
                             const struct statx* parent);

// May `who` add entries to the directory `dir` (w and x on it)?
bool unix_may_add_entry(const SecurityContext& who, const struct statx& dir);

// MS-FSA 2.1.5.1.2.1: the desired access is granted only when every requested right is
// allowed; MAXIMUM_ALLOWED adds every allowed right. Returns STATUS_ACCESS_DENIED otherwise.
NtStatus grant_access(uint32_t desired, uint32_t allowed, uint32_t* granted);

}  // namespace lwsmb::server::pvfs
