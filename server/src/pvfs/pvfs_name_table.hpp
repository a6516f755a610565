// Current on-disk path of every open file, keyed by identity. Close-time deletion and rename
// use it, so that an open follows its file when another open renames it.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

class NameTable {
 public:
  // One reference per open; the path of the first open of a file wins.
  void acquire(const FileKey& key, const std::string& rel);
  void release(const FileKey& key);
  // "" (the root) when unknown.
  std::string path(const FileKey& key) const;
  void rename(const FileKey& key, const std::string& new_rel);
  // Is any open file strictly below the directory `rel`? (A directory with open files below it
  // is not renamed, as on Windows.)
  bool has_open_below(const std::string& rel) const;

 private:
  struct Entry {
    std::string rel;
    size_t refs = 0;
  };
  mutable std::mutex mutex_;
  std::map<FileKey, Entry> entries_;
};

}  // namespace lwsmb::server::pvfs
