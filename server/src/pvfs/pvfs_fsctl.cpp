// File system controls of pvfs (MS-FSCC 2.3). Object ids are derived from the file's identity
// (device and inode), so they are stable for the file's life without any stored state.
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"

namespace lwsmb::server::pvfs {

namespace {

constexpr uint32_t kFsctlGetObjectId = 0x0009009C;
constexpr uint32_t kFsctlCreateOrGetObjectId = 0x000900C0;
constexpr size_t kObjectIdBufferSize = 64;  // MS-FSCC 2.1.3.1 FILE_OBJECTID_BUFFER

void put_le64(std::span<std::byte> out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace

void PvfsDriver::fs_control(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& a = irp->args_as<FsControlArgs>();
  switch (a.control_code) {
    case kFsctlGetObjectId:
    case kFsctlCreateOrGetObjectId: {
      if (a.output.size() < kObjectIdBufferSize) {
        irp->complete(NtStatus::BufferTooSmall);
        return;
      }
      auto st = stat_fd(ccb.raw_fd());
      if (!st) {
        irp->complete(st.status());
        return;
      }
      auto out = a.output.first(kObjectIdBufferSize);
      std::fill(out.begin(), out.end(), std::byte{0});
      // ObjectId and BirthObjectId: inode and device; BirthVolumeId and DomainId stay zero.
      put_le64(out, 0, st->key.ino);
      put_le64(out, 8, st->key.dev);
      put_le64(out, 32, st->key.ino);
      put_le64(out, 40, st->key.dev);
      irp->complete(NtStatus::Success, kObjectIdBufferSize);
      return;
    }
    default:
      irp->complete(NtStatus::InvalidDeviceRequest);
      return;
  }
}

}  // namespace lwsmb::server::pvfs
