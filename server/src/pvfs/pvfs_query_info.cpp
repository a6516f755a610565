// QUERY_INFORMATION (MS-FSA 2.1.5.11) for the file classes of MS-FSCC 2.4.
#include <fcntl.h>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_ea.hpp"
#include "pvfs/pvfs_stream.hpp"

namespace lwsmb::server::pvfs {
namespace fscc = proto::fscc;
namespace {

void put_u32(std::span<std::byte> out, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) out[at + i] = static_cast<std::byte>(v >> (8 * i));
}

// A 4-byte class (FileEaInformation, FileAccessInformation, FileModeInformation,
// FileAlignmentInformation).
Result<size_t> encode_u32(uint32_t v, std::span<std::byte> out) {
  if (out.size() < 4) return NtStatus::InfoLengthMismatch;
  put_u32(out, 0, v);
  return size_t{4};
}

// FileNameInformation (MS-FSCC 2.4.27): length + as much of the name as fits.
NtStatus encode_name(const std::u16string& name, std::span<std::byte> out, size_t* written) {
  if (out.size() < 4) return NtStatus::InfoLengthMismatch;
  put_u32(out, 0, static_cast<uint32_t>(2 * name.size()));
  size_t units = std::min(name.size(), (out.size() - 4) / 2);
  for (size_t i = 0; i < units; ++i) {
    out[4 + 2 * i] = static_cast<std::byte>(name[i] & 0xff);
    out[5 + 2 * i] = static_cast<std::byte>(name[i] >> 8);
  }
  *written = 4 + 2 * units;
  return units < name.size() ? NtStatus::BufferOverflow : NtStatus::Success;
}

// The open's name from the share root, "\dir\file" (as NTFS reports it from the volume root).
std::u16string nt_name(const std::string& rel) {
  std::string s = "\\" + rel;
  for (char& c : s) {
    if (c == '/') c = '\\';
  }
  auto u = fscc::utf8_to_utf16(s);
  return u ? *u : std::u16string(u"\\");
}

fscc::BasicInfo basic_of(const FileStat& f) {
  return {f.creation_time, f.last_access_time, f.last_write_time, f.change_time, f.attributes};
}

}  // namespace

void PvfsDriver::query_information(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<QueryInformationArgs>();
  const auto cls = args.info_class;
  auto out = args.buffer;

  // Access each class needs (MS-FSA 2.1.5.11; Standard, Internal, Position, Name, Ea, Access,
  // Mode and Alignment need none).
  uint32_t needs = 0;
  switch (cls) {
    case FileInfoClass::Basic:
    case FileInfoClass::NetworkOpen:
    case FileInfoClass::All:
    case FileInfoClass::AttributeTag:
      needs = access::kReadAttributes;
      break;
    case FileInfoClass::FullEa:
      needs = access::kReadEa;
      break;
    case FileInfoClass::Standard:
    case FileInfoClass::Internal:
    case FileInfoClass::Position:
    case FileInfoClass::Name:
    case FileInfoClass::NormalizedName:
    case FileInfoClass::CompressionInformation:
    case FileInfoClass::AlternateName:
    case FileInfoClass::Stream:
    case FileInfoClass::Ea:
    case FileInfoClass::Access:
    case FileInfoClass::Mode:
    case FileInfoClass::Alignment:
      break;
    default:
      return (void)irp->complete(NtStatus::InvalidInfoClass);
  }
  if (needs && !ccb.has(needs)) return (void)irp->complete(NtStatus::AccessDenied);
  // The file id is the inode the open was made on (its file's, for a stream): no stat needed.
  // srv asks for it after every CREATE and CLOSE.
  if (cls == FileInfoClass::Internal) {
    auto r = fscc::encode(fscc::InternalInfo{ccb.base_key.ino}, out);
    if (!r) return (void)irp->complete(r.status());
    return (void)irp->complete(NtStatus::Success, *r);
  }

  // A stream reports its file's times, attributes and identity, and its own sizes.
  auto st = stat_fd(ccb.meta_fd());
  if (!st) return (void)irp->complete(st.status());
  const FileStat base = *st;
  if (ccb.is_stream()) {
    struct statx sx {};
    if (::statx(ccb.raw_fd(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) != 0) {
      return (void)irp->complete(ntstatus_from_errno(errno));
    }
    st->st.stx_mode = sx.stx_mode;
    st->st.stx_size = sx.stx_size;
    st->st.stx_blocks = sx.stx_blocks;
    st->data_allocation = -1;
    st->attributes &= ~file_attribute::kDirectory;
    if (st->attributes == 0) st->attributes = file_attribute::kNormal;
  }
  const FileStat& f = *st;
  // The open's name: "\dir\file", with ":stream" for a named stream.
  std::u16string open_name = nt_name(names_.path(ccb.base_key));
  if (ccb.is_stream()) {
    if (auto s = fscc::utf8_to_utf16(":" + ccb.stream)) open_name += *s;
  }
  const bool delete_pending = shares_.delete_pending(ccb.key);
  int64_t position;
  uint32_t mode;
  {
    std::lock_guard lock(ccb.mutex);
    position = ccb.position;
    mode = ccb.mode;
  }
  // A delete-pending name no longer counts as a link (NTFS reports NumberOfLinks one lower).
  const uint32_t links = delete_pending && f.links() > 0 ? f.links() - 1 : f.links();
  fscc::StandardInfo standard{f.allocation_size(), f.end_of_file(), links, delete_pending,
                              f.directory()};

  Result<size_t> r = NtStatus::InvalidInfoClass;
  size_t written = 0;
  switch (cls) {
    case FileInfoClass::Basic:
      r = fscc::encode(basic_of(f), out);
      break;
    case FileInfoClass::Standard:
      r = fscc::encode(standard, out);
      break;
    case FileInfoClass::Internal:
      r = fscc::encode(fscc::InternalInfo{f.key.ino}, out);
      break;
    case FileInfoClass::Position:
      r = fscc::encode(fscc::PositionInfo{position}, out);
      break;
    case FileInfoClass::Ea:
      r = encode_u32(ea_size(ccb.meta_fd()), out);
      break;
    case FileInfoClass::FullEa: {
      // MS-FSA 2.1.5.11.x: the whole list (pvfs ignores the name list and restart flags).
      auto eas = load_eas(ccb.meta_fd());
      if (!eas) {
        r = eas.status();
      } else if (eas->empty()) {
        r = NtStatus::NoEasOnFile;
      } else {
        r = proto::fscc::encode_full_ea_list(*eas, out, &written);
      }
      break;
    }
    case FileInfoClass::Access:
      r = encode_u32(ccb.granted, out);
      break;
    case FileInfoClass::Mode:
      r = encode_u32(mode, out);
      break;
    case FileInfoClass::Alignment:
      r = encode_u32(0, out);
      break;  // FILE_BYTE_ALIGNMENT
    case FileInfoClass::NetworkOpen:
      r = fscc::encode(
          fscc::NetworkOpenInfo{f.creation_time, f.last_access_time, f.last_write_time,
                                f.change_time, f.allocation_size(), f.end_of_file(), f.attributes},
          out);
      break;
    case FileInfoClass::AttributeTag:  // MS-FSCC 2.4.6: attributes + reparse tag (none)
      if (out.size() < 8) {
        r = NtStatus::InfoLengthMismatch;
      } else {
        put_u32(out, 0, f.attributes);
        put_u32(out, 4, 0);
        r = size_t{8};
      }
      break;
    case FileInfoClass::Name: {
      NtStatus s = encode_name(open_name, out, &written);
      if (s == NtStatus::Success) {
        r = written;
      } else {
        r = s;
      }
      break;
    }
    case FileInfoClass::NormalizedName: {
      // MS-FSCC 2.4.30 (as FileNameInformation): the share-relative name without a leading
      // separator, empty for the root (MS-SMB2 3.3.5.20.1 leaves the dialect check to srv).
      NtStatus s = encode_name(open_name.substr(1), out, &written);
      if (s == NtStatus::Success) {
        r = written;
      } else {
        r = s;
      }
      break;
    }
    case FileInfoClass::CompressionInformation:
      // MS-FSCC 2.4.9: not compressed; the "compressed" size is the allocation.
      if (out.size() < 16) {
        r = NtStatus::InfoLengthMismatch;
      } else {
        std::fill(out.begin(), out.begin() + 16, std::byte{0});
        for (size_t i = 0; i < 8; ++i) {
          out[i] = static_cast<std::byte>(static_cast<uint64_t>(f.allocation_size()) >> (8 * i));
        }
        r = size_t{16};
      }
      break;
    case FileInfoClass::AlternateName: {
      // No 8.3 names are generated: the alternate name is the last component itself
      // (MS-FSCC 2.4.5 allows a file system without short names to return its long name).
      std::u16string full = nt_name(names_.path(ccb.base_key));
      auto cut = full.find_last_of(u'\\');
      NtStatus s =
          encode_name(cut == std::u16string::npos ? full : full.substr(cut + 1), out, &written);
      if (s == NtStatus::Success) {
        r = written;
      } else {
        r = s;
      }
      break;
    }
    case FileInfoClass::Stream: {
      // MS-FSCC 2.4.44: the unnamed data stream (a directory has none), then the named ones;
      // any open of the file or of one of its streams lists them all.
      auto streams = list_streams(root_fd(), ccb.meta_fd());
      if (!streams) {
        r = streams.status();
        break;
      }
      NtStatus s = encode_stream_information(!base.directory(), base.end_of_file(),
                                             base.allocation_size(), *streams, out, &written);
      if (s == NtStatus::Success) {
        r = written;
      } else {
        r = s;
      }
      break;
    }
    case FileInfoClass::All: {
      fscc::AllInfo all;
      all.basic = basic_of(f);
      all.standard = standard;
      all.internal.index_number = f.key.ino;
      all.access_flags = ccb.granted;
      all.current_byte_offset = position;
      all.mode = mode;
      all.ea_size = ea_size(ccb.meta_fd());
      all.file_name = open_name;
      r = fscc::encode(all, out, &written);
      break;
    }
    default:
      break;
  }
  if (r) return (void)irp->complete(NtStatus::Success, *r);
  // A name cut short still returns what fits (MS-FSCC 2.4: STATUS_BUFFER_OVERFLOW).
  if (r.status() == NtStatus::BufferOverflow) {
    return (void)irp->complete(NtStatus::BufferOverflow, written);
  }
  irp->complete(r.status());
}

}  // namespace lwsmb::server::pvfs
