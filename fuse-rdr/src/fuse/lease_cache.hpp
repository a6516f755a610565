// What the FUSE frontend may cache per node, from the leases and oplocks the driver reports on
// opens (CreateArgs::granted_oplock). While an open of a file holds a read-caching lease or an
// oplock, and no break came since, the kernel's page cache and attributes of the file are known
// to match the server: a new open keeps the cached data (keep_cache) and attributes may be
// trusted beyond actimeo. With no such open left, cached data is kept at the next caching open
// only when the file's change time, write time and size are still those seen when the data was
// cached. A break (invalidate) ends all of that at once. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace lwsmb::fuse_rdr {

class LeaseCache {
 public:
  // What identifies a version of the file's data.
  struct Stamp {
    int64_t change_time = 0;
    int64_t last_write_time = 0;
    int64_t end_of_file = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };

  // A file open on INO; caching: it holds a read-caching lease or an oplock; handle: also
  // handle caching (a Batch oplock or an R+W+H lease: a rename or delete by anyone else breaks
  // it, so the name may be trusted too). Returns whether the data the kernel already caches
  // for INO may be kept.
  bool opened(uint64_t ino, bool caching, const Stamp& now, bool handle = false);
  // The open ends (with what opened() was told). True when it was the last caching open of INO
  // (its attributes stop being trusted beyond actimeo).
  bool released(uint64_t ino, bool caching, bool handle = false);
  // A break, or a change seen some other way: nothing cached for INO is trusted any more.
  void invalidate(uint64_t ino);
  // Attributes of INO may be kept beyond actimeo.
  bool trusted(uint64_t ino) const;
  // The name of INO may be kept beyond actimeo.
  bool name_trusted(uint64_t ino) const;
  // The kernel forgot INO.
  void forget(uint64_t ino);

 private:
  struct Node {
    int caching_opens = 0;
    int handle_opens = 0;
    bool names_valid = false;  // a handle-caching open came after the last break
    bool valid = false;        // the page cache matches `stamp` and no break came since
    Stamp stamp;
  };
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Node> nodes_;
};

}  // namespace lwsmb::fuse_rdr
