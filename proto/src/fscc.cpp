// MS-FSCC file (2.4) and volume (2.5) information classes that are not directory listings.
#include "lwsmb/proto/fscc.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

#include "byte_io.hpp"

namespace lwsmb::proto::fscc {
namespace {

// Fixed-size structure: all of it fits or nothing is written (MS-FSCC 2.4: the buffer is
// smaller than the structure -> STATUS_INFO_LENGTH_MISMATCH).
template <class WriteFn>
Result<size_t> encode_fixed(std::span<std::byte> out, size_t size, WriteFn&& write) {
  if (out.size() < size) return NtStatus::InfoLengthMismatch;
  LeWriter w(out.first(size));
  write(w);
  assert(w.ok() && w.offset() == size);
  return size;
}

// Structure with a trailing UTF-16 name. Like Windows for a query, the length field always
// carries the FULL name length while the data holds only the whole UTF-16 units that fit;
// a cut name gives STATUS_BUFFER_OVERFLOW with the bytes written reported via *written.
// A buffer smaller than the fixed part gives STATUS_INFO_LENGTH_MISMATCH (*written = 0).
template <class WriteFn>
Result<size_t> encode_with_name(std::span<std::byte> out, size_t fixed, std::u16string_view name,
                                size_t* written, WriteFn&& write_fixed) {
  if (written) *written = 0;
  if (out.size() < fixed) return NtStatus::InfoLengthMismatch;
  if (name.size() > std::numeric_limits<uint32_t>::max() / 2) return NtStatus::InvalidParameter;
  LeWriter w(out);
  write_fixed(w, static_cast<uint32_t>(name.size() * 2));
  assert(w.ok() && w.offset() == fixed);
  const size_t units = std::min(name.size(), w.remaining() / 2);
  w.write_utf16(name.substr(0, units));
  if (written) *written = w.offset();
  if (units < name.size()) return NtStatus::BufferOverflow;
  return w.offset();
}

// Reads a name of name_len bytes at the reader's position; it must be even and inside the
// buffer (MS-FSCC: FileNameLength counts bytes of UTF-16).
bool read_name(LeReader& r, uint32_t name_len, std::u16string& name) {
  return r.read_utf16(name_len, name);
}

void write_basic(LeWriter& w, const BasicInfo& v) {  // MS-FSCC 2.4.7
  w.write_i64(v.creation_time);
  w.write_i64(v.last_access_time);
  w.write_i64(v.last_write_time);
  w.write_i64(v.change_time);
  w.write_u32(v.attributes);
  w.write_u32(0);  // Reserved
}

BasicInfo read_basic(LeReader& r) {
  BasicInfo v;
  r.read_i64(v.creation_time);
  r.read_i64(v.last_access_time);
  r.read_i64(v.last_write_time);
  r.read_i64(v.change_time);
  r.read_u32(v.attributes);
  r.skip(4);  // Reserved
  return v;
}

void write_standard(LeWriter& w, const StandardInfo& v) {  // MS-FSCC 2.4.41
  w.write_i64(v.allocation_size);
  w.write_i64(v.end_of_file);
  w.write_u32(v.number_of_links);
  w.write_u8(v.delete_pending ? 1 : 0);
  w.write_u8(v.directory ? 1 : 0);
  w.write_u16(0);  // Reserved
}

StandardInfo read_standard(LeReader& r) {
  StandardInfo v;
  uint8_t delete_pending = 0;
  uint8_t directory = 0;
  r.read_i64(v.allocation_size);
  r.read_i64(v.end_of_file);
  r.read_u32(v.number_of_links);
  r.read_u8(delete_pending);
  r.read_u8(directory);
  r.skip(2);  // Reserved
  v.delete_pending = delete_pending != 0;
  v.directory = directory != 0;
  return v;
}

// Decodes a structure of a fixed size with a reader function.
template <class T, class ReadFn>
Result<T> decode_fixed(std::span<const std::byte> in, size_t size, ReadFn&& read) {
  if (in.size() < size) return NtStatus::InfoLengthMismatch;
  LeReader r(in.first(size));
  T v = read(r);
  assert(r.ok());
  return v;
}

int64_t read_i64_at(LeReader& r) {
  int64_t v = 0;
  r.read_i64(v);
  return v;
}

}  // namespace

// ---- Encoders -------------------------------------------------------------------------------

Result<size_t> encode(const BasicInfo& v, std::span<std::byte> out) {
  return encode_fixed(out, kBasicInfoSize, [&](LeWriter& w) { write_basic(w, v); });
}

Result<size_t> encode(const StandardInfo& v, std::span<std::byte> out) {
  return encode_fixed(out, kStandardInfoSize, [&](LeWriter& w) { write_standard(w, v); });
}

Result<size_t> encode(const InternalInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.4.22
  return encode_fixed(out, kInternalInfoSize, [&](LeWriter& w) { w.write_u64(v.index_number); });
}

Result<size_t> encode(const NetworkOpenInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.4.29
  return encode_fixed(out, kNetworkOpenInfoSize, [&](LeWriter& w) {
    w.write_i64(v.creation_time);
    w.write_i64(v.last_access_time);
    w.write_i64(v.last_write_time);
    w.write_i64(v.change_time);
    w.write_i64(v.allocation_size);
    w.write_i64(v.end_of_file);
    w.write_u32(v.attributes);
    w.write_u32(0);  // Reserved
  });
}

Result<size_t> encode(const AllInfo& v, std::span<std::byte> out, size_t* written) {
  // MS-FSCC 2.4.2: Basic, Standard, Internal, Ea, Access, Position, Mode, Alignment, Name.
  return encode_with_name(out, kAllInfoFixedSize, v.file_name, written,
                          [&](LeWriter& w, uint32_t name_len) {
                            write_basic(w, v.basic);
                            write_standard(w, v.standard);
                            w.write_u64(v.internal.index_number);
                            w.write_u32(v.ea_size);
                            w.write_u32(v.access_flags);
                            w.write_i64(v.current_byte_offset);
                            w.write_u32(v.mode);
                            w.write_u32(v.alignment_requirement);
                            w.write_u32(name_len);
                          });
}

Result<size_t> encode(const PositionInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.4.35
  return encode_fixed(out, kPositionInfoSize,
                      [&](LeWriter& w) { w.write_i64(v.current_byte_offset); });
}

Result<size_t> encode(const EndOfFileInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.4.13
  return encode_fixed(out, kEndOfFileInfoSize, [&](LeWriter& w) { w.write_i64(v.end_of_file); });
}

Result<size_t> encode(const AllocationInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.4.4
  return encode_fixed(out, kAllocationInfoSize,
                      [&](LeWriter& w) { w.write_i64(v.allocation_size); });
}

Result<size_t> encode(const DispositionInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.4.11
  return encode_fixed(out, kDispositionInfoSize,
                      [&](LeWriter& w) { w.write_u8(v.delete_pending ? 1 : 0); });
}

Result<size_t> encode(const RenameInfo& v, std::span<std::byte> out) {
  // MS-FSCC 2.4.37.2. A request: a cut target name would rename to the wrong name, so the
  // whole structure must fit.
  if (out.size() < encoded_size(v)) return NtStatus::InfoLengthMismatch;
  return encode_with_name(out, kRenameInfoFixedSize, v.file_name, nullptr,
                          [&](LeWriter& w, uint32_t name_len) {
                            w.write_u8(v.replace_if_exists ? 1 : 0);
                            w.write_zeros(7);  // Reserved
                            w.write_u64(v.root_directory);
                            w.write_u32(name_len);
                          });
}

Result<size_t> encode(const FsSizeInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.5.8
  return encode_fixed(out, kFsSizeInfoSize, [&](LeWriter& w) {
    w.write_i64(v.total_allocation_units);
    w.write_i64(v.available_allocation_units);
    w.write_u32(v.sectors_per_allocation_unit);
    w.write_u32(v.bytes_per_sector);
  });
}

Result<size_t> encode(const FsFullSizeInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.5.4
  return encode_fixed(out, kFsFullSizeInfoSize, [&](LeWriter& w) {
    w.write_i64(v.total_allocation_units);
    w.write_i64(v.caller_available_allocation_units);
    w.write_i64(v.actual_available_allocation_units);
    w.write_u32(v.sectors_per_allocation_unit);
    w.write_u32(v.bytes_per_sector);
  });
}

Result<size_t> encode(const FsAttributeInfo& v, std::span<std::byte> out, size_t* written) {
  // MS-FSCC 2.5.1
  return encode_with_name(out, kFsAttributeInfoFixedSize, v.file_system_name, written,
                          [&](LeWriter& w, uint32_t name_len) {
                            w.write_u32(v.attributes);
                            w.write_i32(v.maximum_component_name_length);
                            w.write_u32(name_len);
                          });
}

Result<size_t> encode(const FsDeviceInfo& v, std::span<std::byte> out) {  // MS-FSCC 2.5.10
  return encode_fixed(out, kFsDeviceInfoSize, [&](LeWriter& w) {
    w.write_u32(v.device_type);
    w.write_u32(v.characteristics);
  });
}

Result<size_t> encode(const FsVolumeInfo& v, std::span<std::byte> out, size_t* written) {
  // MS-FSCC 2.5.9
  return encode_with_name(out, kFsVolumeInfoFixedSize, v.volume_label, written,
                          [&](LeWriter& w, uint32_t name_len) {
                            w.write_i64(v.volume_creation_time);
                            w.write_u32(v.volume_serial_number);
                            w.write_u32(name_len);
                            w.write_u8(v.supports_objects ? 1 : 0);
                            w.write_u8(0);  // Reserved
                          });
}

// ---- Decoders -------------------------------------------------------------------------------

Result<BasicInfo> decode_basic(std::span<const std::byte> in) {
  return decode_fixed<BasicInfo>(in, kBasicInfoSize, read_basic);
}

Result<StandardInfo> decode_standard(std::span<const std::byte> in) {
  return decode_fixed<StandardInfo>(in, kStandardInfoSize, read_standard);
}

Result<InternalInfo> decode_internal(std::span<const std::byte> in) {
  return decode_fixed<InternalInfo>(in, kInternalInfoSize, [](LeReader& r) {
    InternalInfo v;
    r.read_u64(v.index_number);
    return v;
  });
}

Result<NetworkOpenInfo> decode_network_open(std::span<const std::byte> in) {
  return decode_fixed<NetworkOpenInfo>(in, kNetworkOpenInfoSize, [](LeReader& r) {
    NetworkOpenInfo v;
    r.read_i64(v.creation_time);
    r.read_i64(v.last_access_time);
    r.read_i64(v.last_write_time);
    r.read_i64(v.change_time);
    r.read_i64(v.allocation_size);
    r.read_i64(v.end_of_file);
    r.read_u32(v.attributes);
    r.skip(4);  // Reserved
    return v;
  });
}

Result<AllInfo> decode_all(std::span<const std::byte> in) {
  if (in.size() < kAllInfoFixedSize) return NtStatus::InfoLengthMismatch;
  LeReader r(in);
  AllInfo v;
  uint32_t name_len = 0;
  v.basic = read_basic(r);
  v.standard = read_standard(r);
  r.read_u64(v.internal.index_number);
  r.read_u32(v.ea_size);
  r.read_u32(v.access_flags);
  r.read_i64(v.current_byte_offset);
  r.read_u32(v.mode);
  r.read_u32(v.alignment_requirement);
  r.read_u32(name_len);
  assert(r.ok() && r.offset() == kAllInfoFixedSize);
  if (!read_name(r, name_len, v.file_name)) return NtStatus::InvalidParameter;
  return v;
}

Result<PositionInfo> decode_position(std::span<const std::byte> in) {
  return decode_fixed<PositionInfo>(in, kPositionInfoSize,
                                    [](LeReader& r) { return PositionInfo{read_i64_at(r)}; });
}

Result<EndOfFileInfo> decode_end_of_file(std::span<const std::byte> in) {
  return decode_fixed<EndOfFileInfo>(in, kEndOfFileInfoSize,
                                     [](LeReader& r) { return EndOfFileInfo{read_i64_at(r)}; });
}

Result<AllocationInfo> decode_allocation(std::span<const std::byte> in) {
  return decode_fixed<AllocationInfo>(in, kAllocationInfoSize,
                                      [](LeReader& r) { return AllocationInfo{read_i64_at(r)}; });
}

Result<DispositionInfo> decode_disposition(std::span<const std::byte> in) {
  return decode_fixed<DispositionInfo>(in, kDispositionInfoSize, [](LeReader& r) {
    uint8_t b = 0;
    r.read_u8(b);
    return DispositionInfo{b != 0};
  });
}

Result<RenameInfo> decode_rename(std::span<const std::byte> in) {
  if (in.size() < kRenameInfoFixedSize) return NtStatus::InfoLengthMismatch;
  LeReader r(in);
  RenameInfo v;
  uint8_t replace = 0;
  uint32_t name_len = 0;
  r.read_u8(replace);
  r.skip(7);  // Reserved
  r.read_u64(v.root_directory);
  r.read_u32(name_len);
  assert(r.ok());
  v.replace_if_exists = replace != 0;
  if (!read_name(r, name_len, v.file_name)) return NtStatus::InvalidParameter;
  return v;
}

Result<FsSizeInfo> decode_fs_size(std::span<const std::byte> in) {
  return decode_fixed<FsSizeInfo>(in, kFsSizeInfoSize, [](LeReader& r) {
    FsSizeInfo v;
    r.read_i64(v.total_allocation_units);
    r.read_i64(v.available_allocation_units);
    r.read_u32(v.sectors_per_allocation_unit);
    r.read_u32(v.bytes_per_sector);
    return v;
  });
}

Result<FsFullSizeInfo> decode_fs_full_size(std::span<const std::byte> in) {
  return decode_fixed<FsFullSizeInfo>(in, kFsFullSizeInfoSize, [](LeReader& r) {
    FsFullSizeInfo v;
    r.read_i64(v.total_allocation_units);
    r.read_i64(v.caller_available_allocation_units);
    r.read_i64(v.actual_available_allocation_units);
    r.read_u32(v.sectors_per_allocation_unit);
    r.read_u32(v.bytes_per_sector);
    return v;
  });
}

Result<FsAttributeInfo> decode_fs_attribute(std::span<const std::byte> in) {
  if (in.size() < kFsAttributeInfoFixedSize) return NtStatus::InfoLengthMismatch;
  LeReader r(in);
  FsAttributeInfo v;
  uint32_t name_len = 0;
  r.read_u32(v.attributes);
  r.read_i32(v.maximum_component_name_length);
  r.read_u32(name_len);
  assert(r.ok());
  if (!read_name(r, name_len, v.file_system_name)) return NtStatus::InvalidParameter;
  return v;
}

Result<FsDeviceInfo> decode_fs_device(std::span<const std::byte> in) {
  return decode_fixed<FsDeviceInfo>(in, kFsDeviceInfoSize, [](LeReader& r) {
    FsDeviceInfo v;
    r.read_u32(v.device_type);
    r.read_u32(v.characteristics);
    return v;
  });
}

Result<FsVolumeInfo> decode_fs_volume(std::span<const std::byte> in) {
  if (in.size() < kFsVolumeInfoFixedSize) return NtStatus::InfoLengthMismatch;
  LeReader r(in);
  FsVolumeInfo v;
  uint32_t label_len = 0;
  uint8_t supports_objects = 0;
  r.read_i64(v.volume_creation_time);
  r.read_u32(v.volume_serial_number);
  r.read_u32(label_len);
  r.read_u8(supports_objects);
  r.skip(1);  // Reserved
  assert(r.ok());
  v.supports_objects = supports_objects != 0;
  if (!read_name(r, label_len, v.volume_label)) return NtStatus::InvalidParameter;
  return v;
}

}  // namespace lwsmb::proto::fscc
