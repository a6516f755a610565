// MS-FSCC information structures (2.4 file classes, 2.5 volume classes) in wire layout:
// little-endian, names in UTF-16LE. Encoders write into a caller's buffer; decoders check every
// length and offset before use and return an NTSTATUS on bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/info_class.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb::proto::fscc {

// Times are Windows FILETIME: 100 ns units since 1601-01-01 UTC.
struct BasicInfo {  // FileBasicInformation, 40 bytes
  int64_t creation_time = 0;
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  uint32_t attributes = 0;
  friend bool operator==(const BasicInfo&, const BasicInfo&) = default;
};

struct StandardInfo {  // FileStandardInformation, 24 bytes
  int64_t allocation_size = 0;
  int64_t end_of_file = 0;
  uint32_t number_of_links = 1;
  bool delete_pending = false;
  bool directory = false;
  friend bool operator==(const StandardInfo&, const StandardInfo&) = default;
};

struct InternalInfo {  // FileInternalInformation, 8 bytes
  uint64_t index_number = 0;
  friend bool operator==(const InternalInfo&, const InternalInfo&) = default;
};

struct NetworkOpenInfo {  // FileNetworkOpenInformation, 56 bytes
  int64_t creation_time = 0;
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  int64_t allocation_size = 0;
  int64_t end_of_file = 0;
  uint32_t attributes = 0;
  friend bool operator==(const NetworkOpenInfo&, const NetworkOpenInfo&) = default;
};

struct AllInfo {  // FileAllInformation: 100 fixed bytes + name
  BasicInfo basic;
  StandardInfo standard;
  InternalInfo internal;
  uint32_t ea_size = 0;
  uint32_t access_flags = 0;
  int64_t current_byte_offset = 0;
  uint32_t mode = 0;
  uint32_t alignment_requirement = 0;
  std::u16string file_name;
  friend bool operator==(const AllInfo&, const AllInfo&) = default;
};

struct PositionInfo {  // 8 bytes
  int64_t current_byte_offset = 0;
  friend bool operator==(const PositionInfo&, const PositionInfo&) = default;
};
struct EndOfFileInfo {  // 8 bytes
  int64_t end_of_file = 0;
  friend bool operator==(const EndOfFileInfo&, const EndOfFileInfo&) = default;
};
struct AllocationInfo {  // 8 bytes
  int64_t allocation_size = 0;
  friend bool operator==(const AllocationInfo&, const AllocationInfo&) = default;
};
struct DispositionInfo {  // 1 byte
  bool delete_pending = false;
  friend bool operator==(const DispositionInfo&, const DispositionInfo&) = default;
};
struct RenameInfo {  // FileRenameInformation (SMB2 form, 2.4.37.2): 20 fixed bytes + name
  bool replace_if_exists = false;
  uint64_t root_directory = 0;
  std::u16string file_name;
  friend bool operator==(const RenameInfo&, const RenameInfo&) = default;
};

// One entry of a directory listing; which fields reach the wire depends on the class
// (Directory, FullDirectory, BothDirectory, IdBothDirectory, IdFullDirectory, Names).
struct DirectoryEntry {
  uint32_t file_index = 0;
  int64_t creation_time = 0;
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  int64_t end_of_file = 0;
  int64_t allocation_size = 0;
  uint32_t attributes = 0;
  uint32_t ea_size = 0;
  uint64_t file_id = 0;
  std::u16string short_name;  // at most 12 UTF-16 units; Both classes only
  std::u16string file_name;
  friend bool operator==(const DirectoryEntry&, const DirectoryEntry&) = default;
};

struct FsSizeInfo {  // FileFsSizeInformation, 24 bytes
  int64_t total_allocation_units = 0;
  int64_t available_allocation_units = 0;
  uint32_t sectors_per_allocation_unit = 0;
  uint32_t bytes_per_sector = 0;
  friend bool operator==(const FsSizeInfo&, const FsSizeInfo&) = default;
};

struct FsFullSizeInfo {  // FileFsFullSizeInformation, 32 bytes
  int64_t total_allocation_units = 0;
  int64_t caller_available_allocation_units = 0;
  int64_t actual_available_allocation_units = 0;
  uint32_t sectors_per_allocation_unit = 0;
  uint32_t bytes_per_sector = 0;
  friend bool operator==(const FsFullSizeInfo&, const FsFullSizeInfo&) = default;
};

struct FsAttributeInfo {  // FileFsAttributeInformation: 12 fixed bytes + name
  uint32_t attributes = 0;
  int32_t maximum_component_name_length = 255;
  std::u16string file_system_name;
  friend bool operator==(const FsAttributeInfo&, const FsAttributeInfo&) = default;
};

struct FsDeviceInfo {                 // FileFsDeviceInformation, 8 bytes
  uint32_t device_type = 0x00000007;  // FILE_DEVICE_DISK
  uint32_t characteristics = 0;
  friend bool operator==(const FsDeviceInfo&, const FsDeviceInfo&) = default;
};

struct FsVolumeInfo {  // FileFsVolumeInformation: 18 fixed bytes + label
  int64_t volume_creation_time = 0;
  uint32_t volume_serial_number = 0;
  bool supports_objects = false;
  std::u16string volume_label;
  friend bool operator==(const FsVolumeInfo&, const FsVolumeInfo&) = default;
};

// Wire sizes of the fixed parts (MS-FSCC 2.4, 2.5).
inline constexpr size_t kBasicInfoSize = 40;
inline constexpr size_t kStandardInfoSize = 24;
inline constexpr size_t kInternalInfoSize = 8;
inline constexpr size_t kNetworkOpenInfoSize = 56;
inline constexpr size_t kAllInfoFixedSize = 100;
inline constexpr size_t kPositionInfoSize = 8;
inline constexpr size_t kEndOfFileInfoSize = 8;
inline constexpr size_t kAllocationInfoSize = 8;
inline constexpr size_t kDispositionInfoSize = 1;
inline constexpr size_t kRenameInfoFixedSize = 20;
inline constexpr size_t kFsSizeInfoSize = 24;
inline constexpr size_t kFsFullSizeInfoSize = 32;
inline constexpr size_t kFsAttributeInfoFixedSize = 12;
inline constexpr size_t kFsDeviceInfoSize = 8;
inline constexpr size_t kFsVolumeInfoFixedSize = 18;

// Full encoded size of the structures with a trailing name.
inline size_t encoded_size(const AllInfo& v) {
  return kAllInfoFixedSize + 2 * v.file_name.size();
}
inline size_t encoded_size(const RenameInfo& v) {
  return kRenameInfoFixedSize + 2 * v.file_name.size();
}
inline size_t encoded_size(const FsAttributeInfo& v) {
  return kFsAttributeInfoFixedSize + 2 * v.file_system_name.size();
}
inline size_t encoded_size(const FsVolumeInfo& v) {
  return kFsVolumeInfoFixedSize + 2 * v.volume_label.size();
}

// Encoders return the bytes written. A fixed-size structure that does not fit gives
// STATUS_INFO_LENGTH_MISMATCH; one with a trailing name writes the fixed part and as much of
// the name as fits and gives STATUS_BUFFER_OVERFLOW when the name was cut (MS-FSCC 2.4).
// A Result holding STATUS_BUFFER_OVERFLOW reports the bytes written through *written.
Result<size_t> encode(const BasicInfo& v, std::span<std::byte> out);
Result<size_t> encode(const StandardInfo& v, std::span<std::byte> out);
Result<size_t> encode(const InternalInfo& v, std::span<std::byte> out);
Result<size_t> encode(const NetworkOpenInfo& v, std::span<std::byte> out);
Result<size_t> encode(const AllInfo& v, std::span<std::byte> out, size_t* written = nullptr);
Result<size_t> encode(const PositionInfo& v, std::span<std::byte> out);
Result<size_t> encode(const EndOfFileInfo& v, std::span<std::byte> out);
Result<size_t> encode(const AllocationInfo& v, std::span<std::byte> out);
Result<size_t> encode(const DispositionInfo& v, std::span<std::byte> out);
// A rename is a request, never cut: it must fit whole, else STATUS_INFO_LENGTH_MISMATCH.
Result<size_t> encode(const RenameInfo& v, std::span<std::byte> out);
Result<size_t> encode(const FsSizeInfo& v, std::span<std::byte> out);
Result<size_t> encode(const FsFullSizeInfo& v, std::span<std::byte> out);
Result<size_t> encode(const FsAttributeInfo& v, std::span<std::byte> out,
                      size_t* written = nullptr);
Result<size_t> encode(const FsDeviceInfo& v, std::span<std::byte> out);
Result<size_t> encode(const FsVolumeInfo& v, std::span<std::byte> out, size_t* written = nullptr);

// Decoders: STATUS_INFO_LENGTH_MISMATCH when the buffer is shorter than the fixed part,
// STATUS_INVALID_PARAMETER when an embedded length points past the end or is odd.
Result<BasicInfo> decode_basic(std::span<const std::byte> in);
Result<StandardInfo> decode_standard(std::span<const std::byte> in);
Result<InternalInfo> decode_internal(std::span<const std::byte> in);
Result<NetworkOpenInfo> decode_network_open(std::span<const std::byte> in);
Result<AllInfo> decode_all(std::span<const std::byte> in);
Result<PositionInfo> decode_position(std::span<const std::byte> in);
Result<EndOfFileInfo> decode_end_of_file(std::span<const std::byte> in);
Result<AllocationInfo> decode_allocation(std::span<const std::byte> in);
Result<DispositionInfo> decode_disposition(std::span<const std::byte> in);
Result<RenameInfo> decode_rename(std::span<const std::byte> in);
Result<FsSizeInfo> decode_fs_size(std::span<const std::byte> in);
Result<FsFullSizeInfo> decode_fs_full_size(std::span<const std::byte> in);
Result<FsAttributeInfo> decode_fs_attribute(std::span<const std::byte> in);
Result<FsDeviceInfo> decode_fs_device(std::span<const std::byte> in);
Result<FsVolumeInfo> decode_fs_volume(std::span<const std::byte> in);

// True for the directory classes this codec knows.
bool is_directory_class(FileInfoClass cls);

// Bytes before FileName in one entry of a directory class; 0 for other classes.
size_t directory_entry_fixed_size(FileInfoClass cls);

// Appends directory entries of one class into a buffer, 8-byte aligned, chaining
// NextEntryOffset (MS-FSCC 2.4.x). append() returns false, writing nothing, when the entry does
// not fit; the first entry that does not fit in an empty buffer is the caller's
// STATUS_BUFFER_OVERFLOW / STATUS_INFO_LENGTH_MISMATCH case.
class DirectoryListWriter {
 public:
  DirectoryListWriter(FileInfoClass cls, std::span<std::byte> out);
  bool append(const DirectoryEntry& entry);
  size_t entries() const { return count_; }
  size_t size() const { return used_; }  // bytes to report

 private:
  FileInfoClass cls_;
  std::span<std::byte> out_;
  size_t used_ = 0;
  size_t last_entry_ = 0;
  size_t count_ = 0;
};

// Parses a listing of one class, following NextEntryOffset with every offset checked.
Result<std::vector<DirectoryEntry>> decode_directory(FileInfoClass cls,
                                                     std::span<const std::byte> in);

// UTF-8 <-> UTF-16 for names. Invalid UTF-8 or unpaired surrogates give nullopt.
std::optional<std::u16string> utf8_to_utf16(std::string_view s);
std::optional<std::string> utf16_to_utf8(std::u16string_view s);

// Unix time <-> FILETIME.
int64_t filetime_from_unix(int64_t seconds, uint32_t nanoseconds);
void unix_from_filetime(int64_t filetime, int64_t* seconds, uint32_t* nanoseconds);

}  // namespace lwsmb::proto::fscc
