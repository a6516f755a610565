// The FUSE node table: kernel inode numbers <-> paths below the mount root. A node is a
// (parent, name) pair, so a rename moves a whole subtree by changing one entry. Nodes live
// while the kernel holds lookups on them (MS-style file ids are not needed for this).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace lwsmb::fuse_rdr {

class InodeTable {
 public:
  using Ino = uint64_t;
  static constexpr Ino kRoot = 1;

  InodeTable();

  // The node for NAME in PARENT, made if new; one more kernel lookup on it. 0 when the parent
  // is unknown.
  Ino lookup(Ino parent, const std::string& name);
  // The node for NAME in PARENT if it exists (no lookup added), else 0.
  Ino child(Ino parent, const std::string& name) const;
  // Drops N kernel lookups; the node goes when none are left and no child refers to it.
  void forget(Ino ino, uint64_t n);

  // "" for the root, "a\b\c" below it; nullopt for unknown or removed nodes.
  std::optional<std::string> path(Ino ino) const;
  std::optional<std::string> child_path(Ino parent, const std::string& name) const;

  // After the file was deleted: the name no longer leads to the node.
  void remove(Ino parent, const std::string& name);
  // After a rename on the server: the node (if known) moves, a replaced target is detached.
  void rename(Ino parent, const std::string& name, Ino new_parent, const std::string& new_name);

  // Finds the node of a driver-relative path ("a\b"): (node, parent, last name).
  struct Found {
    Ino ino = 0;
    Ino parent = 0;
    std::string name;
  };
  std::optional<Found> find(const std::string& path) const;

  size_t size() const;
  uint64_t lookups(Ino ino) const;  // for tests

 private:
  struct Node {
    Ino parent = 0;
    std::string name;
    uint64_t nlookup = 0;
    uint64_t children = 0;  // nodes whose parent this is (attached or not)
    bool attached = true;   // reachable through (parent, name)
  };
  using Key = std::pair<Ino, std::string>;

  void detach_locked(Ino ino);
  void maybe_erase_locked(Ino ino);
  std::optional<std::string> path_locked(Ino ino) const;

  mutable std::mutex mutex_;
  std::unordered_map<Ino, Node> nodes_;
  std::map<Key, Ino> by_name_;
  Ino next_ = 2;
};

}  // namespace lwsmb::fuse_rdr
