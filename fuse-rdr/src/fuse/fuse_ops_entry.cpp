// Name-space operations: lookup, getattr, setattr, mkdir, unlink, rmdir, rename, statfs.
#include <fcntl.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "fuse/fuse_impl.hpp"
#include "lwsmb/fuse_rdr/errno_map.hpp"

namespace lwsmb::fuse_rdr {
namespace fscc = proto::fscc;
namespace {

constexpr uint32_t kStatAccess = access::kReadAttributes;

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto* impl = impl_of(req);
  auto path = impl->inodes.child_path(parent, name);
  if (!path) return (void)fuse_reply_err(req, ENOENT);
  auto f = impl->open(req, *path, kStatAccess, CreateDisposition::Open, 0);
  if (!f) return impl->reply_status(req, f.status());
  impl->reply_entry_from_handle(req, parent, name, *f);
  impl->close(std::move(*f));
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  Result<fscc::AllInfo> info = NtStatus::InvalidHandle;
  if (auto of = fi ? impl->file(fi->fh) : nullptr) info = impl->query_all(req, of->handle);
  if (!info) {
    auto path = impl->inodes.path(ino);
    if (!path) return (void)fuse_reply_err(req, ENOENT);
    auto f = impl->open(req, *path, kStatAccess, CreateDisposition::Open, 0);
    if (!f) return impl->reply_status(req, f.status());
    info = impl->query_all(req, *f);
    impl->close(std::move(*f));
  }
  if (!info) return impl->reply_status(req, info.status());
  auto st = impl->to_stat(*info, ino);
  fuse_reply_attr(req, &st, impl->timeout(ino));
}

int64_t filetime_of(const struct timespec& ts) {
  return fscc::filetime_from_unix(ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec));
}

int64_t filetime_now() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  return filetime_of(ts);
}

NtStatus set_info(FuseFrontend::Impl* impl, fuse_req_t req, const FileHandle& f, FileInfoClass cls,
                  std::span<const std::byte> data) {
  return impl->call(req, f, SetInformationArgs{cls, data}).status;
}

// chmod as far as SMB goes: no write bit for anyone sets FILE_ATTRIBUTE_READONLY, any write
// bit clears it (mount.cifs does the same). Directories keep their attributes.
NtStatus apply_mode(FuseFrontend::Impl* impl, fuse_req_t req, const FileHandle& f, mode_t mode) {
  auto info = impl->query_all(req, f);
  if (!info) return info.status();
  if (info->standard.directory) return NtStatus::Success;
  uint32_t attrs = info->basic.attributes & ~file_attribute::kDirectory;
  uint32_t want =
      (mode & 0222) ? (attrs & ~file_attribute::kReadonly) : (attrs | file_attribute::kReadonly);
  if (want == attrs) return NtStatus::Success;
  if (want == 0) want = file_attribute::kNormal;  // 0 would mean "leave them alone"
  fscc::BasicInfo b;
  b.attributes = want;
  std::array<std::byte, fscc::kBasicInfoSize> buf{};
  (void)fscc::encode(b, buf);
  return set_info(impl, req, f, FileInfoClass::Basic, buf);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  if (impl->opts.read_only) return (void)fuse_reply_err(req, EROFS);
  // uid and gid cannot change on SMB; like mount.cifs without Unix extensions the request
  // succeeds and the reported owner stays the mount's.
  uint32_t access = kStatAccess;
  if (to_set & FUSE_SET_ATTR_SIZE) access |= access::kWriteData;
  if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) {
    access |= access::kWriteAttributes;
  }
  std::shared_ptr<OpenFile> of = fi ? impl->file(fi->fh) : nullptr;
  FileHandle own;
  NtStatus own_status = NtStatus::Success;
  auto handle = [&]() -> const FileHandle* {
    if (own) return &own;
    auto path = impl->inodes.path(ino);
    if (!path) {
      own_status = NtStatus::ObjectNameNotFound;
      return nullptr;
    }
    auto f = impl->open(req, *path, access, CreateDisposition::Open, 0);
    if (!f) {
      own_status = f.status();
      return nullptr;
    }
    own = std::move(*f);
    return &own;
  };
  NtStatus st = NtStatus::Success;
  auto run = [&](auto&& op) {
    if (st != NtStatus::Success) return;
    // The open file first (it may be the only way in, e.g. after unlink); a path open when
    // that handle lacks the access.
    if (of) {
      st = op(of->handle);
      if (st != NtStatus::AccessDenied) return;
    }
    const FileHandle* h = handle();
    st = h ? op(*h) : own_status;
  };
  if (to_set & FUSE_SET_ATTR_MODE) {
    run([&](const FileHandle& h) { return apply_mode(impl, req, h, attr->st_mode); });
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    run([&](const FileHandle& h) {
      fscc::EndOfFileInfo e{static_cast<int64_t>(attr->st_size)};
      std::array<std::byte, fscc::kEndOfFileInfoSize> buf{};
      (void)fscc::encode(e, buf);
      return set_info(impl, req, h, FileInfoClass::EndOfFile, buf);
    });
    if (of && st == NtStatus::Success) of->dirty = true;
  }
  if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                FUSE_SET_ATTR_MTIME_NOW)) {
    fscc::BasicInfo b;  // zero fields are left alone (MS-FSA 2.1.5.14.2)
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
      b.last_access_time = filetime_now();
    } else if (to_set & FUSE_SET_ATTR_ATIME) {
      b.last_access_time = filetime_of(attr->st_atim);
    }
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
      b.last_write_time = filetime_now();
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
      b.last_write_time = filetime_of(attr->st_mtim);
    }
    // A time of 0 (the epoch) cannot be sent: 0 means "do not change". 1 (100 ns) is closest.
    if ((to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) && b.last_access_time <= 0) {
      b.last_access_time = 1;
    }
    if ((to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) && b.last_write_time <= 0) {
      b.last_write_time = 1;
    }
    std::array<std::byte, fscc::kBasicInfoSize> buf{};
    (void)fscc::encode(b, buf);
    run([&](const FileHandle& h) { return set_info(impl, req, h, FileInfoClass::Basic, buf); });
  }
  if (st != NtStatus::Success) {
    impl->close(std::move(own));
    return impl->reply_status(req, st);
  }
  Result<fscc::AllInfo> info = NtStatus::InvalidHandle;
  if (of) info = impl->query_all(req, of->handle);
  if (!info) {
    if (const FileHandle* h = handle()) info = impl->query_all(req, *h);
  }
  impl->close(std::move(own));
  if (!info) return impl->reply_status(req, info.status());
  auto out = impl->to_stat(*info, ino);
  fuse_reply_attr(req, &out, impl->timeout(ino));
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t) {
  auto* impl = impl_of(req);
  if (impl->opts.read_only) return (void)fuse_reply_err(req, EROFS);
  auto path = impl->inodes.child_path(parent, name);
  if (!path) return (void)fuse_reply_err(req, ENOENT);
  auto f =
      impl->open(req, *path, kStatAccess, CreateDisposition::Create, create_option::kDirectoryFile);
  if (!f) return impl->reply_status(req, f.status());
  impl->reply_entry_from_handle(req, parent, name, *f);
  impl->close(std::move(*f));
}

void remove_entry(fuse_req_t req, fuse_ino_t parent, const char* name, bool directory) {
  auto* impl = impl_of(req);
  if (impl->opts.read_only) return (void)fuse_reply_err(req, EROFS);
  NtStatus st = impl->set_delete(req, parent, name, directory);
  if (st != NtStatus::Success) return impl->reply_status(req, st);
  impl->inodes.remove(parent, name);
  fuse_reply_err(req, 0);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_entry(req, parent, name, false);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_entry(req, parent, name, true);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  auto* impl = impl_of(req);
  if (impl->opts.read_only) return (void)fuse_reply_err(req, EROFS);
  if (flags & ~unsigned(RENAME_NOREPLACE)) return (void)fuse_reply_err(req, EINVAL);
  const bool replace = !(flags & RENAME_NOREPLACE);
  auto from = impl->inodes.child_path(parent, name);
  auto to = impl->inodes.child_path(newparent, newname);
  if (!from || !to) return (void)fuse_reply_err(req, ENOENT);
  auto f = impl->open(req, *from, access::kDelete | kStatAccess, CreateDisposition::Open, 0);
  if (!f) return impl->reply_status(req, f.status());
  // SMB refuses to replace a file that is open (MS-FSA 2.1.5.14.11); POSIX does not care. A
  // target this mount still has open (often only until the kernel's asynchronous RELEASE) is
  // first moved aside and deleted, as unlink does with open files.
  if (replace) {
    uint64_t target = impl->inodes.child(newparent, newname);
    if (target != 0 && impl->has_open(target)) {
      (void)impl->set_delete(req, newparent, newname, false);
    }
  }
  NtStatus st = impl->rename_handle(req, *f, *to, replace);
  if (replace && (st == NtStatus::AccessDenied || st == NtStatus::ObjectNameCollision)) {
    // POSIX lets a directory replace an empty directory; SMB never replaces one. Remove the
    // empty target and try once more (a non-empty one gives ENOTEMPTY, as rename(2) does).
    // A file target someone else has open is moved aside and deleted the same way.
    auto info = impl->query_all(req, *f);
    if (info && !info->standard.directory && st == NtStatus::AccessDenied) {
      if (impl->set_delete(req, newparent, newname, false, true) == NtStatus::Success) {
        impl->inodes.remove(newparent, newname);
        st = impl->rename_handle(req, *f, *to, replace);
      }
    } else if (info && info->standard.directory) {
      NtStatus del = impl->set_delete(req, newparent, newname, true);
      if (del == NtStatus::Success) {
        impl->inodes.remove(newparent, newname);
        st = impl->rename_handle(req, *f, *to, replace);
      } else if (del == NtStatus::DirectoryNotEmpty) {
        st = del;
      }
    }
  }
  impl->close(std::move(*f));
  if (st != NtStatus::Success) return impl->reply_status(req, st);
  impl->inodes.rename(parent, name, newparent, newname);
  fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  auto* impl = impl_of(req);
  auto f = impl->open(req, "", kStatAccess, CreateDisposition::Open, create_option::kDirectoryFile);
  if (!f) return impl->reply_status(req, f.status());
  std::array<std::byte, fscc::kFsFullSizeInfoSize> buf{};
  auto st = impl->call(req, *f, QueryVolumeInformationArgs{FsInfoClass::FullSize, buf});
  impl->close(std::move(*f));
  if (!nt_success(st.status)) return impl->reply_status(req, st.status);
  auto full = fscc::decode_fs_full_size(buf);
  if (!full) return impl->reply_status(req, full.status());
  struct statvfs sv {};
  uint64_t unit = uint64_t(full->sectors_per_allocation_unit) * full->bytes_per_sector;
  if (unit == 0) unit = 4096;
  sv.f_bsize = unit;
  sv.f_frsize = unit;
  sv.f_blocks = static_cast<fsblkcnt_t>(std::max<int64_t>(0, full->total_allocation_units));
  sv.f_bfree =
      static_cast<fsblkcnt_t>(std::max<int64_t>(0, full->actual_available_allocation_units));
  sv.f_bavail =
      static_cast<fsblkcnt_t>(std::max<int64_t>(0, full->caller_available_allocation_units));
  sv.f_namemax = 255;
  fuse_reply_statfs(req, &sv);
}

}  // namespace

NtStatus FuseFrontend::Impl::clear_readonly(fuse_req_t req, const FileHandle& f) {
  auto info = query_all(req, f);
  if (!info) return info.status();
  uint32_t attrs =
      info->basic.attributes & ~(file_attribute::kReadonly | file_attribute::kDirectory);
  fscc::BasicInfo b;
  b.attributes = attrs == 0 ? file_attribute::kNormal : attrs;
  std::array<std::byte, fscc::kBasicInfoSize> buf{};
  (void)fscc::encode(b, buf);
  return call(req, f, SetInformationArgs{FileInfoClass::Basic, buf}).status;
}

NtStatus FuseFrontend::Impl::rename_handle(fuse_req_t req, const FileHandle& f,
                                           const std::string& target, bool replace) {
  // MS-SMB2 2.2.39: the new name is a full path from the share root.
  std::string from_share = opts.share_subpath.empty() ? target : opts.share_subpath + '\\' + target;
  auto name16 = fscc::utf8_to_utf16(from_share);
  if (!name16) return NtStatus::ObjectNameInvalid;
  fscc::RenameInfo r;
  r.replace_if_exists = replace;
  r.file_name = std::move(*name16);
  std::vector<std::byte> buf(fscc::encoded_size(r));
  auto n = fscc::encode(r, buf);
  if (!n) return n.status();
  return call(req, f, SetInformationArgs{FileInfoClass::Rename, buf}).status;
}

bool FuseFrontend::Impl::has_open(uint64_t ino) {
  std::lock_guard lock(files_mutex);
  for (const auto& [fh, f] : files) {
    if (f->ino == ino) return true;
  }
  return false;
}

// unlink/rmdir: open for DELETE and set the delete disposition (so a non-empty directory
// reports STATUS_DIRECTORY_NOT_EMPTY). A read-only file loses the attribute first, as POSIX
// lets the directory's owner remove it. SMB keeps the name of a file that is still open
// until its last close, where POSIX frees it at once: such a file is first renamed to a
// hidden name (which listings leave out), so the name can be used again right away.
NtStatus FuseFrontend::Impl::set_delete(fuse_req_t req, uint64_t parent, const char* name,
                                        bool directory, bool move_aside) {
  auto path = inodes.child_path(parent, name);
  if (!path) return NtStatus::ObjectNameNotFound;
  const uint32_t kind =
      directory ? create_option::kDirectoryFile : create_option::kNonDirectoryFile;
  auto f = open(req, *path, access::kDelete | kStatAccess | access::kWriteAttributes,
                CreateDisposition::Open, kind);
  if (!f && f.status() == NtStatus::AccessDenied) {
    f = open(req, *path, access::kDelete | kStatAccess, CreateDisposition::Open, kind);
  }
  if (!f) return f.status();
  if (!directory && !move_aside) {
    uint64_t ino = inodes.child(parent, name);
    move_aside = ino != 0 && has_open(ino);
  }
  if (move_aside) {
    auto parent_path = inodes.path(parent);
    std::string hidden = std::string(kDeletedPrefix) + std::to_string(next_hidden++);
    if (parent_path && !parent_path->empty()) hidden = *parent_path + '\\' + hidden;
    (void)rename_handle(req, *f, hidden, false);  // the delete below is what counts
  }
  std::array<std::byte, 1> yes{std::byte{1}};
  NtStatus st = call(req, *f, SetInformationArgs{FileInfoClass::Disposition, yes}).status;
  if (st == NtStatus::CannotDelete && !directory && clear_readonly(req, *f) == NtStatus::Success) {
    st = call(req, *f, SetInformationArgs{FileInfoClass::Disposition, yes}).status;
  }
  close(std::move(*f));
  return st;
}

void fill_entry_ops(fuse_lowlevel_ops* ops) {
  ops->lookup = op_lookup;
  ops->getattr = op_getattr;
  ops->setattr = op_setattr;
  ops->mkdir = op_mkdir;
  ops->unlink = op_unlink;
  ops->rmdir = op_rmdir;
  ops->rename = op_rename;
  ops->statfs = op_statfs;
}

}  // namespace lwsmb::fuse_rdr
