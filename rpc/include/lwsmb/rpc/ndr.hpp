// NDR (transfer syntax NDR 2.0, little-endian; C706 chapter 14) primitives: aligned integers,
// referent ids and conformant varying UTF-16 strings. The RPC interfaces build on these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::rpc {

// UTF-8 <-> UTF-16 for NDR strings. Invalid sequences become U+FFFD (names come from our own
// configuration or a peer's string, which is only displayed or compared).
std::u16string utf8_to_utf16(std::string_view s);
std::string utf16_to_utf8(std::u16string_view s);

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
  // Raw bytes, unaligned (a UUID, a uni-dimensional byte array's elements).
  void bytes(std::span<const std::byte> b);
  const std::vector<std::byte>& data() const { return out_; }
  std::vector<std::byte> take() { return std::move(out_); }
  size_t size() const { return out_.size(); }

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
  bool bytes(std::span<std::byte> out);
  // A conformant array's max_count: fails unless count elements of at least min_element_size
  // bytes each can still follow, so no decoder allocates for a count the buffer cannot hold.
  bool array_count(uint32_t* count, size_t min_element_size);
  bool fail() { return ok_ = false; }
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
