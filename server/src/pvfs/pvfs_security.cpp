// Security descriptors of pvfs files: storage, the Unix-mode stand-in, DACL evaluation and
// inheritance (MS-DTYP 2.5.3).
#include "pvfs/pvfs_security.hpp"

#include <sys/xattr.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pvfs/pvfs_access.hpp"

namespace lwsmb::server::pvfs {
namespace {

constexpr const char* kXattrName = "user.lwsmb.ntacl";
constexpr size_t kMaxStored = 64 * 1024;
constexpr uint32_t kNobody = 0xfffffffe;  // an id no file belongs to

std::string proc_fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

// Does the ACE's SID stand for `who`? Everyone and Authenticated Users match every session
// (pvfs never sees anonymous callers with an identity).
bool sid_matches(const sec::Sid& sid, const SecurityContext& who) {
  if (sid == sec::everyone_sid() || sid == sec::authenticated_users_sid()) return true;
  if (auto uid = sec::unix_uid_of(sid)) return *uid == who.uid;
  if (auto gid = sec::unix_gid_of(sid)) {
    return *gid == who.gid ||
           std::find(who.groups.begin(), who.groups.end(), *gid) != who.groups.end();
  }
  return false;
}

sec::Ace allow(const sec::Sid& sid, uint32_t mask) {
  sec::Ace a;
  a.type = sec::ace_type::kAccessAllowed;
  a.mask = mask;
  a.sid = sid;
  return a;
}

}  // namespace

std::optional<sec::SecurityDescriptor> load_security(int fd) {
  std::vector<std::byte> buf(4096);
  const std::string path = proc_fd_path(fd);
  ssize_t n = ::getxattr(path.c_str(), kXattrName, buf.data(), buf.size());
  if (n < 0 && errno == ERANGE) {
    n = ::getxattr(path.c_str(), kXattrName, nullptr, 0);
    if (n <= 0 || static_cast<size_t>(n) > kMaxStored) return std::nullopt;
    buf.resize(static_cast<size_t>(n));
    n = ::getxattr(path.c_str(), kXattrName, buf.data(), buf.size());
  }
  if (n <= 0) return std::nullopt;
  auto sd = sec::decode_security_descriptor(std::span(buf).first(static_cast<size_t>(n)));
  if (!sd) return std::nullopt;
  return std::move(*sd);
}

NtStatus store_security(int fd, const sec::SecurityDescriptor& sd) {
  auto bytes = sec::encode_security_descriptor(sd);
  if (bytes.size() > kMaxStored) return NtStatus::InvalidParameter;
  if (::setxattr(proc_fd_path(fd).c_str(), kXattrName, bytes.data(), bytes.size(), 0) != 0) {
    return errno == ENOTSUP ? NtStatus::NotSupported : ntstatus_from_errno(errno);
  }
  return NtStatus::Success;
}

sec::SecurityDescriptor unix_security(const struct statx& st) {
  // The rights of an owner, a group member and anyone else, as pvfs_access computes them;
  // DELETE depends on the parent and is left out.
  SecurityContext owner{st.stx_uid, kNobody, {}};
  SecurityContext member{kNobody, st.stx_gid, {}};
  SecurityContext other{kNobody, kNobody, {}};
  const uint32_t drop = ~access::kDelete;
  sec::SecurityDescriptor sd;
  sd.control = sec::sd_control::kSelfRelative | sec::sd_control::kDaclPresent;
  sd.owner = sec::unix_user_sid(st.stx_uid);
  sd.group = sec::unix_group_sid(st.stx_gid);
  sec::Acl acl;
  acl.aces.push_back(allow(*sd.owner, unix_allowed_access(owner, st, nullptr) & drop));
  acl.aces.push_back(allow(*sd.group, unix_allowed_access(member, st, nullptr) & drop));
  acl.aces.push_back(allow(sec::everyone_sid(), unix_allowed_access(other, st, nullptr) & drop));
  sd.dacl = std::move(acl);
  return sd;
}

uint32_t dacl_access(const sec::SecurityDescriptor& sd, const SecurityContext& who,
                     uint32_t owner_uid) {
  if (!sd.dacl) return access::kFileAllAccess;  // NULL DACL
  uint32_t granted = 0;
  uint32_t denied = 0;
  for (const auto& ace : sd.dacl->aces) {
    if (ace.flags & sec::ace_flag::kInheritOnly) continue;
    if (!sid_matches(ace.sid, who)) continue;
    const uint32_t mask = map_generic_access(ace.mask);
    if (ace.type == sec::ace_type::kAccessAllowed) {
      granted |= mask & ~denied;
    } else if (ace.type == sec::ace_type::kAccessDenied) {
      denied |= mask & ~granted;
    }
  }
  if (who.uid == owner_uid) granted |= access::kReadControl | access::kWriteDac;
  return granted;
}

uint32_t effective_access(const SecurityContext& who, int fd, const struct statx& st, int parent_fd,
                          const struct statx* parent) {
  const uint32_t unix = unix_allowed_access(who, st, parent);
  if (who.uid == 0) return unix;
  const auto sd = fd >= 0 ? load_security(fd) : std::nullopt;
  std::optional<sec::SecurityDescriptor> psd;
  if (parent && parent_fd >= 0) psd = load_security(parent_fd);
  uint32_t allowed = unix & ~access::kDelete;
  if (sd) allowed &= dacl_access(*sd, who, st.stx_uid);
  allowed |= access::kReadAttributes | access::kSynchronize;
  const bool own_delete = sd && (dacl_access(*sd, who, st.stx_uid) & access::kDelete);
  const bool parent_delete_child =
      !psd || (dacl_access(*psd, who, parent->stx_uid) & access::kDeleteChild);
  if ((unix & access::kDelete) && (own_delete || parent_delete_child)) allowed |= access::kDelete;
  return allowed;
}

uint32_t directory_add_access(const SecurityContext& who, int dir_fd, const struct statx& dir) {
  if (!unix_may_add_entry(who, dir)) return 0;
  return directory_add_access(who, who.uid == 0 ? std::nullopt : load_security(dir_fd), dir);
}

uint32_t directory_add_access(const SecurityContext& who,
                              const std::optional<sec::SecurityDescriptor>& dir_sd,
                              const struct statx& dir) {
  constexpr uint32_t kAdd = access::kWriteData | access::kAppendData;
  if (!unix_may_add_entry(who, dir)) return 0;
  if (who.uid == 0) return kAdd;
  return dir_sd ? (dacl_access(*dir_sd, who, dir.stx_uid) & kAdd) : kAdd;
}

std::optional<sec::SecurityDescriptor> inherited_security(const sec::SecurityDescriptor& parent,
                                                          bool directory, uint32_t uid,
                                                          uint32_t gid) {
  namespace f = sec::ace_flag;
  if (!parent.dacl) return std::nullopt;
  sec::Acl acl;
  acl.revision = parent.dacl->revision;
  for (const auto& ace : parent.dacl->aces) {
    if (ace.type != sec::ace_type::kAccessAllowed && ace.type != sec::ace_type::kAccessDenied) {
      continue;
    }
    const bool oi = ace.flags & f::kObjectInherit;
    const bool ci = ace.flags & f::kContainerInherit;
    const bool no_propagate = ace.flags & f::kNoPropagateInherit;
    if (directory ? !(ci || oi) : !oi) continue;
    sec::Ace child = ace;
    const bool creator = ace.sid == sec::creator_owner_sid() || ace.sid == sec::creator_group_sid();
    if (creator && directory && !no_propagate) {
      // The directory keeps the CREATOR ACE for its own children, and uses a copy for itself.
      sec::Ace pass_on = ace;
      pass_on.flags =
          static_cast<uint8_t>((ace.flags & (f::kObjectInherit | f::kContainerInherit)) |
                               f::kInheritOnly | f::kInherited);
      acl.aces.push_back(std::move(pass_on));
      child.sid =
          ace.sid == sec::creator_owner_sid() ? sec::unix_user_sid(uid) : sec::unix_group_sid(gid);
      if (!ci) continue;  // an object-inherit CREATOR ACE does not apply to the directory
      child.flags = f::kInherited;
      acl.aces.push_back(std::move(child));
      continue;
    }
    if (child.sid == sec::creator_owner_sid()) child.sid = sec::unix_user_sid(uid);
    if (child.sid == sec::creator_group_sid()) child.sid = sec::unix_group_sid(gid);
    if (!directory || no_propagate) {
      child.flags = f::kInherited;  // effective on the file, inherited no further
    } else if (ci) {
      child.flags = static_cast<uint8_t>((ace.flags & (f::kObjectInherit | f::kContainerInherit)) |
                                         f::kInherited);
    } else {
      // Object-inherit only: the directory passes it on to its files without using it.
      child.flags = static_cast<uint8_t>(f::kObjectInherit | f::kInheritOnly | f::kInherited);
    }
    acl.aces.push_back(std::move(child));
  }
  if (acl.aces.empty()) return std::nullopt;
  sec::SecurityDescriptor sd;
  sd.control = sec::sd_control::kSelfRelative | sec::sd_control::kDaclPresent |
               sec::sd_control::kDaclAutoInherited;
  sd.owner = sec::unix_user_sid(uid);
  sd.group = sec::unix_group_sid(gid);
  sd.dacl = std::move(acl);
  return sd;
}

}  // namespace lwsmb::server::pvfs
