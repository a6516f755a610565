// READ, WRITE, FLUSH (MS-FSA 2.1.5.2, 2.1.5.3, 2.1.5.6) through the open's io_uring loop, and
// byte-range LOCK_CONTROL (MS-FSA 2.1.5.8, 2.1.5.9) through the LockManager.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/file_object.hpp"
#include "pvfs/pvfs_driver.hpp"

namespace lwsmb::server::pvfs {
namespace {

// WriteArgs::offset meaning "at the current end of file" (FILE_WRITE_TO_END_OF_FILE).
constexpr uint64_t kWriteToEndOfFile = ~uint64_t{0};
constexpr uint64_t kMaxOffset = static_cast<uint64_t>(INT64_MAX);
// MS-FSA 2.1.5.3 MAXFILESIZE: the largest file NTFS can hold (16 TiB - 64 KiB).
constexpr uint64_t kMaxFileSize = 0xfffffff0000;

NtStatus io_status(int res) {
  return ntstatus_from_errno(-res);
}

// READs and WRITEs up to this size on a memory file system are copied on the loop thread
// (PvfsDriver::inline_io): a copy this small costs less than handing it to an io_uring worker
// and back, and bigger ones are better left to the workers, beside the loop's own work.
constexpr uint64_t kInlineIoMax = 64 * 1024;

bool inline_now(const PvfsCcb& ccb, uint64_t length) {
  return ccb.inline_io && length <= kInlineIoMax;
}

}  // namespace

void PvfsDriver::read(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<ReadArgs>();
  if (ccb.directory) return (void)irp->complete(NtStatus::InvalidDeviceRequest);
  // MS-SMB2 3.3.5.12: FILE_READ_DATA, or FILE_EXECUTE as Windows also accepts.
  if (!ccb.has(access::kReadData | access::kExecute)) {
    return (void)irp->complete(NtStatus::AccessDenied);
  }
  const bool splice = args.splice_pipe >= 0;
  const uint64_t length = splice ? args.splice_length : args.buffer.size();
  // MS-FSA 2.1.5.2: a negative offset, or a range that ends past 2^63 - 1, is invalid (even
  // for an empty read).
  if (args.offset > kMaxOffset || length > kMaxOffset - args.offset) {
    return (void)irp->complete(NtStatus::InvalidParameter);
  }
  if (length == 0) return (void)irp->complete(NtStatus::Success, 0);
  NtStatus st = locks_.check_io(ccb.key, ccb.token, args.offset, length, false);
  if (st != NtStatus::Success) return (void)irp->complete(st);
  auto fd = ccb.fd;  // kept alive until the ring is done with it
  const uint64_t offset = args.offset;
  auto done = [irp, fd, offset, splice](int res) {
    if (splice && (res == -EINVAL || res == -ENOSYS || res == -EOPNOTSUPP)) {
      irp->complete(NtStatus::NotSupported);  // a file system without splice: read instead
    } else if (res < 0) {
      irp->complete(io_status(res));
    } else if (res == 0) {
      irp->complete(NtStatus::EndOfFile);  // MS-FSA 2.1.5.2: offset at or past EOF
    } else {
      // CurrentByteOffset follows the read (as Samba reports it; smbtorture read.position).
      if (auto* c = irp->file().context<PvfsCcb>()) {
        std::lock_guard lock(c->mutex);
        c->position = static_cast<int64_t>(offset) + res;
      }
      irp->complete(NtStatus::Success, static_cast<uint64_t>(res));
    }
  };
  if (!splice && inline_now(ccb, length)) {
    const ssize_t res =
        ::pread(fd->get(), args.buffer.data(), args.buffer.size(), static_cast<off_t>(offset));
    return done(res < 0 ? -errno : static_cast<int>(res));
  }
  irp->mark_pending();
  if (splice) {
    const int pipe = args.splice_pipe;
    const auto len = static_cast<unsigned>(length);
    irp->file().loop().submit(
        [fd, offset, pipe, len](io_uring_sqe* sqe) {
          io_uring_prep_splice(sqe, fd->get(), static_cast<int64_t>(offset), pipe, -1, len, 0);
        },
        std::move(done));
    return;
  }
  irp->file().loop().read(fd->get(), args.buffer, offset, std::move(done));
}

void PvfsDriver::write(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<WriteArgs>();
  if (ccb.directory) return (void)irp->complete(NtStatus::InvalidDeviceRequest);
  if (!ccb.has(access::kWriteData | access::kAppendData)) {
    return (void)irp->complete(NtStatus::AccessDenied);
  }
  uint64_t offset = args.offset;
  // MS-FSA 2.1.5.3: an append-only open, or the end-of-file offset, writes at the end.
  if (offset == kWriteToEndOfFile || !ccb.has(access::kWriteData)) {
    struct stat st;
    if (::fstat(ccb.raw_fd(), &st) != 0) return (void)irp->complete(ntstatus_from_errno(errno));
    offset = static_cast<uint64_t>(st.st_size);
  }
  if (offset > kMaxOffset) return (void)irp->complete(NtStatus::InvalidParameter);
  if (args.buffer.empty()) return (void)irp->complete(NtStatus::Success, 0);
  // MS-FSA 2.1.5.3 and Windows (smbtorture rw.invalid): writing at MAXFILESIZE or beyond is
  // invalid; a write that would grow the file to MAXFILESIZE finds the disk full.
  if (offset >= kMaxFileSize) return (void)irp->complete(NtStatus::InvalidParameter);
  if (args.buffer.size() >= kMaxFileSize - offset) return (void)irp->complete(NtStatus::DiskFull);
  NtStatus st = locks_.check_io(ccb.key, ccb.token, offset, args.buffer.size(), true);
  if (st != NtStatus::Success) return (void)irp->complete(st);
  oplocks_.break_level2(ccb.key);  // MS-FSA 2.1.4.12: a write breaks Level II oplocks
  auto fd = ccb.fd;
  auto self = shared_from_this();
  const FileKey key = ccb.key;
  auto done = [irp, fd, self, key](int res) {
    if (res < 0) {
      irp->complete(io_status(res));
    } else {
      // MS-FSA 2.1.4.1: watchers of the directory hear of the new data.
      if (res > 0) {
        self->notify_change(self->names().path(key), notify_action::kModified,
                            notify_filter::kLastWrite | notify_filter::kSize);
      }
      irp->complete(NtStatus::Success, static_cast<uint64_t>(res));
    }
  };
  if (inline_now(ccb, args.buffer.size())) {
    const ssize_t res =
        ::pwrite(fd->get(), args.buffer.data(), args.buffer.size(), static_cast<off_t>(offset));
    return done(res < 0 ? -errno : static_cast<int>(res));
  }
  irp->mark_pending();
  irp->file().loop().write(fd->get(), args.buffer, offset, std::move(done));
}

void PvfsDriver::flush(const IrpPtr& irp, PvfsCcb& ccb) {
  // MS-SMB2 3.3.5.11: a flush needs write or append access (on a directory: add file/subdir).
  if (!ccb.has(access::kWriteData | access::kAppendData)) {
    return (void)irp->complete(NtStatus::AccessDenied);
  }
  irp->mark_pending();
  auto fd = ccb.fd;
  irp->file().loop().fsync(fd->get(), false, [irp, fd](int res) {
    irp->complete(res < 0 ? io_status(res) : NtStatus::Success);
  });
}

void PvfsDriver::lock_control(const IrpPtr& irp, PvfsCcb& ccb) {
  if (ccb.directory) return (void)irp->complete(NtStatus::InvalidParameter);
  // MS-SMB2 3.3.5.14: locking needs read or write access to the data.
  if (!ccb.has(access::kReadData | access::kWriteData | access::kAppendData | access::kExecute)) {
    return (void)irp->complete(NtStatus::AccessDenied);
  }
  // MS-FSA 2.1.4.12: a byte-range lock breaks Level II oplocks.
  if (irp->args_as<LockControlArgs>().operation == LockOperation::Lock) {
    oplocks_.break_level2(ccb.key);
  }
  // The lock manager completes the IRP (or parks it pending, cancellable).
  locks_.lock(ccb.key, ccb.token, irp);
}

}  // namespace lwsmb::server::pvfs
