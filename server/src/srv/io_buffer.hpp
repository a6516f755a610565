// A large, uninitialised byte buffer for the data path (WRITE payloads received straight into
// it, READ data read straight into it), recycled through a small pool per thread: a 1 MiB
// request then costs neither a zero fill nor fresh pages (mmap, page faults, munmap), which
// profiles showed as a large share of the server's time on sequential I/O.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace lwsmb::server {

class IoBuffer {
 public:
  IoBuffer() = default;
  // size bytes whose contents are unspecified (a recycled buffer keeps what it held).
  explicit IoBuffer(size_t size);
  IoBuffer(IoBuffer&& o) noexcept;
  IoBuffer& operator=(IoBuffer&& o) noexcept;
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;
  ~IoBuffer();  // back to this thread's pool

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Shrinks (never grows) the visible size: a short read.
  void shrink(size_t n) {
    if (n < size_) size_ = n;
  }
  std::span<std::byte> span() { return {data_.get(), size_}; }
  std::span<const std::byte> span() const { return {data_.get(), size_}; }
  operator std::span<const std::byte>() const { return span(); }

 private:
  void release();
  std::unique_ptr<std::byte[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace lwsmb::server
