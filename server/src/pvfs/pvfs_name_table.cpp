#include "pvfs/pvfs_name_table.hpp"

namespace lwsmb::server::pvfs {

void NameTable::acquire(const FileKey& key, const std::string& rel) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(key, Entry{rel, 0});
  ++it->second.refs;
}

void NameTable::release(const FileKey& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end() && --it->second.refs == 0) entries_.erase(it);
}

std::string NameTable::path(const FileKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? std::string() : it->second.rel;
}

void NameTable::rename(const FileKey& key, const std::string& new_rel) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) it->second.rel = new_rel;
}

bool NameTable::has_open_below(const std::string& rel) const {
  const std::string prefix = rel + "/";
  std::lock_guard lock(mutex_);
  for (const auto& [key, entry] : entries_) {
    if (entry.rel.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

}  // namespace lwsmb::server::pvfs
