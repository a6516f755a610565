#include "fuse/lease_cache.hpp"

namespace lwsmb::fuse_rdr {

bool LeaseCache::opened(uint64_t ino, bool caching, const Stamp& now, bool handle) {
  std::lock_guard lock(mutex_);
  Node& n = nodes_[ino];
  if (!caching) {
    // Data read through this open is not covered by a lease: nobody would tell us it changed.
    n.valid = false;
    return false;
  }
  const bool keep = n.valid && (n.caching_opens > 0 || n.stamp == now);
  ++n.caching_opens;
  if (handle) {
    ++n.handle_opens;
    n.names_valid = true;
  }
  n.valid = true;  // kept, or dropped at this open and filled again under the lease
  n.stamp = now;
  return keep;
}

bool LeaseCache::released(uint64_t ino, bool caching, bool handle) {
  if (!caching) return false;
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second.caching_opens == 0) return false;
  if (handle && it->second.handle_opens > 0) --it->second.handle_opens;
  return --it->second.caching_opens == 0;
}

void LeaseCache::invalidate(uint64_t ino) {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it != nodes_.end()) {
    it->second.valid = false;
    it->second.names_valid = false;  // the break may have taken handle caching away
  }
}

bool LeaseCache::trusted(uint64_t ino) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  return it != nodes_.end() && it->second.caching_opens > 0 && it->second.valid;
}

bool LeaseCache::name_trusted(uint64_t ino) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  return it != nodes_.end() && it->second.handle_opens > 0 && it->second.valid &&
         it->second.names_valid;
}

void LeaseCache::forget(uint64_t ino) {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it != nodes_.end() && it->second.caching_opens == 0) nodes_.erase(it);
}

}  // namespace lwsmb::fuse_rdr
