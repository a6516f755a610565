// Buffers for large incoming frames (READ responses of read-ahead), kept for reuse: a fresh
// std::vector is zero-filled on resize, which for megabyte frames costs as much as a copy.
// Thread-safe; holds a few buffers at most.
#pragma once

#include <cstddef>
#include <vector>

namespace lwsmb::fuse_rdr {

// A buffer of exactly n bytes (contents unspecified).
std::vector<std::byte> rdr_frame_buffer(size_t n);
// Gives a buffer back for a later rdr_frame_buffer; small ones are simply freed.
void rdr_frame_buffer_return(std::vector<std::byte>&& buf);

}  // namespace lwsmb::fuse_rdr
