// Per-open state of pvfs (the CCB of Likewise's pvfs), hung on the FileObject.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lwsmb/iocore/driver.hpp"
#include "pvfs/pvfs_fd.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

// Directory enumeration cursor (MS-FSA 2.1.5.5: Open.QueryPattern and the position in it).
struct DirCursor {
  bool started = false;            // a snapshot exists (first query or restart done)
  std::string pattern;             // the pattern the snapshot was taken with
  std::vector<std::string> names;  // matching names in listing order, "." and ".." first
  size_t next = 0;                 // first name not yet returned
  bool returned_any = false;       // since the snapshot: NO_SUCH_FILE vs NO_MORE_FILES
};

class PvfsCcb final : public DriverFileContext {
 public:
  // Shared with ring operations in flight, so a CLOSE never pulls the fd from under them.
  std::shared_ptr<UniqueFd> fd;
  FileKey key;
  uint64_t token = 0;    // ShareModeTable token, also the byte-range lock owner
  uint32_t granted = 0;  // access granted at create
  bool directory = false;
  bool root = false;       // the share root itself: never deleted or renamed
  bool inline_io = false;  // PvfsDriver::inline_io: small READs and WRITEs done on the loop
  SecurityContext who;     // the identity that opened it

  // A named stream (pvfs_stream.hpp): `fd` and `key` are the stream's own, `base_key` and
  // `base_fd` its file's (times, attributes, security, EAs and names come from the file).
  // For the main stream stream is empty, base_key == key and base_fd is null.
  std::string stream;
  FileKey base_key;
  std::shared_ptr<UniqueFd> base_fd;
  uint64_t shadow_token = 0;  // the stream's shadow entry on its file (ShareModeTable)
  uint32_t share_access = 0;  // a stream's share mode, kept for a rename into the main stream

  std::mutex mutex;  // guards what follows
  DirCursor cursor;
  int64_t position = 0;  // FilePositionInformation
  uint32_t mode = 0;     // FileModeInformation (MS-FSCC 2.4.26)

  int raw_fd() const { return fd->get(); }
  // The fd that carries the file's metadata: the file's own for a stream open.
  int meta_fd() const { return base_fd ? base_fd->get() : fd->get(); }
  bool is_stream() const { return !stream.empty(); }
  bool has(uint32_t rights) const { return (granted & rights) != 0; }
};

}  // namespace lwsmb::server::pvfs
