// Alternate data streams of pvfs files (MS-FSCC 2.1.5 "file:stream:$DATA", MS-FSA 2.1.5.1).
//
// Storage: a named stream is an ordinary file in a hidden store at the share root,
//   <root>/.lwsmb-streams/<id>/<stream name>
// where <id> is 32 random hex digits kept in the file's "user.lwsmb.streams" extended attribute
// (written when its first stream is made). The id travels with the inode, so a rename (or a
// hard link) keeps the streams; pvfs removes the store folder when it deletes the file's last
// name. Stream files are real files: reads, writes, locks, flushes and end-of-file go through
// the same IRP paths and io_uring operations as the main stream, with no size limit but the
// disk's. The store name is reserved: no path component may be ".lwsmb-streams" (any case)
// and listings of the root leave it out, so clients never reach it except through stream
// names. Stream names are stored as given (case kept), found ignoring case. Named streams are
// allowed on directories, as on NTFS; a directory has no unnamed data stream.
//
// Limits: a stream name over 255 UTF-8 bytes (the Linux name limit) or equal to "." or ".."
// is refused (STATUS_OBJECT_NAME_INVALID). A file deleted or copied outside lwserver leaves
// (or shares) its store folder. The file system must support user xattrs (ext4, xfs, btrfs;
// tmpfs from Linux 6.6).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "pvfs/pvfs_fd.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

// The reserved name of the stream store at the share root.
inline constexpr std::string_view kStreamStoreName = ".lwsmb-streams";
bool is_stream_store_name(std::string_view name);

// A create path split at its stream part.
struct StreamPath {
  std::string file;               // the path without the stream part
  std::string stream;             // the stream name (UTF-8); empty for the main stream
  bool explicit_default = false;  // "file::$DATA": the main stream named explicitly
};

// Splits "dir\file:name", "dir\file:name:$DATA" and "dir\file::$DATA" (the type compared
// ignoring case). The stream part belongs to the last component. STATUS_OBJECT_NAME_INVALID for
// a ':' in an earlier component, an empty stream name without a type ("file:"), an empty or
// unknown type ("file:s:", "file:s:$FOO"; only $DATA is stored), more than two colons, '/' or
// NUL in the name, a name over 255 characters or 255 UTF-8 bytes, "." and "..". A path without
// ':' comes back whole with no stream.
Result<StreamPath> split_stream_path(std::string_view path);

// The store id of a file (any fd, O_PATH too); nullopt when it has no streams.
std::optional<std::string> stream_id_of(int fd);

// The store id of a file, made (and stored on the file) when it has none.
Result<std::string> ensure_stream_id(int fd);

// The store folder of a file (a real O_RDONLY directory fd), made when `create` is set.
// STATUS_OBJECT_NAME_NOT_FOUND when it does not exist and `create` is not set.
Result<UniqueFd> open_stream_folder(int root_fd, const std::string& id, bool create);

// The stored name of a stream in its folder (exact first, then ignoring case); nullopt when
// none.
Result<std::optional<std::string>> find_stream(int folder_fd, std::string_view name);

struct StreamEntry {
  std::string name;  // as stored
  int64_t size = 0;
  int64_t allocation = 0;
  FileKey key;
};

// The named streams of the file behind `fd`, in name order.
Result<std::vector<StreamEntry>> list_streams(int root_fd, int fd);

// FileStreamInformation (MS-FSCC 2.4.44): "::$DATA" first when the file has a main stream
// (not a directory), then ":name:$DATA" for each named stream. Entries that do not fit are
// left out and the result is STATUS_BUFFER_OVERFLOW with *written set to what fits.
NtStatus encode_stream_information(bool has_main, int64_t main_size, int64_t main_allocation,
                                   const std::vector<StreamEntry>& streams,
                                   std::span<std::byte> out, size_t* written);

// Removes the named streams of the file behind `fd` (any fd) for which `keep` is false or
// unset, and the store folder once it is empty. Errors are ignored: the file itself is what
// counts (a folder left behind holds nothing a client can reach).
void remove_streams(int root_fd, int fd, const std::function<bool(const FileKey&)>& keep = {});

}  // namespace lwsmb::server::pvfs
