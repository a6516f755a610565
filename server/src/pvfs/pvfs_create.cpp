// CREATE (MS-FSA 2.1.5.1): name resolution, dispositions, access and share checks. Runs as a
// coroutine: the opens go through the loop's io_uring, the metadata calls run inline.
#include <fcntl.h>
#include <liburing.h>

#include "lwsmb/iocore/event_loop.hpp"
#include "lwsmb/iocore/file_object.hpp"
#include "pvfs/pvfs_access.hpp"
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_ea.hpp"
#include "pvfs/pvfs_oplock_wait.hpp"
#include "pvfs/pvfs_path.hpp"
#include "pvfs/pvfs_security.hpp"
#include "pvfs/pvfs_stream.hpp"

namespace lwsmb::server::pvfs {
namespace {

using CD = CreateDisposition;

bool overwrites(CD d) {
  return d == CD::Overwrite || d == CD::OverwriteIf || d == CD::Supersede;
}

// Everything one CREATE carries between its ring operations.
struct CreateState {
  std::shared_ptr<PvfsDriver> drv;
  IrpPtr irp;
  CreateArgs& args;
  ParsedPath path;
  SecurityContext who;

  Lookup look;
  std::string rel;   // actual path of the target, "." for the root
  open_how how{};    // must outlive the ring op that reads it
  UniqueFd path_fd;  // O_PATH fd of an existing target
  UniqueFd parent_fd;
  UniqueFd fd;  // the open's real fd
  FileStat fst;
  uint32_t granted = 0;
  uint64_t token = 0;
  bool registered = false;   // in the ShareModeTable
  bool created_new = false;  // made by this CREATE: removed again if a later step fails
  CreateAction action = CreateAction::Opened;
  std::vector<proto::fscc::FullEa> eas;  // from the create's EA buffer
  // The parent's stored descriptor, once prepare_new has read it (finish_new inherits from it).
  std::optional<sec::SecurityDescriptor> parent_sd;
  bool parent_sd_loaded = false;

  CreateState(std::shared_ptr<PvfsDriver> d, IrpPtr i, ParsedPath p)
      : drv(std::move(d)),
        irp(std::move(i)),
        args(irp->args_as<CreateArgs>()),
        path(std::move(p)),
        who(args.security ? *args.security : SecurityContext{}) {}

  // Undoes a failed CREATE *before* it completes, so that a caller retrying at once never meets
  // a stale share entry.
  void fail(NtStatus st) {
    if (registered) {
      drv->oplocks().release(fst.key, token);
      drv->shares().remove(fst.key, token, nullptr);
    }
    registered = false;
    fd.reset();
    path_fd.reset();
    if (created_new && parent_fd) {
      ::unlinkat(parent_fd.get(), look.name.c_str(), want_dir() ? AT_REMOVEDIR : 0);
    }
    irp->complete(st);
  }

  bool is_root() const { return path.components.empty(); }
  bool delete_on_close() const { return args.create_options & create_option::kDeleteOnClose; }
  bool want_dir() const {
    return (args.create_options & create_option::kDirectoryFile) || path.trailing_backslash;
  }

  void set_how(uint64_t flags, uint64_t mode = 0) {
    how = open_how{};
    how.flags = flags | O_CLOEXEC;
    how.mode = mode;
    how.resolve = kResolveBeneath;
  }

  // The parent directory of the target and its stat, for DELETE (Unix permissions and its
  // stored DACL); an invalid fd when there is none (the root) or it cannot be read.
  UniqueFd parent_open(struct statx* out) {
    if (is_root()) return UniqueFd();
    UniqueFd p(
        sys_openat2(drv->root_fd(), rel_or_dot(look.parent_rel), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!p || ::statx(p.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, out) != 0) return UniqueFd();
    return p;
  }

  // MS-FSA 2.1.5.1.2.1: checks on an existing file before it is opened for real.
  NtStatus check_existing() {
    auto st = stat_fd(path_fd.get());
    if (!st) return st.status();
    fst = std::move(*st);
    if (!fst.directory() && !fst.regular()) return NtStatus::AccessDenied;  // fifo, device, ...
    const CD disp = args.disposition;
    if (disp == CD::Create) return NtStatus::ObjectNameCollision;
    if (fst.directory()) {
      if (args.create_options & create_option::kNonDirectoryFile) {
        return NtStatus::FileIsADirectory;
      }
      if (overwrites(disp)) return NtStatus::InvalidParameter;  // a directory has no data
    } else {
      if (args.create_options & create_option::kDirectoryFile) return NtStatus::NotADirectory;
      if (path.trailing_backslash) return NtStatus::ObjectNameInvalid;
    }
    // The parent decides DELETE only (FILE_DELETE_CHILD, MS-FSA 2.1.5.1.2.1): an open that
    // cannot be asking for it (a stat, a read) skips opening and reading the parent.
    const uint32_t wanted = args.desired_access | map_generic_access(args.desired_access);
    const bool may_delete =
        (wanted & (access::kDelete | access::kMaximumAllowed)) || delete_on_close();
    struct statx parent {};
    UniqueFd pfd = who.uid != 0 && may_delete ? parent_open(&parent) : UniqueFd();
    uint32_t allowed =
        effective_access(who, path_fd.get(), fst.st, pfd.get(), pfd ? &parent : nullptr);
    const bool readonly = (fst.attributes & file_attribute::kReadonly) && !fst.directory();
    if (readonly) allowed &= ~(access::kWriteData | access::kAppendData);
    if (overwrites(disp)) {
      // Overwriting needs write access to the data, whatever was asked for; a READONLY file,
      // or one whose HIDDEN/SYSTEM bits the request does not repeat, is not overwritten.
      if (!(allowed & access::kWriteData)) return NtStatus::AccessDenied;
      const uint32_t keep = file_attribute::kHidden | file_attribute::kSystem;
      if ((fst.attributes & keep) & ~(args.file_attributes & keep)) return NtStatus::AccessDenied;
    }
    NtStatus s = grant_access(args.desired_access, allowed, &granted);
    if (s != NtStatus::Success) return s;
    if (delete_on_close()) {
      if (!(granted & access::kDelete)) return NtStatus::AccessDenied;  // MS-SMB2 3.3.5.9
      if (readonly) return NtStatus::CannotDelete;
      if (is_root()) return NtStatus::CannotDelete;
    }
    return NtStatus::Success;
  }

  uint64_t existing_open_flags() const {
    if (fst.directory()) return O_RDONLY | O_DIRECTORY;
    const bool r = granted & (access::kReadData | access::kExecute);
    const bool w =
        (granted & (access::kWriteData | access::kAppendData)) || overwrites(args.disposition);
    return w ? (r ? O_RDWR : O_WRONLY) : O_RDONLY;
  }

  // MS-FSA 2.1.5.1.1: checks before a new file or directory is made.
  NtStatus prepare_new() {
    const CD disp = args.disposition;
    if (disp == CD::Open || disp == CD::Overwrite) return NtStatus::ObjectNameNotFound;
    parent_fd.reset(
        sys_openat2(drv->root_fd(), rel_or_dot(look.parent_rel), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd) return path_lookup_status(-parent_fd.get());
    if (who.uid != 0) {
      struct statx parent {};
      if (::statx(parent_fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &parent) != 0) {
        return ntstatus_from_errno(errno);
      }
      // FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY on the parent (MS-FSA 2.1.5.1.1).
      const uint32_t add = want_dir() ? access::kAppendData : access::kWriteData;
      parent_sd = load_security(parent_fd.get());
      parent_sd_loaded = true;
      if (!(directory_add_access(who, parent_sd, parent) & add)) {
        return NtStatus::AccessDenied;
      }
    }
    if (want_dir() && (args.file_attributes & file_attribute::kTemporary)) {
      return NtStatus::InvalidParameter;
    }
    if (delete_on_close() && (args.file_attributes & file_attribute::kReadonly)) {
      return NtStatus::CannotDelete;
    }
    // The creator gets what it asks for (MAXIMUM_ALLOWED: everything).
    NtStatus s = grant_access(
        args.desired_access,
        access::kFileAllAccess | (who.uid == 0 ? access::kAccessSystemSecurity : 0), &granted);
    if (s != NtStatus::Success) return s;
    if (delete_on_close() && !(granted & access::kDelete)) return NtStatus::AccessDenied;
    return NtStatus::Success;
  }

  // Owner, attributes and allocation of a file or directory just made.
  NtStatus finish_new() {
    // Until srv switches to per-thread fsuid / io_uring personalities, files made for another
    // identity are handed over with chown.
    if (who.uid != 0 && ::fchown(fd.get(), who.uid, who.gid) != 0) {
      return ntstatus_from_errno(errno);
    }
    if (!eas.empty()) {
      NtStatus s = apply_eas(fd.get(), eas);
      if (s != NtStatus::Success) return s;
    }
    // A descriptor sent with the create (MS-SMB2 2.2.13.2.2 SecD) wins; else the directory's
    // inheritable ACEs are passed on (MS-DTYP 2.5.3.4).
    if (!args.security_descriptor.empty()) {
      auto sd = sec::decode_security_descriptor(args.security_descriptor);
      if (!sd) return sd.status();
      sd->owner = sec::unix_user_sid(who.uid);
      if (!sd->group || !sec::unix_gid_of(*sd->group)) sd->group = sec::unix_group_sid(who.gid);
      sd->sacl.reset();
      sd->control &= static_cast<uint16_t>(~sec::sd_control::kSaclPresent);
      NtStatus s = store_security(fd.get(), *sd);
      if (s != NtStatus::Success && s != NtStatus::NotSupported) return s;
    } else {
      if (!parent_sd_loaded) parent_sd = load_security(parent_fd.get());
      parent_sd_loaded = true;
    }
    if (args.security_descriptor.empty() && parent_sd) {
      if (auto sd = inherited_security(*parent_sd, want_dir(), who.uid, who.gid)) {
        NtStatus s = store_security(fd.get(), *sd);
        if (s != NtStatus::Success && s != NtStatus::NotSupported) return s;
      }
    }
    uint32_t attrs = args.file_attributes & kStorableAttributes;
    if (!want_dir()) attrs |= file_attribute::kArchive;  // MS-FSA 2.1.5.1.1: new files
    bool stored = false;
    if (attrs != 0) {
      NtStatus s = store_new_dos_attributes(fd.get(), attrs, &stored);
      if (s != NtStatus::Success) return s;
    }
    if (!want_dir() && args.allocation_size > 0) {
      // Best effort: AllocationSize is a hint (MS-SMB2 2.2.13.2.8 style reservation).
      (void)::fallocate(fd.get(), FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(args.allocation_size));
    }
    auto st = stat_new_fd(fd.get(), stored, attrs);
    if (!st) return st.status();
    fst = std::move(*st);
    action = CreateAction::Created;
    return NtStatus::Success;
  }

  // Share check (MS-FSA 2.1.5.1.2.2), then overwrite, then the CCB.
  NtStatus finish_open(bool created) {
    if (!created) {
      // The name moved between the two opens: report what a fresh lookup would. (Only the
      // identity is compared: fst, from the first open, has the attributes.)
      struct statx sx {};
      if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_INO, &sx) != 0) {
        return ntstatus_from_errno(errno);
      }
      const FileKey key{makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino};
      if (key != fst.key) return NtStatus::ObjectNameNotFound;
    }
    NtStatus s = drv->shares().add(fst.key, granted, args.share_access, &token);
    if (s != NtStatus::Success) return s;
    registered = true;
    args.granted_oplock =
        drv->oplocks().grant(fst.key, token, args.requested_oplock, fst.directory(),
                             drv->shares().open_count(fst.key) - 1);
    if (!created && overwrites(args.disposition)) {
      if (::ftruncate(fd.get(), 0) != 0) return ntstatus_from_errno(errno);
      // Overwriting the main stream drops the named streams nobody has open.
      remove_streams(drv->root_fd(), fd.get(),
                     [this](const FileKey& k) { return drv->shares().open_count(k) > 0; });
      // MS-FSA 2.1.5.1.2.1: the overwritten file takes the request's attributes plus ARCHIVE.
      uint32_t old_attrs = 0;
      int64_t creation = 0;
      load_dos_attributes(fd.get(), &old_attrs, &creation);
      s = store_dos_attributes(
          fd.get(), (args.file_attributes & kStorableAttributes) | file_attribute::kArchive,
          creation);
      if (s != NtStatus::Success) return s;
      // The overwritten file takes the create's EAs in place of its own.
      if (!eas.empty()) {
        (void)remove_all_eas(fd.get());
        s = apply_eas(fd.get(), eas);
        if (s != NtStatus::Success) return s;
      }
      action =
          args.disposition == CD::Supersede ? CreateAction::Superseded : CreateAction::Overwritten;
    }
    if (delete_on_close()) drv->shares().set_delete_on_close(fst.key, token);

    auto ccb = std::make_unique<PvfsCcb>();
    ccb->fd = std::make_shared<UniqueFd>(std::move(fd));
    ccb->key = fst.key;
    ccb->base_key = fst.key;
    ccb->token = token;
    ccb->granted = granted;
    ccb->directory = fst.directory();
    ccb->root = is_root();
    ccb->inline_io = drv->inline_io(fst.key);
    ccb->who = who;
    // FileModeInformation starts from the create options it shares bits with (MS-FSA 2.1.5.1).
    ccb->mode = args.create_options &
                (create_option::kWriteThrough | create_option::kSequentialOnly |
                 create_option::kNoIntermediateBuffering | create_option::kDeleteOnClose);
    drv->names().acquire(fst.key, is_root() ? std::string() : look.rel());
    registered = false;  // the CCB owns the share entry now; CLOSE removes it
    irp->file().set_context(std::move(ccb));
    return NtStatus::Success;
  }
};

DetachedTask run_create(std::shared_ptr<PvfsDriver> drv, IrpPtr irp, ParsedPath parsed) {
  CreateState s(std::move(drv), std::move(irp), std::move(parsed));
  EventLoop& loop = s.irp->file().loop();
  const int root = s.drv->root_fd();
  auto openat2_op = [&](int dirfd) {
    return loop.op([&s, dirfd](io_uring_sqe* sqe) {
      io_uring_prep_openat2(sqe, dirfd, s.rel.c_str(), &s.how);
    });
  };
  auto fail = [&](NtStatus st) { s.fail(st); };
  // MS-FSA 2.1.5.1: a malformed EA buffer fails the create before anything happens.
  if (!s.args.ea_buffer.empty()) {
    auto eas = proto::fscc::decode_full_ea_list(s.args.ea_buffer);
    if (!eas) co_return fail(eas.status());
    for (const auto& ea : *eas) {
      if (!proto::fscc::valid_ea_name(ea.name)) co_return fail(NtStatus::InvalidEaName);
    }
    s.eas = std::move(*eas);
  }

  // A name made by someone else between our lookup and our mkdir/O_EXCL open is opened as an
  // existing file when the disposition allows (MS-FSA 2.1.5.1: OPEN_IF and friends act on
  // whatever is there); a few tries bound the race.
  for (int attempt = 0;; ++attempt) {
    const bool may_retry = attempt < 3 && s.args.disposition != CD::Create;
    s.look = Lookup{};
    s.rel.clear();
    s.path_fd.reset();
    s.parent_fd.reset();
    // 1. Find the target: the exact name in one ring openat2, the slow path only when missing.
    if (s.is_root()) {
      s.rel.assign(1, '.');  // (assign: GCC 12 -Wrestrict false positive on "=")
      s.look.exists = true;
    } else {
      for (const auto& c : s.path.components) s.rel = rel_join(s.rel, c);
      s.set_how(O_PATH);
      int res = co_await openat2_op(root);
      if (res >= 0) {
        s.path_fd.reset(res);
        s.look.exists = true;
        auto [parent, name] = rel_split(s.rel);
        s.look.parent_rel = parent;
        s.look.name = name;
      } else if (res == -ENOENT || res == -ENOTDIR) {
        auto look = resolve_path(root, s.path.components, s.drv->options().case_insensitive);
        if (!look) co_return fail(look.status());
        s.look = std::move(*look);
        s.rel = s.look.rel();
        if (s.look.exists) {
          s.path_fd.reset(sys_openat2(root, s.rel, O_PATH | O_CLOEXEC));
          const int err = -s.path_fd.get();
          if (!s.path_fd) {
            co_return fail(err == ENOENT ? NtStatus::ObjectNameNotFound : path_lookup_status(err));
          }
        }
      } else {
        // EXDEV / ELOOP: a symlink leading out of the root.
        co_return fail(path_lookup_status(-res));
      }
    }

    if (s.look.exists) {
      // 2a. Open an existing file or directory.
      if (s.is_root()) {
        s.path_fd.reset(sys_openat2(root, ".", O_PATH | O_CLOEXEC));
        if (!s.path_fd) co_return fail(ntstatus_from_errno(-s.path_fd.get()));
      }
      NtStatus st = s.check_existing();
      if (st != NtStatus::Success) co_return fail(st);
      s.set_how(s.existing_open_flags());
      int res = co_await openat2_op(root);
      if (res < 0) {
        co_return fail(res == -ENOENT ? NtStatus::ObjectNameNotFound : path_lookup_status(-res));
      }
      s.fd.reset(res);
      // MS-FSA 2.1.5.1.2: oplocks the open conflicts with are broken (and waited for) before
      // the share check, so a holder that closes on the break lets it pass.
      for (int round = 0; round < 8; ++round) {
        if (!co_await OplockBreakWait(s.drv, s.fst.key, s.granted, s.args.share_access,
                                      overwrites(s.args.disposition), loop)) {
          break;
        }
      }
      st = s.finish_open(false);
      if (st != NtStatus::Success) co_return fail(st);
      break;
    }
    // 2b. Make a new file or directory, keeping the case the client gave.
    NtStatus st = s.prepare_new();
    if (st != NtStatus::Success) co_return fail(st);
    s.rel = s.look.name;  // relative to the parent fd from here on
    const int parent = s.parent_fd.get();
    // The new name is made with the caller's file-system identity (an io_uring personality),
    // so that it never appears owned by root: a concurrent CREATE of the same name would
    // judge the caller's access by the wrong owner (smbtorture create.mkdir-dup).
    const int pers = s.who.uid == 0 ? 0 : loop.personality(s.who.uid, s.who.gid, s.who.groups);
    if (s.want_dir()) {
      int res = co_await loop.op([&s, parent, pers](io_uring_sqe* sqe) {
        io_uring_prep_mkdirat(sqe, parent, s.rel.c_str(), 0777 & s.drv->options().directory_mask);
        if (pers > 0) sqe->personality = static_cast<uint16_t>(pers);
      });
      if (res == -EEXIST && may_retry) continue;
      if (res < 0) co_return fail(ntstatus_from_errno(-res));
      s.created_new = true;
      s.set_how(O_RDONLY | O_DIRECTORY);
    } else {
      s.set_how(O_RDWR | O_CREAT | O_EXCL, 0666 & s.drv->options().create_mask);
    }
    int res = co_await loop.op([&s, parent, pers](io_uring_sqe* sqe) {
      io_uring_prep_openat2(sqe, parent, s.rel.c_str(), &s.how);
      if (pers > 0 && !s.created_new) sqe->personality = static_cast<uint16_t>(pers);
    });
    if (res == -EEXIST && may_retry && !s.created_new) continue;
    if (res < 0)
      co_return fail(res == -EEXIST ? NtStatus::ObjectNameCollision : ntstatus_from_errno(-res));
    s.fd.reset(res);
    s.created_new = true;
    st = s.finish_new();
    if (st == NtStatus::Success) st = s.finish_open(true);
    if (st != NtStatus::Success) co_return fail(st);
    s.drv->notify_name_change(rel_join(s.look.parent_rel, s.look.name), notify_action::kAdded,
                              s.want_dir());
    break;
  }
  s.irp->complete(NtStatus::Success, static_cast<uint64_t>(s.action));
}

}  // namespace

void PvfsDriver::create(const IrpPtr& irp) {
  auto& args = irp->args_as<CreateArgs>();
  const uint32_t opts = args.create_options;
  const auto disp = args.disposition;
  NtStatus st = NtStatus::Success;
  if (!root_) {
    st = NtStatus::ObjectPathNotFound;
  } else if (static_cast<uint32_t>(disp) > static_cast<uint32_t>(CD::OverwriteIf)) {
    st = NtStatus::InvalidParameter;
  } else if ((opts & create_option::kDirectoryFile) && (opts & create_option::kNonDirectoryFile)) {
    st = NtStatus::InvalidParameter;
  } else if ((opts & create_option::kDirectoryFile) && disp != CD::Create && disp != CD::Open &&
             disp != CD::OpenIf) {
    st = NtStatus::InvalidParameter;  // MS-FSA 2.1.5.1: directories are not overwritten
  } else if (opts & create_option::kOpenByFileId) {
    st = NtStatus::NotSupported;
  }
  if (st != NtStatus::Success) {
    irp->complete(st);
    return;
  }
  // "file:stream[:$DATA]" and "file::$DATA" (pvfs_stream.hpp).
  auto split = split_stream_path(args.path);
  if (!split) {
    irp->complete(split.status());
    return;
  }
  if (split->explicit_default) {
    // The main stream by name is a data stream: never a directory.
    if (opts & create_option::kDirectoryFile) return (void)irp->complete(NtStatus::NotADirectory);
    args.create_options |= create_option::kNonDirectoryFile;
  }
  auto parsed = parse_nt_path(split->file);
  if (!parsed) {
    irp->complete(parsed.status());
    return;
  }
  if (parsed->trailing_backslash && (opts & create_option::kNonDirectoryFile)) {
    irp->complete(NtStatus::ObjectNameInvalid);
    return;
  }
  if (!split->stream.empty()) return create_stream(irp, *parsed, split->stream);
  irp->mark_pending();
  run_create(shared_from_this(), irp, std::move(*parsed));
}

}  // namespace lwsmb::server::pvfs
