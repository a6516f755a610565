// FuseFrontend: the session, the mount, the request loop and the IRP helpers every operation
// uses. The operations themselves are in fuse_ops_*.cpp.
#include "lwsmb/fuse_rdr/fuse_frontend.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>

#include "fuse/fuse_impl.hpp"
#include "lwsmb/fuse_rdr/errno_map.hpp"
#include "lwsmb/iocore/log.hpp"

namespace lwsmb::fuse_rdr {
namespace fscc = proto::fscc;

FuseFrontend::Impl* impl_of(fuse_req_t req) {
  return static_cast<FuseFrontend::Impl*>(fuse_req_userdata(req));
}

FuseFrontend::Impl::Impl(IoManager& io_, FuseOptions options) : io(io_), opts(std::move(options)) {
  security = std::make_shared<SecurityContext>(
      SecurityContext{static_cast<uint32_t>(geteuid()), static_cast<uint32_t>(getegid()), {}});
  // Hidden names of deleted open files: unique across mounts and restarts.
  next_hidden = (static_cast<uint64_t>(::time(nullptr)) << 24) ^ (uint64_t(::getpid()) << 8);
}

std::string FuseFrontend::Impl::full_path(const std::string& rel) const {
  if (rel.empty()) return opts.root_prefix;
  return opts.root_prefix + '\\' + rel;
}

void FuseFrontend::Impl::reply_status(fuse_req_t req, NtStatus status) {
  int e = errno_from_ntstatus(status);
  if (e == 0) e = EIO;
  log::debug("fuse: request ", fuse_req_ctx(req)->pid, ": ", ntstatus_name(status), " -> ",
             std::strerror(e));
  fuse_reply_err(req, e);
}

namespace {

// What an interrupt needs to reach the IRP of a waiting request.
struct Waiter {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  bool interrupted = false;
  IrpPtr irp;
  IoStatusBlock iosb;
  FileHandle handle;

  void finish(const IoStatusBlock& st) {
    std::lock_guard lock(m);
    iosb = st;
    done = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
  }
  // Called once the IRP exists: cancels it if the interrupt came first.
  void attach(IrpPtr p) {
    bool cancel_now = false;
    {
      std::lock_guard lock(m);
      irp = std::move(p);
      cancel_now = interrupted && !done;
    }
    if (cancel_now) irp->cancel();
  }
};

void on_interrupt(fuse_req_t, void* data) {
  auto* w = static_cast<Waiter*>(data);
  IrpPtr irp;
  {
    std::lock_guard lock(w->m);
    w->interrupted = true;
    if (!w->done) irp = w->irp;
  }
  if (irp) irp->cancel();  // MS-SMB2 3.2.4.24: rdr turns this into an SMB2 CANCEL
}

void wait_interruptible(fuse_req_t req, Waiter& w) {
  if (req) fuse_req_interrupt_func(req, on_interrupt, &w);
  w.wait();
  if (req) fuse_req_interrupt_func(req, nullptr, nullptr);
}

}  // namespace

Result<FileHandle> FuseFrontend::Impl::open(fuse_req_t req, const std::string& rel, uint32_t access,
                                            CreateDisposition disp, uint32_t options,
                                            uint32_t attributes, IoStatusBlock* iosb,
                                            uint8_t* granted_oplock) {
  CreateArgs args;
  args.path = full_path(rel);
  args.desired_access = access | access::kSynchronize;
  args.share_access = share::kAll;  // POSIX semantics: opens never lock each other out
  args.disposition = disp;
  args.create_options = options;
  args.file_attributes = attributes;
  args.security = security;
  auto w = std::make_shared<Waiter>();
  auto irp = io.create_file(std::move(args), [w](const IoStatusBlock& st, FileHandle h) {
    {
      std::lock_guard lock(w->m);
      w->handle = std::move(h);
    }
    w->finish(st);
  });
  w->attach(std::move(irp));
  wait_interruptible(req, *w);
  if (iosb) *iosb = w->iosb;
  if (!nt_success(w->iosb.status)) {
    return w->iosb.status == NtStatus::Success ? NtStatus::Unsuccessful : w->iosb.status;
  }
  if (!w->handle) return NtStatus::InternalError;
  // What the driver may let us cache (rdr: a lease or oplock; pvfs: nothing asked, none).
  if (granted_oplock) *granted_oplock = w->irp->args_as<CreateArgs>().granted_oplock;
  return std::move(w->handle);
}

IoStatusBlock FuseFrontend::Impl::call(fuse_req_t req, const FileHandle& f, IrpArgs args) {
  auto w = std::make_shared<Waiter>();
  auto irp = io.call(f, std::move(args), [w](Irp& irp) { w->finish(irp.status_block()); });
  w->attach(std::move(irp));
  wait_interruptible(req, *w);
  return w->iosb;
}

void FuseFrontend::Impl::close(FileHandle f) {
  if (!f) return;
  auto st = io.close_file(std::move(f));
  if (!nt_success(st.status)) log::debug("fuse: close: ", ntstatus_name(st.status));
}

Result<fscc::AllInfo> FuseFrontend::Impl::query_all(fuse_req_t req, const FileHandle& f) {
  std::vector<std::byte> buf(16 * 1024);
  auto st = call(req, f, QueryInformationArgs{FileInfoClass::All, buf});
  if (!nt_success(st.status)) return st.status;
  return fscc::decode_all(std::span(buf).first(std::min<size_t>(st.information, buf.size())));
}

namespace {

struct timespec ts_of(int64_t filetime) {
  int64_t sec = 0;
  uint32_t nsec = 0;
  if (filetime > 0) fscc::unix_from_filetime(filetime, &sec, &nsec);
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(nsec);
  return ts;
}

}  // namespace

struct stat FuseFrontend::Impl::to_stat(const fscc::AllInfo& info, uint64_t ino) const {
  fscc::DirectoryEntry e;
  e.creation_time = info.basic.creation_time;
  e.last_access_time = info.basic.last_access_time;
  e.last_write_time = info.basic.last_write_time;
  e.change_time = info.basic.change_time;
  e.attributes = info.basic.attributes;
  if (info.standard.directory) e.attributes |= file_attribute::kDirectory;
  e.end_of_file = info.standard.end_of_file;
  e.allocation_size = info.standard.allocation_size;
  e.file_id = info.internal.index_number;
  struct stat st = to_stat(e, ino);
  if (!info.standard.directory && info.standard.number_of_links > 0) {
    st.st_nlink = info.standard.number_of_links;
  }
  return st;
}

struct stat FuseFrontend::Impl::to_stat(const fscc::DirectoryEntry& e, uint64_t ino) const {
  struct stat st {};
  const bool dir = e.attributes & file_attribute::kDirectory;
  // st_ino: the server's file id when it gives one (stable across lookups), else the node.
  st.st_ino = e.file_id != 0 ? e.file_id : ino;
  st.st_mode = dir ? (S_IFDIR | opts.dir_mode) : (S_IFREG | opts.file_mode);
  // mount.cifs: the DOS read-only attribute takes the write bits away.
  if (!dir && (e.attributes & file_attribute::kReadonly)) st.st_mode &= ~mode_t(0222);
  st.st_nlink = dir ? 2 : 1;
  st.st_uid = opts.uid;
  st.st_gid = opts.gid;
  st.st_size = dir ? 0 : e.end_of_file;
  st.st_blocks = (e.allocation_size + 511) / 512;
  st.st_blksize = static_cast<blksize_t>(opts.max_io);
  st.st_atim = ts_of(e.last_access_time);
  st.st_mtim = ts_of(e.last_write_time);
  st.st_ctim = ts_of(e.change_time != 0 ? e.change_time : e.last_write_time);
  return st;
}

namespace {
// While a lease or oplock vouches for a file: the server breaks it (and the break drops what
// the kernel holds) before another client writes, so attributes may stay longer than actimeo.
// Names need handle caching: renames and deletes by others break only that.
constexpr double kLeaseTimeout = 30.0;
}  // namespace

double FuseFrontend::Impl::timeout(uint64_t ino) const {
  const double t = timeout();
  return ino != 0 && leases.trusted(ino) ? std::max(t, kLeaseTimeout) : t;
}

double FuseFrontend::Impl::name_timeout(uint64_t ino) const {
  const double t = timeout();
  return ino != 0 && leases.name_trusted(ino) ? std::max(t, kLeaseTimeout) : t;
}

fuse_entry_param FuseFrontend::Impl::entry(uint64_t ino, const struct stat& st) const {
  fuse_entry_param e{};
  e.ino = ino;
  e.generation = 1;
  e.attr = st;
  e.attr_timeout = timeout(ino);
  e.entry_timeout = name_timeout(ino);
  return e;
}

uint64_t FuseFrontend::Impl::add_file(std::shared_ptr<OpenFile> f) {
  std::lock_guard lock(files_mutex);
  uint64_t fh = next_fh++;
  files.emplace(fh, std::move(f));
  return fh;
}

std::shared_ptr<OpenFile> FuseFrontend::Impl::file(uint64_t fh) {
  std::lock_guard lock(files_mutex);
  auto it = files.find(fh);
  return it == files.end() ? nullptr : it->second;
}

std::shared_ptr<OpenFile> FuseFrontend::Impl::take_file(uint64_t fh) {
  std::lock_guard lock(files_mutex);
  auto it = files.find(fh);
  if (it == files.end()) return nullptr;
  auto f = std::move(it->second);
  files.erase(it);
  return f;
}

void FuseFrontend::Impl::reply_entry_from_handle(fuse_req_t req, uint64_t parent,
                                                 const std::string& name, const FileHandle& f) {
  auto info = query_all(req, f);
  if (!info) return reply_status(req, info.status());
  uint64_t ino = inodes.lookup(parent, name);
  if (ino == 0) return (void)fuse_reply_err(req, ENOENT);
  auto e = entry(ino, to_stat(*info, ino));
  if (fuse_reply_entry(req, &e) != 0) inodes.forget(ino, 1);
}

void FuseFrontend::Impl::inval_worker() {
  std::unique_lock lock(inval_mutex);
  for (;;) {
    inval_cv.wait(lock, [&] { return inval_stop || !inval_queue.empty(); });
    if (inval_stop) return;
    Invalidation inv = std::move(inval_queue.front());
    inval_queue.pop_front();
    lock.unlock();
    if (!session) {
    } else if (inv.ino != 0) {
      fuse_lowlevel_notify_inval_inode(session, inv.ino, -1, 0);  // attributes only
    } else if (auto found = inodes.find(inv.path)) {
      fuse_lowlevel_notify_inval_inode(session, found->ino, 0, 0);  // attributes and data
      if (found->parent != 0) {
        fuse_lowlevel_notify_inval_entry(session, found->parent, found->name.c_str(),
                                         found->name.size());
      }
    }
    lock.lock();
  }
}

namespace {

// The "major:minor" of the file system mounted on MOUNTPOINT, from /proc/self/mountinfo (a
// stat of the mount point would be a request to this very file system, not served yet).
std::string mount_device(const std::string& mountpoint) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, found;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    if (!(fields >> id >> parent >> dev >> root >> point)) continue;
    if (point == mountpoint) found = dev;  // the last one is the top of the stack
  }
  return found;
}

// Sets the mount's read-ahead window: FUSE caps it at the default 128 KiB of a new bdi, so
// without this every sequential reader waits for 128 KiB requests one after another.
void set_kernel_read_ahead(const std::string& mountpoint, uint32_t bytes) {
  if (bytes == 0) return;
  const std::string dev = mount_device(mountpoint);
  if (dev.empty()) return;
  std::ofstream out("/sys/class/bdi/" + dev + "/read_ahead_kb");
  if (out) out << (bytes / 1024) << '\n';
  if (!out) log::debug("fuse: cannot set read_ahead_kb of bdi ", dev);
}

void op_init(void* userdata, fuse_conn_info* conn) {
  auto* impl = static_cast<FuseFrontend::Impl*>(userdata);
  conn->max_write = impl->opts.max_io;
  conn->max_read = impl->opts.max_io;
  conn->max_readahead = std::max(impl->opts.max_io, impl->opts.read_ahead);
  conn->max_background = 64;
  conn->congestion_threshold = 48;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;  // always plus: one listing fills the attributes
  if (conn->capable & FUSE_CAP_POSIX_LOCKS) conn->want |= FUSE_CAP_POSIX_LOCKS;
  conn->want &= ~FUSE_CAP_FLOCK_LOCKS;  // flock stays local to this mount
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;  // op_open
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  // cache=loose keeps data across opens until the attributes show a change.
  if (impl->opts.cache == CacheMode::Loose && (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)) {
    conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
  }
  conn->time_gran = 100;  // FILETIME resolution
}

void forget_one(FuseFrontend::Impl* impl, fuse_ino_t ino, uint64_t nlookup) {
  impl->inodes.forget(ino, nlookup);
  if (impl->inodes.lookups(ino) == 0) impl->leases.forget(ino);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  forget_one(impl_of(req), ino, nlookup);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  auto* impl = impl_of(req);
  for (size_t i = 0; i < count; ++i) forget_one(impl, forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

}  // namespace

FuseFrontend::FuseFrontend(IoManager& io, FuseOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

FuseFrontend::~FuseFrontend() {
  {
    std::lock_guard lock(impl_->inval_mutex);
    impl_->inval_stop = true;
  }
  impl_->inval_cv.notify_all();
  if (impl_->inval_thread.joinable()) impl_->inval_thread.join();
  if (impl_->session) {
    if (impl_->mounted) fuse_session_unmount(impl_->session);
    fuse_session_destroy(impl_->session);
    impl_->session = nullptr;
  }
  std::unordered_map<uint64_t, std::shared_ptr<OpenFile>> files;
  {
    std::lock_guard lock(impl_->files_mutex);
    files.swap(impl_->files);
  }
  for (auto& [fh, f] : files) impl_->close(std::move(f->handle));
}

NtStatus FuseFrontend::check_root() {
  auto f = impl_->open(nullptr, "", access::kReadData | access::kReadAttributes,
                       CreateDisposition::Open, create_option::kDirectoryFile);
  if (!f) return f.status();
  auto info = impl_->query_all(nullptr, *f);
  impl_->close(std::move(*f));
  return info ? NtStatus::Success : info.status();
}

int FuseFrontend::mount(std::string* error) {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  fill_entry_ops(&ops);
  fill_file_ops(&ops);
  fill_lock_ops(&ops);

  const auto& o = impl_->opts;
  std::string mount_opts = "fsname=" + o.fsname +
                           ",subtype=lwsmb,max_read=" + std::to_string(o.max_io) +
                           ",default_permissions";
  if (o.allow_other) mount_opts += ",allow_other";
  if (o.read_only) mount_opts += ",ro";
  std::vector<std::string> argv_s = {"lwsmb", "-o", mount_opts};
  if (o.debug) argv_s.push_back("-d");
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  impl_->session = fuse_session_new(&args, &ops, sizeof ops, impl_.get());
  fuse_opt_free_args(&args);
  if (!impl_->session) {
    *error = "cannot create the FUSE session";
    return EINVAL;
  }
  if (fuse_session_mount(impl_->session, o.mountpoint.c_str()) != 0) {
    *error = "cannot mount on " + o.mountpoint + " (is /dev/fuse there, is it a directory?)";
    fuse_session_destroy(impl_->session);
    impl_->session = nullptr;
    return EIO;
  }
  impl_->mounted = true;
  set_kernel_read_ahead(o.mountpoint, o.read_ahead);
  impl_->inval_thread = std::thread([this] { impl_->inval_worker(); });
  return 0;
}

int FuseFrontend::run() {
  if (!impl_->session) return EINVAL;
  fuse_set_signal_handlers(impl_->session);
  fuse_loop_config* cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(cfg, impl_->opts.threads);
  fuse_loop_cfg_set_clone_fd(cfg, 1);
  int rc = fuse_session_loop_mt(impl_->session, cfg);
  fuse_loop_cfg_destroy(cfg);
  impl_->async_wait();  // READs still answering into the session
  fuse_remove_signal_handlers(impl_->session);
  fuse_session_unmount(impl_->session);
  impl_->mounted = false;
  // What the kernel did not release (a lazy unmount, a killed session): flushed and closed.
  std::unordered_map<uint64_t, std::shared_ptr<OpenFile>> files;
  {
    std::lock_guard lock(impl_->files_mutex);
    files.swap(impl_->files);
  }
  for (auto& [fh, f] : files) {
    if (f->dirty) impl_->call(nullptr, f->handle, FlushArgs{});
    impl_->close(std::move(f->handle));
  }
  return rc < 0 ? -rc : 0;
}

void FuseFrontend::Impl::queue_invalidation(Invalidation inv) {
  {
    std::lock_guard lock(inval_mutex);
    inval_queue.push_back(std::move(inv));
  }
  inval_cv.notify_one();
}

void FuseFrontend::invalidate(const std::string& path) {
  // Marked here, before the driver acknowledges the break: an open that comes next drops the
  // cached data even if the kernel has not been told yet.
  if (auto found = impl_->inodes.find(path)) impl_->leases.invalidate(found->ino);
  impl_->queue_invalidation(Impl::Invalidation{path, 0});
}

}  // namespace lwsmb::fuse_rdr
