// QUERY_VOLUME_INFORMATION (MS-FSA 2.1.5.12) for the classes of MS-FSCC 2.5.
#include <fcntl.h>
#include <sys/statvfs.h>

#include <algorithm>

#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"

namespace lwsmb::server::pvfs {
namespace fscc = proto::fscc;
namespace {

constexpr uint32_t kBytesPerSector = 512;
// MS-FSCC 2.5.1: only what pvfs really does. Names keep their case and are Unicode; searches
// are not case-sensitive, files have named streams (pvfs_stream.hpp), and there are no
// persistent ACLs or sparse files yet.
constexpr uint32_t kFileCasePreservedNames = 0x00000002;
constexpr uint32_t kFileUnicodeOnDisk = 0x00000004;
constexpr uint32_t kFileNamedStreams = 0x00040000;

void put_le(std::span<std::byte> out, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    out[at + static_cast<size_t>(i)] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace

void PvfsDriver::query_volume(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<QueryVolumeInformationArgs>();
  auto out = args.buffer;
  Result<size_t> r = NtStatus::InvalidInfoClass;
  size_t written = 0;

  auto sizes = [&](struct statvfs* vfs) {
    if (::fstatvfs(ccb.raw_fd(), vfs) != 0) return ntstatus_from_errno(errno);
    return NtStatus::Success;
  };
  switch (args.info_class) {
    case FsInfoClass::Size:
    case FsInfoClass::FullSize: {
      struct statvfs vfs {};
      NtStatus s = sizes(&vfs);
      if (s != NtStatus::Success) return (void)irp->complete(s);
      const uint64_t unit = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
      const auto sectors = static_cast<uint32_t>(std::max<uint64_t>(1, unit / kBytesPerSector));
      if (args.info_class == FsInfoClass::Size) {
        r = fscc::encode(
            fscc::FsSizeInfo{static_cast<int64_t>(vfs.f_blocks), static_cast<int64_t>(vfs.f_bavail),
                             sectors, kBytesPerSector},
            out);
      } else {
        r = fscc::encode(
            fscc::FsFullSizeInfo{static_cast<int64_t>(vfs.f_blocks),
                                 static_cast<int64_t>(vfs.f_bavail),
                                 static_cast<int64_t>(vfs.f_bfree), sectors, kBytesPerSector},
            out);
      }
      break;
    }
    case FsInfoClass::Attribute: {
      fscc::FsAttributeInfo info;
      info.attributes = kFileCasePreservedNames | kFileUnicodeOnDisk | kFileNamedStreams;
      info.maximum_component_name_length = 255;
      info.file_system_name = u"NTFS";  // what clients expect of a disk share
      r = fscc::encode(info, out, &written);
      break;
    }
    case FsInfoClass::Device:
      r = fscc::encode(fscc::FsDeviceInfo{}, out);  // FILE_DEVICE_DISK, no characteristics
      break;
    case FsInfoClass::Volume: {
      fscc::FsVolumeInfo info;
      UniqueFd root(::openat(root_fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      auto st = root ? stat_fd(root.get()) : Result<FileStat>(NtStatus::Unsuccessful);
      if (st) {
        info.volume_creation_time = st->creation_time;
        info.volume_serial_number = static_cast<uint32_t>(st->key.dev ^ (st->key.dev >> 32));
      }
      r = fscc::encode(info, out, &written);
      break;
    }
    case FsInfoClass::Control: {
      // MS-FSCC 2.5.2 FileFsControlInformation: no quotas, no content indexing filters; the
      // default quota threshold and limit read as "none" (-1).
      if (out.size() < 48) {
        r = NtStatus::InfoLengthMismatch;
        break;
      }
      std::fill(out.begin(), out.begin() + 48, std::byte{0});
      std::fill(out.begin() + 24, out.begin() + 40, std::byte{0xff});
      r = size_t{48};
      break;
    }
    case FsInfoClass::ObjectId: {
      // MS-FSCC 2.5.6: a volume GUID (here from the device number) and no extended info.
      if (out.size() < 64) {
        r = NtStatus::InfoLengthMismatch;
        break;
      }
      std::fill(out.begin(), out.begin() + 64, std::byte{0});
      UniqueFd root(::openat(root_fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      auto st = root ? stat_fd(root.get()) : Result<FileStat>(NtStatus::Unsuccessful);
      if (st) put_le(out, 0, st->key.dev, 8);
      r = size_t{64};
      break;
    }
    case FsInfoClass::SectorSize: {
      // MS-FSCC 2.5.8 FileFsSectorSizeInformation: 512-byte sectors, aligned device and
      // partition (SSINFO_FLAGS_ALIGNED_DEVICE | SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE).
      if (out.size() < 28) {
        r = NtStatus::InfoLengthMismatch;
        break;
      }
      for (size_t at = 0; at < 16; at += 4) put_le(out, at, kBytesPerSector, 4);
      put_le(out, 16, 0x3, 4);
      put_le(out, 20, 0, 4);
      put_le(out, 24, 0, 4);
      r = size_t{28};
      break;
    }
    default:
      break;
  }
  if (r) return (void)irp->complete(NtStatus::Success, *r);
  if (r.status() == NtStatus::BufferOverflow) {
    return (void)irp->complete(NtStatus::BufferOverflow, written);
  }
  irp->complete(r.status());
}

}  // namespace lwsmb::server::pvfs
