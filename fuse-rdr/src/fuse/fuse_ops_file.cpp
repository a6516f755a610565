// File and directory handles: open, create, read, write, flush, fsync, release, opendir,
// readdir(plus), releasedir.
#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "fuse/fuse_impl.hpp"

namespace lwsmb::fuse_rdr {
namespace fscc = proto::fscc;
namespace {

uint32_t access_for(int flags) {
  switch (flags & O_ACCMODE) {
    case O_RDONLY:
      return access::kFileGenericRead;
    case O_WRONLY:
      return access::kFileGenericWrite | access::kReadAttributes;
    default:
      return access::kFileGenericRead | access::kFileGenericWrite;
  }
}

bool writes(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

// keep: a lease or oplock vouches for what the kernel caches of the file (LeaseCache).
void set_cache_flags(FuseFrontend::Impl* impl, fuse_file_info* fi, bool keep) {
  switch (impl->opts.cache) {
    case CacheMode::None:
      fi->direct_io = 1;
      break;
    case CacheMode::Loose:
      fi->keep_cache = 1;
      break;
    case CacheMode::Strict:
      fi->keep_cache = keep ? 1 : 0;  // else what was cached before this open is dropped
      break;
  }
}

LeaseCache::Stamp stamp_of(const fscc::AllInfo& info) {
  return LeaseCache::Stamp{info.basic.change_time, info.basic.last_write_time,
                           info.standard.end_of_file};
}

// After an open: whether it may cache, and whether the kernel's cached data may be kept.
bool note_open(FuseFrontend::Impl* impl, fuse_req_t req, OpenFile& of, uint8_t granted,
               const fscc::AllInfo* known) {
  of.caching = granted != oplock_level::kNone;
  of.handle_caching = granted == oplock_level::kBatch;
  LeaseCache::Stamp stamp;
  if (of.caching) {
    if (known) {
      stamp = stamp_of(*known);
    } else if (auto info = impl->query_all(req, of.handle)) {  // rdr: from the CREATE compound
      stamp = stamp_of(*info);
    } else {
      of.caching = false;
    }
  }
  if (!of.caching) of.handle_caching = false;
  return impl->leases.opened(of.ino, of.caching, stamp, of.handle_caching);
}

// Closes a file open; when it held the last lease on its node, the attributes the kernel was
// told to keep beyond actimeo are dropped (from the invalidation thread, never from here).
void release_file(FuseFrontend::Impl* impl, OpenFile& of) {
  impl->close(std::move(of.handle));
  if (impl->leases.released(of.ino, of.caching, of.handle_caching)) {
    impl->queue_invalidation(FuseFrontend::Impl::Invalidation{{}, of.ino});
  }
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  if (impl->opts.read_only && writes(fi->flags)) return (void)fuse_reply_err(req, EROFS);
  auto path = impl->inodes.path(ino);
  if (!path) return (void)fuse_reply_err(req, ENOENT);
  // FUSE_CAP_ATOMIC_O_TRUNC (libfuse's default): O_TRUNC comes here, not as a setattr.
  const bool trunc = fi->flags & O_TRUNC;
  uint8_t granted = oplock_level::kNone;
  auto f = impl->open(req, *path, access_for(fi->flags) | (trunc ? access::kWriteData : 0),
                      trunc ? CreateDisposition::Overwrite : CreateDisposition::Open,
                      create_option::kNonDirectoryFile, 0, nullptr, &granted);
  if (!f) return impl->reply_status(req, f.status());
  auto of = std::make_shared<OpenFile>();
  of->handle = std::move(*f);
  of->ino = ino;
  of->dirty = trunc;
  const bool keep = note_open(impl, req, *of, trunc ? oplock_level::kNone : granted, nullptr);
  fi->fh = impl->add_file(of);
  set_cache_flags(impl, fi, keep);
  if (fuse_reply_open(req, fi) != 0) {
    impl->take_file(fi->fh);
    release_file(impl, *of);
  }
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  if (impl->opts.read_only) return (void)fuse_reply_err(req, EROFS);
  auto path = impl->inodes.child_path(parent, name);
  if (!path) return (void)fuse_reply_err(req, ENOENT);
  CreateDisposition disp = (fi->flags & O_EXCL)    ? CreateDisposition::Create
                           : (fi->flags & O_TRUNC) ? CreateDisposition::OverwriteIf
                                                   : CreateDisposition::OpenIf;
  uint8_t granted = oplock_level::kNone;
  auto f = impl->open(req, *path, access_for(fi->flags) | access::kReadAttributes, disp,
                      create_option::kNonDirectoryFile, 0, nullptr, &granted);
  if (!f) return impl->reply_status(req, f.status());
  auto info = impl->query_all(req, *f);
  if (!info) {
    impl->close(std::move(*f));
    return impl->reply_status(req, info.status());
  }
  uint64_t ino = impl->inodes.lookup(parent, name);
  auto of = std::make_shared<OpenFile>();
  of->handle = std::move(*f);
  of->ino = ino;
  // An existing file opened without truncation may still have data cached from before.
  const bool keep = note_open(impl, req, *of, (fi->flags & O_TRUNC) ? 0 : granted, &*info);
  fi->fh = impl->add_file(of);
  set_cache_flags(impl, fi, keep);
  auto e = impl->entry(ino, impl->to_stat(*info, ino));
  if (fuse_reply_create(req, &e, fi) != 0) {
    impl->inodes.forget(ino, 1);
    impl->take_file(fi->fh);
    release_file(impl, *of);
  }
}

// A READ answered from the IRP's completion (on the driver's thread): the FUSE worker goes back
// to the kernel at once instead of sleeping until the data is there, so a sequential reader
// costs no thread switch per request and many reads can be in flight with few threads. The
// driver may lend its read-ahead data (ReadArgs::lend): the reply is written from there
// without a copy.
struct AsyncRead {
  FuseFrontend::Impl* impl = nullptr;
  fuse_req_t req = nullptr;
  std::shared_ptr<OpenFile> of;
  std::unique_ptr<std::byte[]> buf;
  size_t size = 0;
  uint64_t offset = 0;
  size_t got = 0;
  std::vector<LentBytes> pieces;  // the answer so far, in order: lent data or parts of buf
};

void issue_read(std::shared_ptr<AsyncRead> r);

void reply_read(AsyncRead& r) {
  if (r.pieces.size() <= 1) {
    const auto* data = r.pieces.empty() ? nullptr : r.pieces[0].data.data();
    fuse_reply_buf(r.req, reinterpret_cast<const char*>(data), r.got);
    return;
  }
  std::vector<iovec> iov;
  iov.reserve(r.pieces.size());
  for (const auto& p : r.pieces) {
    iov.push_back(iovec{const_cast<std::byte*>(p.data.data()), p.data.size()});
  }
  fuse_reply_iov(r.req, iov.data(), static_cast<int>(iov.size()));
}

void on_read_done(const std::shared_ptr<AsyncRead>& r, Irp& irp) {
  const auto& st = irp.status_block();
  const bool eof =
      st.status == NtStatus::EndOfFile || (nt_success(st.status) && st.information == 0);
  if (!eof && !nt_success(st.status)) {
    if (r->got == 0) {
      FuseFrontend::Impl::reply_status(r->req, st.status);
      r->impl->async_end();
      return;
    }
  } else if (!eof) {
    const size_t n = std::min<size_t>(st.information, r->size - r->got);
    auto& lent = irp.args_as<ReadArgs>().lent;
    if (lent.empty()) {
      r->pieces.push_back(LentBytes{nullptr, std::span(r->buf.get() + r->got, n)});
    } else {
      for (auto& p : lent) r->pieces.push_back(std::move(p));
    }
    r->got += n;
    // The kernel takes a short read for the end of the file: keep reading until SIZE or EOF.
    if (r->got < r->size) return issue_read(r);
  }
  reply_read(*r);
  r->pieces.clear();  // lent data goes back to the driver
  r->impl->async_end();
}

void issue_read(std::shared_ptr<AsyncRead> r) {
  auto* impl = r->impl;
  ReadArgs args{std::span(r->buf.get() + r->got, r->size - r->got), r->offset + r->got};
  args.lend = true;
  const auto& handle = r->of->handle;
  impl->io.call(handle, std::move(args), [r](Irp& irp) { on_read_done(r, irp); });
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  auto r = std::make_shared<AsyncRead>();
  r->impl = impl;
  r->req = req;
  r->of = std::move(of);
  r->buf = std::make_unique_for_overwrite<std::byte[]>(size);
  r->size = size;
  r->offset = static_cast<uint64_t>(off);
  impl->async_begin();
  issue_read(std::move(r));
}

void op_write(fuse_req_t req, fuse_ino_t, const char* data, size_t size, off_t off,
              fuse_file_info* fi) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  auto bytes = reinterpret_cast<const std::byte*>(data);
  size_t done = 0;
  while (done < size) {
    auto st = impl->call(
        req, of->handle,
        WriteArgs{std::span(bytes + done, size - done), static_cast<uint64_t>(off) + done});
    if (!nt_success(st.status)) {
      if (done > 0) break;
      return impl->reply_status(req, st.status);
    }
    if (st.information == 0) break;
    done += std::min<size_t>(st.information, size - done);
  }
  of->dirty = true;
  if (done == 0 && size > 0) return (void)fuse_reply_err(req, ENOSPC);
  fuse_reply_write(req, done);
}

// close(2): what the driver still holds back (rdr's write-behind) is written now, so that its
// errors reach the caller of close.
void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  if (!of->dirty) return (void)fuse_reply_err(req, 0);
  of->dirty = false;
  auto st = impl->call(req, of->handle, FlushArgs{});
  if (!nt_success(st.status)) return impl->reply_status(req, st.status);
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  of->dirty = false;
  auto st = impl->call(req, of->handle, FlushArgs{});
  if (!nt_success(st.status)) return impl->reply_status(req, st.status);
  fuse_reply_err(req, 0);
}

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  if (auto of = impl->take_file(fi->fh)) release_file(impl, *of);
  fuse_reply_err(req, 0);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  auto path = impl->inodes.path(ino);
  if (!path) return (void)fuse_reply_err(req, ENOENT);
  auto f = impl->open(req, *path, access::kReadData | access::kReadAttributes,
                      CreateDisposition::Open, create_option::kDirectoryFile);
  if (!f) return impl->reply_status(req, f.status());
  auto of = std::make_shared<OpenFile>();
  of->handle = std::move(*f);
  of->ino = ino;
  of->directory = true;
  fi->fh = impl->add_file(of);
  if (fuse_reply_open(req, fi) != 0) {
    impl->take_file(fi->fh);
    impl->close(std::move(of->handle));
  }
}

// Reads the whole listing at the first readdir (and at a rewind); later calls page through it
// by index, so offsets stay valid however the server orders or chunks its answers.
NtStatus load_listing(FuseFrontend::Impl* impl, fuse_req_t req, OpenFile& of) {
  of.listing.clear();
  of.listed = false;
  std::vector<std::byte> buf(64 * 1024);
  uint8_t flags = query_directory_flag::kRestartScans;
  for (;;) {
    QueryDirectoryArgs args;
    args.info_class = FileInfoClass::IdBothDirectory;
    args.flags = flags;
    args.pattern = "*";
    args.buffer = buf;
    auto st = impl->call(req, of.handle, std::move(args));
    flags = 0;
    if (st.status == NtStatus::NoMoreFiles || st.status == NtStatus::NoSuchFile) break;
    if (!nt_success(st.status)) return st.status;
    auto entries = fscc::decode_directory(
        FileInfoClass::IdBothDirectory, std::span(buf).first(std::min(st.information, buf.size())));
    if (!entries) return entries.status();
    if (entries->empty()) break;
    for (auto& e : *entries) {
      if (e.file_name == u"." || e.file_name == u"..") continue;
      if (e.file_name.starts_with(u".lwsmb-deleted-")) continue;  // kDeletedPrefix
      of.listing.push_back(std::move(e));
    }
  }
  of.listed = true;
  return NtStatus::Success;
}

void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi,
                bool plus) {
  auto* impl = impl_of(req);
  auto of = impl->file(fi->fh);
  if (!of) return (void)fuse_reply_err(req, EBADF);
  std::lock_guard lock(of->mutex);
  if (off == 0 || !of->listed) {
    NtStatus st = load_listing(impl, req, *of);
    if (st != NtStatus::Success) return impl->reply_status(req, st);
  }
  std::vector<char> buf(size);
  size_t used = 0;
  for (size_t idx = static_cast<size_t>(off);; ++idx) {
    std::string name;
    struct stat st {};
    uint64_t child = 0;
    if (idx < 2) {
      name = idx == 0 ? "." : "..";
      st.st_ino = idx == 0 ? ino : 1;
      st.st_mode = S_IFDIR;
    } else if (idx - 2 < of->listing.size()) {
      const auto& e = of->listing[idx - 2];
      auto n = fscc::utf16_to_utf8(e.file_name);
      if (!n) continue;  // not representable as a Linux name
      name = std::move(*n);
      if (plus) child = impl->inodes.lookup(ino, name);
      st = impl->to_stat(e, child);
    } else {
      break;
    }
    size_t rem = size - used;
    size_t n;
    if (plus) {
      fuse_entry_param e{};
      if (child != 0) {
        e = impl->entry(child, st);
      } else {
        e.attr = st;
      }
      n = fuse_add_direntry_plus(req, buf.data() + used, rem, name.c_str(), &e,
                                 static_cast<off_t>(idx + 1));
    } else {
      n = fuse_add_direntry(req, buf.data() + used, rem, name.c_str(), &st,
                            static_cast<off_t>(idx + 1));
    }
    if (n > rem) {
      if (child != 0) impl->inodes.forget(child, 1);
      break;
    }
    used += n;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* impl = impl_of(req);
  if (auto of = impl->take_file(fi->fh)) impl->close(std::move(of->handle));
  fuse_reply_err(req, 0);
}

}  // namespace

void fill_file_ops(fuse_lowlevel_ops* ops) {
  ops->open = op_open;
  ops->create = op_create;
  ops->read = op_read;
  ops->write = op_write;
  ops->flush = op_flush;
  ops->fsync = op_fsync;
  ops->release = op_release;
  ops->opendir = op_opendir;
  ops->readdir = op_readdir;
  ops->readdirplus = op_readdirplus;
  ops->releasedir = op_releasedir;
}

}  // namespace lwsmb::fuse_rdr
