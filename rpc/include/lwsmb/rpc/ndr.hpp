// NDR (transfer syntax NDR 2.0, little-endian; C706 chapter 14) primitives: aligned integers,
// referent ids and conformant varying UTF-16 strings. The RPC interfaces build on these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::rpc {

class NdrWriter {
 public:
  void align(size_t n);  // pads with zeros to a multiple of n from the start of the stream
  void u8(uint8_t v);
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  // A unique/full pointer's referent id: 0 is NULL.
  void pointer(bool present);
  // Conformant varying string: max_count, offset 0, actual_count, then UTF-16 units.
  // with_nul appends the terminating NUL as MS-SRVS wchar_t* strings carry it.
  void conformant_varying_string(std::u16string_view s, bool with_nul = true);
  const std::vector<std::byte>& data() const { return out_; }

 private:
  std::vector<std::byte> out_;
  uint32_t next_referent_ = 0x00020000;
};

// Every read checks bounds; a failed read leaves the reader in a failed state and every later
// read fails too, so a decoder may check once at the end.
class NdrReader {
 public:
  explicit NdrReader(std::span<const std::byte> in) : in_(in) {}
  bool align(size_t n);
  bool u8(uint8_t* v);
  bool u16(uint16_t* v);
  bool u32(uint32_t* v);
  bool u64(uint64_t* v);
  bool pointer(bool* present);
  // STATUS_INVALID_PARAMETER (via ok()==false) when offset != 0, actual > max, or the count
  // runs past the buffer or past max_units.
  bool conformant_varying_string(std::u16string* s, uint32_t max_units = 65536);
  bool ok() const { return ok_; }
  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  bool take(void* dst, size_t n);
  std::span<const std::byte> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace lwsmb::rpc
