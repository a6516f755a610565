#include "rdr/rdr_frame_pool.hpp"

#include <mutex>
#include <utility>

namespace lwsmb::fuse_rdr {

namespace {

constexpr size_t kKeepAtLeast = 256 * 1024;  // smaller frames are cheap to make
constexpr size_t kMaxKept = 8;

std::mutex g_mutex;
std::vector<std::vector<std::byte>>& kept() {
  static std::vector<std::vector<std::byte>> k;
  return k;
}

}  // namespace

std::vector<std::byte> rdr_frame_buffer(size_t n) {
  std::vector<std::byte> buf;
  if (n >= kKeepAtLeast) {
    std::lock_guard lock(g_mutex);
    auto& k = kept();
    for (auto it = k.begin(); it != k.end(); ++it) {
      if (it->capacity() >= n) {
        buf = std::move(*it);
        k.erase(it);
        break;
      }
    }
  }
  buf.resize(n);  // only bytes past the old size are filled
  return buf;
}

void rdr_frame_buffer_return(std::vector<std::byte>&& buf) {
  if (buf.capacity() < kKeepAtLeast) return;
  std::vector<std::byte> drop;  // freed outside the lock
  {
    std::lock_guard lock(g_mutex);
    auto& k = kept();
    if (k.size() < kMaxKept) {
      k.push_back(std::move(buf));
    } else {
      drop = std::move(buf);
    }
  }
}

}  // namespace lwsmb::fuse_rdr
