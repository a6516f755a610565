// Bounds-checked little-endian readers and writers over byte spans, shared by the wire codecs.
// Neither class ever touches a byte outside its span: a read or write that does not fit fails,
// leaves the position and the destination unchanged, and latches ok() to false so that a
// sequence of calls can be checked once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace lwsmb::proto {

class LeReader {
 public:
  explicit LeReader(std::span<const std::byte> in) : in_(in) {}

  size_t size() const { return in_.size(); }
  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  bool ok() const { return ok_; }

  // Moves to an absolute offset; offset == size() is allowed (nothing left to read).
  bool seek(size_t offset) {
    if (offset > in_.size()) return fail();
    pos_ = offset;
    return true;
  }
  bool skip(size_t n) {
    if (n > remaining()) return fail();
    pos_ += n;
    return true;
  }

  bool read_u8(uint8_t& v) { return read_le(v); }
  bool read_u16(uint16_t& v) { return read_le(v); }
  bool read_u32(uint32_t& v) { return read_le(v); }
  bool read_u64(uint64_t& v) { return read_le(v); }
  bool read_i32(int32_t& v) {
    uint32_t u = 0;
    if (!read_le(u)) return false;
    v = static_cast<int32_t>(u);
    return true;
  }
  bool read_i64(int64_t& v) {
    uint64_t u = 0;
    if (!read_le(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }

  // A view of the next n bytes (no copy).
  bool read_bytes(size_t n, std::span<const std::byte>& v) {
    if (n > remaining()) return fail();
    v = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  // byte_len bytes of UTF-16LE; an odd length is a failure.
  bool read_utf16(size_t byte_len, std::u16string& v) {
    if (byte_len % 2 != 0 || byte_len > remaining()) return fail();
    std::u16string s(byte_len / 2, u'\0');
    for (size_t i = 0; i < s.size(); ++i) {
      s[i] = static_cast<char16_t>(std::to_integer<uint16_t>(in_[pos_ + 2 * i]) |
                                   std::to_integer<uint16_t>(in_[pos_ + 2 * i + 1]) << 8);
    }
    v = std::move(s);
    pos_ += byte_len;
    return true;
  }

 private:
  template <class T>
  bool read_le(T& v) {
    if (sizeof(T) > remaining()) return fail();
    T r = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      r = static_cast<T>(r | static_cast<T>(std::to_integer<T>(in_[pos_ + i]) << (8 * i)));
    }
    v = r;
    pos_ += sizeof(T);
    return true;
  }
  bool fail() {
    ok_ = false;
    return false;
  }

  std::span<const std::byte> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class LeWriter {
 public:
  explicit LeWriter(std::span<std::byte> out) : out_(out) {}

  size_t size() const { return out_.size(); }
  size_t offset() const { return pos_; }
  size_t remaining() const { return out_.size() - pos_; }
  bool ok() const { return ok_; }

  bool seek(size_t offset) {
    if (offset > out_.size()) return fail();
    pos_ = offset;
    return true;
  }

  bool write_u8(uint8_t v) { return write_le(v); }
  bool write_u16(uint16_t v) { return write_le(v); }
  bool write_u32(uint32_t v) { return write_le(v); }
  bool write_u64(uint64_t v) { return write_le(v); }
  bool write_i32(int32_t v) { return write_le(static_cast<uint32_t>(v)); }
  bool write_i64(int64_t v) { return write_le(static_cast<uint64_t>(v)); }

  bool write_zeros(size_t n) {
    if (n > remaining()) return fail();
    for (size_t i = 0; i < n; ++i) out_[pos_ + i] = std::byte{0};
    pos_ += n;
    return true;
  }
  bool write_bytes(std::span<const std::byte> v) {
    if (v.size() > remaining()) return fail();
    for (size_t i = 0; i < v.size(); ++i) out_[pos_ + i] = v[i];
    pos_ += v.size();
    return true;
  }
  // UTF-16LE, no terminator.
  bool write_utf16(std::u16string_view v) {
    if (v.size() > remaining() / 2) return fail();
    for (size_t i = 0; i < v.size(); ++i) {
      out_[pos_ + 2 * i] = static_cast<std::byte>(v[i] & 0xFF);
      out_[pos_ + 2 * i + 1] = static_cast<std::byte>(v[i] >> 8);
    }
    pos_ += 2 * v.size();
    return true;
  }

  // Patches a field written earlier (e.g. NextEntryOffset) without moving the position.
  bool put_u32_at(size_t offset, uint32_t v) {
    if (offset > out_.size() || out_.size() - offset < 4) return fail();
    for (size_t i = 0; i < 4; ++i) out_[offset + i] = static_cast<std::byte>(v >> (8 * i));
    return true;
  }

 private:
  template <class T>
  bool write_le(T v) {
    if (sizeof(T) > remaining()) return fail();
    for (size_t i = 0; i < sizeof(T); ++i) {
      out_[pos_ + i] = static_cast<std::byte>(static_cast<uint64_t>(v) >> (8 * i));
    }
    pos_ += sizeof(T);
    return true;
  }
  bool fail() {
    ok_ = false;
    return false;
  }

  std::span<std::byte> out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace lwsmb::proto
