// Private helpers shared by the SMB2 message codecs (smb2_*.cpp): body checks on decode,
// bounds-checked buffer slices, and a writer that appends a body of known size.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "byte_io.hpp"
#include "lwsmb/iocore/ntstatus.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::proto::smb2::detail {

inline constexpr size_t align8(size_t x) {
  return (x + 7) & ~size_t{7};
}

// Fixed part of a body: StructureSize with the "+1 for a variable buffer" bit dropped.
inline constexpr size_t fixed_size(uint16_t structure_size) {
  return structure_size & ~uint16_t{1};
}

// Checks the message holds a header and the fixed part of a body with the expected
// StructureSize, and returns a reader positioned right after StructureSize (offset 66).
// Variable buffers are located through their offsets, so a missing trailing pad byte of an
// odd StructureSize is tolerated.
inline bool open_body(std::span<const std::byte> msg, uint16_t structure_size, LeReader& r) {
  if (msg.size() < kHeaderSize + fixed_size(structure_size)) return false;
  r = LeReader(msg);
  uint16_t ss = 0;
  if (!r.seek(kHeaderSize) || !r.read_u16(ss)) return false;
  return ss == structure_size;
}

// A buffer named by (offset from the header, length). Empty buffers are accepted with any
// offset (clients send 0 there). A non-empty one must start at or after min_offset (not inside
// the header or the fixed part) and end inside the message; the arithmetic is 64-bit so a
// 32-bit offset + length cannot wrap.
inline bool slice(std::span<const std::byte> msg, uint64_t offset, uint64_t length,
                  size_t min_offset, std::span<const std::byte>& out) {
  if (length == 0) {
    out = {};
    return true;
  }
  if (offset < min_offset || offset > msg.size() || length > msg.size() - offset) return false;
  out = msg.subspan(static_cast<size_t>(offset), static_cast<size_t>(length));
  return true;
}

// True when two non-empty slices of one message overlap.
inline bool overlap(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.empty() || b.empty()) return false;
  const std::byte* a0 = a.data();
  const std::byte* b0 = b.data();
  return a0 < b0 + b.size() && b0 < a0 + a.size();
}

// Appends `size` zero bytes to out and writes into them. rel() is the offset of a body
// position from the message's header, which is what SMB2 offsets count from.
class BodyWriter {
 public:
  // Precondition: msg_start <= out.size() (the header was appended before the body).
  BodyWriter(std::vector<std::byte>& out, size_t msg_start, size_t size)
      : base_(out.size()), rel_(out.size() - msg_start), w_(grow(out, size)) {
    assert(base_ >= msg_start);
  }
  LeWriter& w() { return w_; }
  size_t rel(size_t body_pos) const { return rel_ + body_pos; }
  size_t rel_now() const { return rel_ + w_.offset(); }
  size_t base() const { return base_; }

 private:
  static std::span<std::byte> grow(std::vector<std::byte>& out, size_t size) {
    const size_t old = out.size();
    out.resize(old + size);
    return std::span<std::byte>(out).subspan(old);
  }
  size_t base_;
  size_t rel_;
  LeWriter w_;
};

inline void write_guid(LeWriter& w, const Guid& g) {
  w.write_bytes(g);
}
inline bool read_guid(LeReader& r, Guid& g) {
  std::span<const std::byte> s;
  if (!r.read_bytes(16, s)) return false;
  for (size_t i = 0; i < 16; ++i) g[i] = s[i];
  return true;
}

inline void read_file_id(LeReader& r, FileId& id) {
  r.read_u64(id.persistent);
  r.read_u64(id.volatile_id);
}
inline void write_file_id(LeWriter& w, const FileId& id) {
  w.write_u64(id.persistent);
  w.write_u64(id.volatile_id);
}

inline constexpr NtStatus kBad = NtStatus::InvalidParameter;

}  // namespace lwsmb::proto::smb2::detail
