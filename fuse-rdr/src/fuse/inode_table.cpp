#include "fuse/inode_table.hpp"

#include <vector>

namespace lwsmb::fuse_rdr {

InodeTable::InodeTable() {
  Node root;
  root.nlookup = 1;  // the kernel never forgets the root
  nodes_.emplace(kRoot, std::move(root));
}

InodeTable::Ino InodeTable::lookup(Ino parent, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto p = nodes_.find(parent);
  if (p == nodes_.end()) return 0;
  auto it = by_name_.find(Key{parent, name});
  if (it != by_name_.end()) {
    ++nodes_[it->second].nlookup;
    return it->second;
  }
  Ino ino = next_++;
  Node n;
  n.parent = parent;
  n.name = name;
  n.nlookup = 1;
  nodes_.emplace(ino, std::move(n));
  ++p->second.children;
  by_name_.emplace(Key{parent, name}, ino);
  return ino;
}

InodeTable::Ino InodeTable::child(Ino parent, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(Key{parent, name});
  return it == by_name_.end() ? 0 : it->second;
}

void InodeTable::forget(Ino ino, uint64_t n) {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || ino == kRoot) return;
  it->second.nlookup = n >= it->second.nlookup ? 0 : it->second.nlookup - n;
  maybe_erase_locked(ino);
}

void InodeTable::maybe_erase_locked(Ino ino) {
  while (ino != kRoot) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) return;
    Node& n = it->second;
    if (n.nlookup > 0 || n.children > 0) return;
    Ino parent = n.parent;
    if (n.attached) by_name_.erase(Key{parent, n.name});
    nodes_.erase(it);
    auto p = nodes_.find(parent);
    if (p == nodes_.end()) return;
    --p->second.children;
    ino = parent;  // the parent may have been waiting only for this child
  }
}

void InodeTable::detach_locked(Ino ino) {
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || !it->second.attached) return;
  by_name_.erase(Key{it->second.parent, it->second.name});
  it->second.attached = false;
}

std::optional<std::string> InodeTable::path_locked(Ino ino) const {
  std::vector<const std::string*> parts;
  while (ino != kRoot) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end() || !it->second.attached) return std::nullopt;
    parts.push_back(&it->second.name);
    ino = it->second.parent;
  }
  std::string out;
  for (auto i = parts.rbegin(); i != parts.rend(); ++i) {
    if (!out.empty()) out += '\\';
    out += **i;
  }
  return out;
}

std::optional<std::string> InodeTable::path(Ino ino) const {
  std::lock_guard lock(mutex_);
  return path_locked(ino);
}

std::optional<std::string> InodeTable::child_path(Ino parent, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto p = path_locked(parent);
  if (!p) return std::nullopt;
  if (p->empty()) return name;
  return *p + '\\' + name;
}

void InodeTable::remove(Ino parent, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(Key{parent, name});
  if (it == by_name_.end()) return;
  Ino ino = it->second;
  detach_locked(ino);
  maybe_erase_locked(ino);
}

void InodeTable::rename(Ino parent, const std::string& name, Ino new_parent,
                        const std::string& new_name) {
  std::lock_guard lock(mutex_);
  if (parent == new_parent && name == new_name) return;
  if (auto t = by_name_.find(Key{new_parent, new_name}); t != by_name_.end()) {
    Ino target = t->second;
    detach_locked(target);
    maybe_erase_locked(target);
  }
  auto it = by_name_.find(Key{parent, name});
  if (it == by_name_.end()) return;
  Ino ino = it->second;
  by_name_.erase(it);
  auto np = nodes_.find(new_parent);
  Node& n = nodes_[ino];
  if (np == nodes_.end()) {  // the new parent is unknown: the node cannot be reached by name
    n.attached = false;
    maybe_erase_locked(ino);
    return;
  }
  if (new_parent != parent) {
    ++np->second.children;
    Ino old_parent = n.parent;
    n.parent = new_parent;
    if (auto op = nodes_.find(old_parent); op != nodes_.end()) {
      --op->second.children;
      maybe_erase_locked(old_parent);
    }
  }
  n.name = new_name;
  by_name_.emplace(Key{new_parent, new_name}, ino);
}

std::optional<InodeTable::Found> InodeTable::find(const std::string& path) const {
  std::lock_guard lock(mutex_);
  Found f;
  f.ino = kRoot;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('\\', pos);
    if (end == std::string::npos) end = path.size();
    std::string comp = path.substr(pos, end - pos);
    pos = end + 1;
    if (comp.empty()) continue;
    auto it = by_name_.find(Key{f.ino, comp});
    if (it == by_name_.end()) return std::nullopt;
    f.parent = f.ino;
    f.name = std::move(comp);
    f.ino = it->second;
  }
  return f;
}

size_t InodeTable::size() const {
  std::lock_guard lock(mutex_);
  return nodes_.size();
}

uint64_t InodeTable::lookups(Ino ino) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? 0 : it->second.nlookup;
}

}  // namespace lwsmb::fuse_rdr
