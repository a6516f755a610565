#include "srv/io_buffer.hpp"

#include <utility>
#include <vector>

namespace lwsmb::server {

namespace {

// Buffers below this are cheap to get from malloc (and not worth keeping).
constexpr size_t kPoolMin = 64 * 1024;
// What one thread keeps at most: enough for a queue of 1 MiB requests (lwbench and Windows
// keep 8 or more in flight) or one 8 MiB one, without holding much on an idle server.
constexpr size_t kPoolBytes = 16 * 1024 * 1024;

// Set once this thread's pool is destroyed (thread exit): later releases just free.
thread_local bool pool_gone = false;

struct Pool {
  ~Pool() { pool_gone = true; }
  struct Entry {
    std::unique_ptr<std::byte[]> data;
    size_t capacity;
  };
  std::vector<Entry> free;
  size_t bytes = 0;
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

}  // namespace

IoBuffer::IoBuffer(size_t size) : size_(size) {
  if (size == 0) return;
  if (size >= kPoolMin && !pool_gone) {
    auto& p = pool();
    // The smallest kept buffer that fits; requests of one size (the usual case) reuse exactly.
    size_t best = p.free.size();
    for (size_t i = 0; i < p.free.size(); ++i) {
      if (p.free[i].capacity >= size &&
          (best == p.free.size() || p.free[i].capacity < p.free[best].capacity)) {
        best = i;
      }
    }
    if (best != p.free.size()) {
      data_ = std::move(p.free[best].data);
      capacity_ = p.free[best].capacity;
      p.bytes -= capacity_;
      p.free.erase(p.free.begin() + static_cast<std::ptrdiff_t>(best));
      return;
    }
  }
  data_ = std::make_unique_for_overwrite<std::byte[]>(size);
  capacity_ = size;
}

IoBuffer::IoBuffer(IoBuffer&& o) noexcept
    : data_(std::move(o.data_)),
      size_(std::exchange(o.size_, 0)),
      capacity_(std::exchange(o.capacity_, 0)) {}

IoBuffer& IoBuffer::operator=(IoBuffer&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::move(o.data_);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
  }
  return *this;
}

IoBuffer::~IoBuffer() {
  release();
}

void IoBuffer::release() {
  if (data_ && capacity_ >= kPoolMin && !pool_gone) {
    auto& p = pool();
    if (p.bytes + capacity_ <= kPoolBytes) {
      p.bytes += capacity_;
      p.free.push_back({std::move(data_), capacity_});
    }
  }
  data_.reset();
  size_ = 0;
  capacity_ = 0;
}

}  // namespace lwsmb::server
