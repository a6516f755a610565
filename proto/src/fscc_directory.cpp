// MS-FSCC directory listing classes (2.4.8, 2.4.10, 2.4.14, 2.4.17, 2.4.18, 2.4.26).
#include <algorithm>
#include <limits>

#include "byte_io.hpp"
#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::proto::fscc {
namespace {

// Field offsets shared by all classes but FileNames (MS-FSCC 2.4.10 and relatives):
// NextEntryOffset 0, FileIndex 4, four times 8..40, EndOfFile 40, AllocationSize 48,
// FileAttributes 56, FileNameLength 60, then class-specific fields.
constexpr size_t kDirectoryFixed = 64;      // 2.4.10
constexpr size_t kFullDirectoryFixed = 68;  // 2.4.14: + EaSize
constexpr size_t kBothDirectoryFixed = 94;  // 2.4.8: + EaSize, ShortNameLength, Reserved, ShortName
constexpr size_t kIdBothDirectoryFixed = 104;  // 2.4.17: Both + Reserved2, FileId
constexpr size_t kIdFullDirectoryFixed = 80;   // 2.4.18: Full + Reserved, FileId
constexpr size_t kNamesFixed = 12;             // 2.4.26: NextEntryOffset, FileIndex, FileNameLength
constexpr size_t kShortNameBytes = 24;         // ShortName is 12 WCHARs, always present
constexpr size_t kEntryAlignment = 8;          // 2.4: entries are 8-byte aligned

bool has_ea_size(FileInfoClass cls) {
  return cls == FileInfoClass::FullDirectory || cls == FileInfoClass::BothDirectory ||
         cls == FileInfoClass::IdBothDirectory || cls == FileInfoClass::IdFullDirectory;
}

bool has_short_name(FileInfoClass cls) {
  return cls == FileInfoClass::BothDirectory || cls == FileInfoClass::IdBothDirectory;
}

size_t align_up(size_t n) {
  return (n + kEntryAlignment - 1) & ~(kEntryAlignment - 1);
}

// Writes one entry (NextEntryOffset = 0) at the writer's position; it has been checked to fit.
void write_entry(LeWriter& w, FileInfoClass cls, const DirectoryEntry& e,
                 std::u16string_view short_name) {
  const auto name_len = static_cast<uint32_t>(e.file_name.size() * 2);
  w.write_u32(0);  // NextEntryOffset, patched when another entry follows
  w.write_u32(e.file_index);
  if (cls == FileInfoClass::Names) {
    w.write_u32(name_len);
    w.write_utf16(e.file_name);
    return;
  }
  w.write_i64(e.creation_time);
  w.write_i64(e.last_access_time);
  w.write_i64(e.last_write_time);
  w.write_i64(e.change_time);
  w.write_i64(e.end_of_file);
  w.write_i64(e.allocation_size);
  w.write_u32(e.attributes);
  w.write_u32(name_len);
  if (has_ea_size(cls)) w.write_u32(e.ea_size);
  if (has_short_name(cls)) {
    w.write_u8(static_cast<uint8_t>(short_name.size() * 2));
    w.write_u8(0);  // Reserved
    w.write_utf16(short_name);
    w.write_zeros(kShortNameBytes - short_name.size() * 2);
  }
  if (cls == FileInfoClass::IdBothDirectory) {
    w.write_u16(0);  // Reserved2
    w.write_u64(e.file_id);
  } else if (cls == FileInfoClass::IdFullDirectory) {
    w.write_u32(0);  // Reserved
    w.write_u64(e.file_id);
  }
  w.write_utf16(e.file_name);
}

// Reads the fields after FileNameLength for the classes that have them.
bool read_entry_tail(LeReader& r, FileInfoClass cls, DirectoryEntry& e) {
  if (has_ea_size(cls)) r.read_u32(e.ea_size);
  if (has_short_name(cls)) {
    uint8_t short_len = 0;
    std::span<const std::byte> short_bytes;
    r.read_u8(short_len);
    r.skip(1);  // Reserved
    r.read_bytes(kShortNameBytes, short_bytes);
    if (!r.ok() || short_len > kShortNameBytes || short_len % 2 != 0) return false;
    LeReader sr(short_bytes);
    if (!sr.read_utf16(short_len, e.short_name)) return false;
  }
  if (cls == FileInfoClass::IdBothDirectory) {
    r.skip(2);  // Reserved2
    r.read_u64(e.file_id);
  } else if (cls == FileInfoClass::IdFullDirectory) {
    r.skip(4);  // Reserved
    r.read_u64(e.file_id);
  }
  return r.ok();
}

}  // namespace

bool is_directory_class(FileInfoClass cls) {
  return directory_entry_fixed_size(cls) != 0;
}

size_t directory_entry_fixed_size(FileInfoClass cls) {
  switch (cls) {
    case FileInfoClass::Directory:
      return kDirectoryFixed;
    case FileInfoClass::FullDirectory:
      return kFullDirectoryFixed;
    case FileInfoClass::BothDirectory:
      return kBothDirectoryFixed;
    case FileInfoClass::IdBothDirectory:
      return kIdBothDirectoryFixed;
    case FileInfoClass::IdFullDirectory:
      return kIdFullDirectoryFixed;
    case FileInfoClass::Names:
      return kNamesFixed;
    default:
      return 0;
  }
}

DirectoryListWriter::DirectoryListWriter(FileInfoClass cls, std::span<std::byte> out)
    : cls_(cls), out_(out) {}

bool DirectoryListWriter::append(const DirectoryEntry& entry) {
  const size_t fixed = directory_entry_fixed_size(cls_);
  if (fixed == 0) return false;  // not a directory class: nothing can be written
  if (entry.file_name.size() > std::numeric_limits<uint32_t>::max() / 2) return false;
  // The short name field holds at most 12 units (MS-FSCC 2.4.8); longer input is cut there.
  std::u16string_view short_name(entry.short_name);
  short_name = short_name.substr(0, kShortNameBytes / 2);

  const size_t start = count_ == 0 ? 0 : align_up(used_);
  const size_t entry_size = fixed + entry.file_name.size() * 2;
  if (start > out_.size() || out_.size() - start < entry_size) return false;

  LeWriter w(out_);
  w.seek(used_);
  w.write_zeros(start - used_);  // alignment padding SHOULD be zero (MS-FSCC 2.4)
  write_entry(w, cls_, entry, short_name);
  if (count_ > 0) w.put_u32_at(last_entry_, static_cast<uint32_t>(start - last_entry_));
  last_entry_ = start;
  used_ = start + entry_size;
  ++count_;
  return true;
}

Result<std::vector<DirectoryEntry>> decode_directory(FileInfoClass cls,
                                                     std::span<const std::byte> in) {
  const size_t fixed = directory_entry_fixed_size(cls);
  if (fixed == 0) return NtStatus::InvalidInfoClass;
  if (in.size() < fixed) return NtStatus::InfoLengthMismatch;

  std::vector<DirectoryEntry> entries;
  size_t offset = 0;
  for (;;) {
    // offset < in.size() always holds here; a following entry must fit its fixed part.
    if (in.size() - offset < fixed) return NtStatus::InvalidParameter;
    LeReader r(in.subspan(offset));
    DirectoryEntry e;
    uint32_t next = 0;
    uint32_t name_len = 0;
    r.read_u32(next);
    r.read_u32(e.file_index);
    if (cls != FileInfoClass::Names) {
      r.read_i64(e.creation_time);
      r.read_i64(e.last_access_time);
      r.read_i64(e.last_write_time);
      r.read_i64(e.change_time);
      r.read_i64(e.end_of_file);
      r.read_i64(e.allocation_size);
      r.read_u32(e.attributes);
    }
    r.read_u32(name_len);
    if (!read_entry_tail(r, cls, e)) return NtStatus::InvalidParameter;
    // Odd or past-the-end FileNameLength fails here.
    if (!r.read_utf16(name_len, e.file_name)) return NtStatus::InvalidParameter;
    entries.push_back(std::move(e));
    if (next == 0) break;
    // The next entry must start after this one ends and inside the buffer; since it only
    // moves forward, a loop cannot happen.
    if (next < fixed + name_len || next >= in.size() - offset) return NtStatus::InvalidParameter;
    offset += next;
  }
  return entries;
}

}  // namespace lwsmb::proto::fscc
