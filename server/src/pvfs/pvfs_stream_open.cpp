// CREATE, CLOSE and rename of named streams (MS-FSA 2.1.5.1 for a stream name, 2.1.5.4,
// 2.1.5.14.11.1). The store is described in pvfs_stream.hpp. Stream creates run inline: they
// are metadata work on small files, and the data itself goes through the ring like any open.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lwsmb/iocore/file_object.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "pvfs/pvfs_access.hpp"
#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_ea.hpp"
#include "pvfs/pvfs_path.hpp"
#include "pvfs/pvfs_security.hpp"
#include "pvfs/pvfs_stream.hpp"

namespace lwsmb::server::pvfs {
namespace {

using CD = CreateDisposition;

bool overwrites(CD d) {
  return d == CD::Overwrite || d == CD::OverwriteIf || d == CD::Supersede;
}

Result<FileKey> key_of_fd(int fd) {
  struct statx st {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_INO, &st) != 0) return ntstatus_from_errno(errno);
  return FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
}

// Undoes the parts of a failed stream CREATE, in reverse order.
struct StreamCreateUndo {
  ShareModeTable& shares;
  int root_fd;
  FileKey base_key, stream_key;
  uint64_t shadow = 0, token = 0;
  int folder_fd = -1;
  std::string new_stream;  // made by this create
  int parent_fd = -1;
  std::string new_base;  // made by this create
  int base_fd = -1;
  bool armed = true;

  StreamCreateUndo(ShareModeTable& s, int root) : shares(s), root_fd(root) {}
  StreamCreateUndo(const StreamCreateUndo&) = delete;
  StreamCreateUndo& operator=(const StreamCreateUndo&) = delete;
  ~StreamCreateUndo() {
    if (!armed) return;
    if (token) shares.remove(stream_key, token, nullptr);
    if (shadow) shares.remove(base_key, shadow, nullptr);
    if (!new_stream.empty() && folder_fd >= 0) ::unlinkat(folder_fd, new_stream.c_str(), 0);
    if (!new_base.empty() && parent_fd >= 0) {
      if (base_fd >= 0) remove_streams(root_fd, base_fd);
      ::unlinkat(parent_fd, new_base.c_str(), 0);
    }
  }
};

}  // namespace

void PvfsDriver::create_stream(const IrpPtr& irp, const ParsedPath& path,
                               const std::string& stream) {
  CreateAction action = CreateAction::Opened;
  NtStatus st = open_stream(irp, path, stream, &action);
  if (st != NtStatus::Success) return (void)irp->complete(st);
  irp->complete(NtStatus::Success, static_cast<uint64_t>(action));
}

NtStatus PvfsDriver::open_stream(const IrpPtr& irp, const ParsedPath& path,
                                 const std::string& stream, CreateAction* action) {
  auto& args = irp->args_as<CreateArgs>();
  const SecurityContext who = args.security ? *args.security : SecurityContext{};
  const CD disp = args.disposition;
  const bool delete_on_close = args.create_options & create_option::kDeleteOnClose;
  // A stream is never a directory (smbtorture streams.dir); the share root has none here.
  if (args.create_options & create_option::kDirectoryFile) return NtStatus::NotADirectory;
  if (path.trailing_backslash || path.components.empty()) return NtStatus::ObjectNameInvalid;

  auto look = resolve_path(root_fd(), path.components, options_.case_insensitive);
  if (!look) return look.status();
  const std::string rel = look->rel();
  // Declared before the undo record, so that they are still open when it runs.
  UniqueFd base, parent_fd, folder, sfd;
  StreamCreateUndo undo(shares_, root_fd());

  // 1. The file the stream belongs to: opened, or made as an empty file (MS-FSA 2.1.5.1.1).
  uint32_t granted = 0;
  FileStat base_stat;
  if (look->exists) {
    UniqueFd pfd(sys_openat2(root_fd(), rel, O_PATH | O_CLOEXEC));
    if (!pfd) {
      return pfd.get() == -ENOENT ? NtStatus::ObjectNameNotFound : path_lookup_status(-pfd.get());
    }
    auto fst = stat_fd(pfd.get());
    if (!fst) return fst.status();
    base_stat = std::move(*fst);
    if (!base_stat.directory() && !base_stat.regular()) return NtStatus::AccessDenied;
    struct statx parent {};
    if (who.uid != 0) {
      parent_fd.reset(
          sys_openat2(root_fd(), rel_or_dot(look->parent_rel), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (parent_fd &&
          ::statx(parent_fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &parent) != 0) {
        parent_fd.reset();
      }
    }
    // A stream is reached with the rights its file grants.
    uint32_t allowed = effective_access(who, pfd.get(), base_stat.st, parent_fd.get(),
                                        parent_fd ? &parent : nullptr);
    if (base_stat.attributes & file_attribute::kReadonly) {
      allowed &= ~(access::kWriteData | access::kAppendData);
    }
    if (overwrites(disp) && !(allowed & access::kWriteData)) return NtStatus::AccessDenied;
    NtStatus s = grant_access(args.desired_access, allowed, &granted);
    if (s != NtStatus::Success) return s;
    base.reset(
        sys_openat2(root_fd(), rel,
                    O_RDONLY | O_CLOEXEC | O_NONBLOCK | (base_stat.directory() ? O_DIRECTORY : 0)));
    if (!base) return ntstatus_from_errno(-base.get());
    auto k = key_of_fd(base.get());
    if (!k || *k != base_stat.key) return NtStatus::ObjectNameNotFound;  // replaced meanwhile
  } else {
    if (disp == CD::Open || disp == CD::Overwrite) return NtStatus::ObjectNameNotFound;
    parent_fd.reset(
        sys_openat2(root_fd(), rel_or_dot(look->parent_rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd) return path_lookup_status(-parent_fd.get());
    if (who.uid != 0) {
      struct statx parent {};
      if (::statx(parent_fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &parent) != 0) {
        return ntstatus_from_errno(errno);
      }
      if (!(directory_add_access(who, parent_fd.get(), parent) & access::kWriteData)) {
        return NtStatus::AccessDenied;
      }
    }
    NtStatus s = grant_access(args.desired_access, access::kFileAllAccess, &granted);
    if (s != NtStatus::Success) return s;
    base.reset(::openat(parent_fd.get(), look->name.c_str(),
                        O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        0666 & options_.create_mask));
    if (!base) return errno == EEXIST ? NtStatus::ObjectNameCollision : ntstatus_from_errno(errno);
    undo.parent_fd = parent_fd.get();
    undo.new_base = look->name;
    undo.base_fd = base.get();
    if (who.uid != 0 && ::fchown(base.get(), who.uid, who.gid) != 0) {
      return ntstatus_from_errno(errno);
    }
    if (auto parent_sd = load_security(parent_fd.get())) {
      if (auto sd = inherited_security(*parent_sd, false, who.uid, who.gid)) {
        s = store_security(base.get(), *sd);
        if (s != NtStatus::Success && s != NtStatus::NotSupported) return s;
      }
    }
    s = store_dos_attributes(
        base.get(), (args.file_attributes & kStorableAttributes) | file_attribute::kArchive, 0);
    if (s != NtStatus::Success) return s;
    if (!args.ea_buffer.empty()) {
      auto eas = proto::fscc::decode_full_ea_list(args.ea_buffer);
      if (!eas) return eas.status();
      s = apply_eas(base.get(), *eas);
      if (s != NtStatus::Success) return s;
    }
    auto fst = stat_fd(base.get());
    if (!fst) return fst.status();
    base_stat = std::move(*fst);
  }
  if (delete_on_close && !(granted & access::kDelete)) return NtStatus::AccessDenied;
  undo.base_key = base_stat.key;

  // 2. The stream in the file's store folder.
  auto id = ensure_stream_id(base.get());
  if (!id) return id.status();
  auto opened_folder = open_stream_folder(root_fd(), *id, true);
  if (!opened_folder) return opened_folder.status();
  folder = std::move(*opened_folder);
  undo.folder_fd = folder.get();
  auto found = find_stream(folder.get(), stream);
  if (!found) return found.status();
  std::string stored;
  bool created = false;
  if (*found) {
    if (disp == CD::Create) return NtStatus::ObjectNameCollision;
    stored = **found;
    sfd.reset(::openat(folder.get(), stored.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!sfd) return errno == ENOENT ? NtStatus::ObjectNameNotFound : ntstatus_from_errno(errno);
  } else {
    if (disp == CD::Open || disp == CD::Overwrite) return NtStatus::ObjectNameNotFound;
    stored = stream;
    sfd.reset(::openat(folder.get(), stored.c_str(),
                       O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!sfd) return errno == EEXIST ? NtStatus::ObjectNameCollision : ntstatus_from_errno(errno);
    undo.new_stream = stored;
    created = true;
  }
  struct statx sst {};
  if (::statx(sfd.get(), "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO, &sst) != 0) {
    return ntstatus_from_errno(errno);
  }
  if (!S_ISREG(sst.stx_mode)) return NtStatus::AccessDenied;  // only regular files are streams
  std::optional<FileKey> skey = FileKey{makedev(sst.stx_dev_major, sst.stx_dev_minor), sst.stx_ino};
  undo.stream_key = *skey;

  // 3. Sharing: the file's delete-pending state first (a stream of a file being deleted is not
  // opened by name), then the stream's own share modes (MS-FSA 2.1.5.1.2.2, per stream).
  NtStatus s = shares_.add_stream_shadow(base_stat.key, args.share_access, &undo.shadow);
  if (s != NtStatus::Success) return s;
  s = shares_.add(*skey, granted, args.share_access, &undo.token);
  if (s != NtStatus::Success) return s;
  if (created) {
    *action = CreateAction::Created;
  } else if (overwrites(disp)) {
    if (::ftruncate(sfd.get(), 0) != 0) return ntstatus_from_errno(errno);
    *action = disp == CD::Supersede ? CreateAction::Superseded : CreateAction::Overwritten;
  }
  if (delete_on_close) shares_.set_delete_on_close(*skey, undo.token);

  auto ccb = std::make_unique<PvfsCcb>();
  ccb->fd = std::make_shared<UniqueFd>(std::move(sfd));
  ccb->key = *skey;
  ccb->token = undo.token;
  ccb->granted = granted;
  ccb->who = who;
  ccb->stream = stored;
  ccb->base_key = base_stat.key;
  ccb->base_fd = std::make_shared<UniqueFd>(std::move(base));
  ccb->shadow_token = undo.shadow;
  ccb->share_access = args.share_access;
  ccb->mode = args.create_options &
              (create_option::kWriteThrough | create_option::kSequentialOnly |
               create_option::kNoIntermediateBuffering | create_option::kDeleteOnClose);
  names_.acquire(base_stat.key, rel);
  undo.armed = false;
  irp->file().set_context(std::move(ccb));
  return NtStatus::Success;
}

void PvfsDriver::close_stream(const IrpPtr& irp, PvfsCcb& ccb) {
  locks_.release_owner(ccb.key, ccb.token);
  bool delete_stream = false;
  shares_.remove(ccb.key, ccb.token, &delete_stream);
  if (delete_stream) {
    // The stream's name must still be this stream.
    if (auto id = stream_id_of(ccb.meta_fd())) {
      if (auto folder = open_stream_folder(root_fd(), *id, false)) {
        struct statx st {};
        if (::statx(folder->get(), ccb.stream.c_str(), AT_SYMLINK_NOFOLLOW, STATX_INO, &st) == 0 &&
            FileKey{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino} == ccb.key) {
          ::unlinkat(folder->get(), ccb.stream.c_str(), 0);
        }
      }
    }
  }
  // The last stream of a file deleted while it was open takes the file with it.
  bool delete_file = false;
  shares_.remove(ccb.base_key, ccb.shadow_token, &delete_file);
  if (delete_file) {
    struct statx st {};
    const bool dir =
        ::statx(ccb.meta_fd(), "", AT_EMPTY_PATH, STATX_TYPE, &st) == 0 && S_ISDIR(st.stx_mode);
    delete_at_close(ccb.base_key, ccb.meta_fd(), dir);
  }
  names_.release(ccb.base_key);
  auto ctx = irp->file().take_context();
  irp->complete(NtStatus::Success);
}

// MS-FSA 2.1.5.14.11.1 for the SMB2 form ":name[:$DATA]": a stream renamed within its file.
NtStatus PvfsDriver::rename_stream(PvfsCcb& ccb, const std::string& target, bool replace) {
  auto split = split_stream_path(target);
  if (!split) return NtStatus::InvalidParameter;  // MS-FSA 2.1.5.14.11.1: a malformed name
  // A stream stays with its file: a target naming a file is refused as Windows does
  // (smbtorture streams.rename2).
  if (!split->file.empty()) {
    return ccb.is_stream() ? NtStatus::SharingViolation : NtStatus::InvalidParameter;
  }
  if (!ccb.is_stream()) return NtStatus::InvalidParameter;  // the main stream keeps its place
  if (split->stream.empty()) return rename_into_main_stream(ccb, replace);
  auto id = stream_id_of(ccb.meta_fd());
  if (!id) return NtStatus::ObjectNameNotFound;
  auto folder = open_stream_folder(root_fd(), *id, false);
  if (!folder) return folder.status();
  auto found = find_stream(folder->get(), split->stream);
  if (!found) return found.status();
  if (*found) {
    if (**found == ccb.stream) return NtStatus::Success;  // itself
    struct statx st {};
    if (::statx(folder->get(), (*found)->c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) !=
        0) {
      return ntstatus_from_errno(errno);
    }
    if (!replace) return NtStatus::ObjectNameCollision;
    // Only an empty stream that nobody has open is replaced (as NTFS does).
    const FileKey k{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
    if (st.stx_size != 0 || shares_.open_count(k) > 0) return NtStatus::InvalidParameter;
    if (**found != split->stream &&
        ::unlinkat(folder->get(), (*found)->c_str(), 0) != 0) {  // a case change of the target
      return ntstatus_from_errno(errno);
    }
  }
  if (::renameat(folder->get(), ccb.stream.c_str(), folder->get(), split->stream.c_str()) != 0) {
    return ntstatus_from_errno(errno);
  }
  ccb.stream = split->stream;
  return NtStatus::Success;
}

// A named stream renamed to "::$DATA": its data becomes the file's, which must be empty and
// not open, and the open becomes an open of the main stream (smbtorture streams.rename2).
NtStatus PvfsDriver::rename_into_main_stream(PvfsCcb& ccb, bool replace) {
  struct statx base {};
  if (::statx(ccb.meta_fd(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &base) != 0) {
    return ntstatus_from_errno(errno);
  }
  if (S_ISDIR(base.stx_mode)) return NtStatus::InvalidParameter;  // a directory has no data
  if (base.stx_size != 0) {
    return replace ? NtStatus::InvalidParameter : NtStatus::ObjectNameCollision;
  }
  if (shares_.open_count(ccb.base_key) > shares_.stream_open_count(ccb.base_key)) {
    return NtStatus::SharingViolation;  // the main stream is open
  }
  UniqueFd main(
      sys_openat2(-1, "/proc/self/fd/" + std::to_string(ccb.meta_fd()), O_RDWR | O_CLOEXEC, 0, 0));
  if (!main) return ntstatus_from_errno(-main.get());
  uint64_t token = 0;
  NtStatus s = shares_.add(ccb.base_key, ccb.granted, ccb.share_access, &token);
  if (s != NtStatus::Success) return s;
  for (;;) {
    ssize_t n = ::copy_file_range(ccb.raw_fd(), nullptr, main.get(), nullptr, 1 << 20, 0);
    if (n == 0) break;
    if (n < 0) {
      const int err = errno;
      (void)::ftruncate(main.get(), 0);
      shares_.remove(ccb.base_key, token, nullptr);
      return ntstatus_from_errno(err);
    }
  }
  // The named stream is gone; the open now stands for the main stream.
  if (auto id = stream_id_of(ccb.meta_fd())) {
    if (auto folder = open_stream_folder(root_fd(), *id, false)) {
      ::unlinkat(folder->get(), ccb.stream.c_str(), 0);
    }
  }
  locks_.release_owner(ccb.key, ccb.token);
  shares_.remove(ccb.key, ccb.token, nullptr);
  shares_.remove(ccb.base_key, ccb.shadow_token, nullptr);
  ccb.fd = std::make_shared<UniqueFd>(std::move(main));
  ccb.key = ccb.base_key;
  ccb.token = token;
  ccb.stream.clear();
  ccb.base_fd.reset();
  ccb.shadow_token = 0;
  return NtStatus::Success;
}

}  // namespace lwsmb::server::pvfs
