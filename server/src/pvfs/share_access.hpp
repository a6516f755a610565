// NT share-mode enforcement across all opens of one file (MS-FSA 2.1.5.1.2, "share access
// check"). Keyed by the file's identity (st_dev, st_ino).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb::server::pvfs {

struct FileKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  auto operator<=>(const FileKey&) const = default;
};

// Pure check: may an open with (access, share) coexist with an existing open with
// (other_access, other_share)? Only the data/delete bits count: FILE_READ_DATA|FILE_EXECUTE
// against FILE_SHARE_READ, FILE_WRITE_DATA|FILE_APPEND_DATA against FILE_SHARE_WRITE, DELETE
// against FILE_SHARE_DELETE, in both directions. MS-FSA 2.1.5.1.2.2: an open whose access has
// none of those bits (attributes only, SYNCHRONIZE, READ_CONTROL, ...) takes no part in the
// check, on either side: its share mode does not restrict others either.
bool share_compatible(uint32_t access, uint32_t share, uint32_t other_access, uint32_t other_share);

// Per-file state shared by all its opens: the open list for share checks, delete-pending.
class ShareModeTable {
 public:
  // Registers an open if it is compatible with every existing open of the file; otherwise
  // STATUS_SHARING_VIOLATION. Returns a token (never 0) to release with remove(). When the file
  // is delete-pending, STATUS_DELETE_PENDING (checked first, as MS-FSA 2.1.5.1.2 does).
  NtStatus add(const FileKey& key, uint32_t access, uint32_t share, uint64_t* token);
  // Would an open with (access, share) be compatible with every open of the file? Registers
  // nothing. STATUS_SHARING_VIOLATION when not.
  NtStatus check(const FileKey& key, uint32_t access, uint32_t share) const;
  // Removes one open. Returns true when it was the last open of the file; *delete_now is set
  // when the file was delete-pending (or the open had delete-on-close) and this was the last.
  // delete_now may be null. An unknown key or token changes nothing and returns false.
  bool remove(const FileKey& key, uint64_t token, bool* delete_now);
  // Delete-pending state (FileDispositionInformation and FILE_DELETE_ON_CLOSE). Only a file with
  // at least one registered open has state; for any other key this does nothing.
  void set_delete_pending(const FileKey& key, bool pending);
  bool delete_pending(const FileKey& key) const;
  // Marks this open as delete-on-close: when it closes, the file becomes delete-pending.
  void set_delete_on_close(const FileKey& key, uint64_t token);
  bool delete_on_close(const FileKey& key, uint64_t token) const;
  size_t open_count(const FileKey& key) const;

  // Named streams (pvfs_stream.hpp): every open of a stream of the file `key` also leaves a
  // shadow entry on the file itself. A shadow keeps the file's entry (and its delete-pending
  // state) alive until the stream closes, so that a file deleted while one of its streams is
  // open goes when the last stream does. In share checks a shadow only refuses DELETE to an
  // open of the file when the stream did not share delete (MS-FSA 2.1.5.1.2: the streams of a
  // file are deleted with it); it takes no other part. Adding one fails with
  // STATUS_DELETE_PENDING when the file is delete-pending.
  NtStatus add_stream_shadow(const FileKey& key, uint32_t share, uint64_t* token);
  // Opens of the file's named streams (shadows) right now.
  size_t stream_open_count(const FileKey& key) const;
  // Does any open of the file hold one of these access rights?
  bool any_open_with(const FileKey& key, uint32_t rights) const;
  // A rename moves an identity: nothing to do since the key is (dev, ino).

 private:
  struct Open {
    uint32_t access = 0;
    uint32_t share = 0;
    bool delete_on_close = false;
    bool stream_shadow = false;
  };
  struct Entry {
    std::map<uint64_t, Open> opens;
    bool delete_pending = false;
  };
  mutable std::mutex mutex_;
  std::map<FileKey, Entry> files_;
  uint64_t next_token_ = 1;
};

}  // namespace lwsmb::server::pvfs
