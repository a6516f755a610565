// QUERY_SECURITY and SET_SECURITY (MS-FSA 2.1.5.13, 2.1.5.16) on pvfs files.
#include <unistd.h>

#include <algorithm>

#include "pvfs/pvfs_attrs.hpp"
#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_security.hpp"

namespace lwsmb::server::pvfs {
namespace {

namespace si = sec::secinfo;
namespace ctl = sec::sd_control;

constexpr uint16_t kDaclControl =
    ctl::kDaclPresent | ctl::kDaclDefaulted | ctl::kDaclAutoInherited | ctl::kDaclProtected;
constexpr uint16_t kSaclControl =
    ctl::kSaclPresent | ctl::kSaclDefaulted | ctl::kSaclAutoInherited | ctl::kSaclProtected;

// The rights each part of a descriptor needs (MS-FSA 2.1.5.13 / 2.1.5.16).
uint32_t query_needs(uint32_t info) {
  uint32_t needs = 0;
  if (info & (si::kOwner | si::kGroup | si::kDacl)) needs |= access::kReadControl;
  if (info & si::kSacl) needs |= access::kAccessSystemSecurity;
  return needs;
}
uint32_t set_needs(uint32_t info) {
  uint32_t needs = 0;
  if (info & (si::kOwner | si::kGroup)) needs |= access::kWriteOwner;
  if (info & si::kDacl) needs |= access::kWriteDac;
  if (info & si::kSacl) needs |= access::kAccessSystemSecurity;
  return needs;
}

// The file's descriptor as stored, or its Unix stand-in, with owner and group always set.
sec::SecurityDescriptor current_security(int fd, const struct statx& st) {
  auto sd = load_security(fd);
  if (!sd) return unix_security(st);
  if (!sd->owner) sd->owner = sec::unix_user_sid(st.stx_uid);
  if (!sd->group) sd->group = sec::unix_group_sid(st.stx_gid);
  return std::move(*sd);
}

}  // namespace

void PvfsDriver::query_security(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<QuerySecurityArgs>();
  const uint32_t info = args.security_information;
  const uint32_t needs = query_needs(info);
  if ((ccb.granted & needs) != needs) {
    return (void)irp->complete((needs & ~ccb.granted) == access::kAccessSystemSecurity
                                   ? NtStatus::PrivilegeNotHeld
                                   : NtStatus::AccessDenied);
  }
  auto st = stat_fd(ccb.meta_fd());
  if (!st) return (void)irp->complete(st.status());
  const sec::SecurityDescriptor full = current_security(ccb.meta_fd(), st->st);
  // Only the parts asked for (MS-DTYP 2.4.6: absent parts have a zero offset).
  sec::SecurityDescriptor out;
  out.control = ctl::kSelfRelative;
  if (info & si::kOwner) out.owner = full.owner;
  if (info & si::kGroup) out.group = full.group;
  if (info & si::kDacl) {
    out.control |= full.control & kDaclControl;
    out.dacl = full.dacl;
  }
  if (info & si::kSacl) {
    out.control |= full.control & kSaclControl;
    out.sacl = full.sacl;
  }
  auto bytes = sec::encode_security_descriptor(out);
  // MS-SMB2 3.3.5.20.3: a buffer too small for the whole descriptor gets none of it.
  if (bytes.size() > args.buffer.size()) {
    return (void)irp->complete(NtStatus::BufferTooSmall, bytes.size());
  }
  std::copy(bytes.begin(), bytes.end(), args.buffer.begin());
  irp->complete(NtStatus::Success, bytes.size());
}

void PvfsDriver::set_security(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& args = irp->args_as<SetSecurityArgs>();
  const uint32_t info = args.security_information;
  const uint32_t needs = set_needs(info);
  if ((ccb.granted & needs) != needs) {
    return (void)irp->complete((needs & ~ccb.granted) == access::kAccessSystemSecurity
                                   ? NtStatus::PrivilegeNotHeld
                                   : NtStatus::AccessDenied);
  }
  auto in = sec::decode_security_descriptor(args.buffer);
  if (!in) return (void)irp->complete(in.status());
  const int fd = ccb.meta_fd();  // a stream's descriptor is its file's
  auto st = stat_fd(fd);
  if (!st) return (void)irp->complete(st.status());
  sec::SecurityDescriptor sd = current_security(fd, st->st);
  uid_t new_uid = static_cast<uid_t>(-1);
  gid_t new_gid = static_cast<gid_t>(-1);
  if ((info & si::kOwner) && in->owner) {
    // Owners are Unix users here; only root gives a file away (MS-FSA 2.1.5.16: an owner the
    // caller may not assign is STATUS_INVALID_OWNER).
    auto uid = sec::unix_uid_of(*in->owner);
    if (!uid) return (void)irp->complete(NtStatus::InvalidOwner);
    if (*uid != st->st.stx_uid) {
      if (ccb.who.uid != 0) return (void)irp->complete(NtStatus::InvalidOwner);
      new_uid = *uid;
    }
    sd.owner = in->owner;
  }
  if ((info & si::kGroup) && in->group) {
    auto gid = sec::unix_gid_of(*in->group);
    if (!gid) return (void)irp->complete(NtStatus::InvalidOwner);
    if (*gid != st->st.stx_gid) {
      // As chown(2) would for the caller: root, or the owner moving it to one of its groups.
      const auto& who = ccb.who;
      const bool member = *gid == who.gid ||
                          std::find(who.groups.begin(), who.groups.end(), *gid) != who.groups.end();
      if (who.uid != 0 && !(who.uid == st->st.stx_uid && member)) {
        return (void)irp->complete(NtStatus::InvalidOwner);
      }
      new_gid = *gid;
    }
    sd.group = in->group;
  }
  if (info & si::kDacl) {
    sd.control = static_cast<uint16_t>((sd.control & ~kDaclControl) | (in->control & kDaclControl));
    sd.dacl = in->dacl;
  }
  if (info & si::kSacl) {
    sd.control = static_cast<uint16_t>((sd.control & ~kSaclControl) | (in->control & kSaclControl));
    sd.sacl = in->sacl;
  }
  if (new_uid != static_cast<uid_t>(-1) || new_gid != static_cast<gid_t>(-1)) {
    if (::fchown(fd, new_uid, new_gid) != 0) {
      return (void)irp->complete(errno == EPERM ? NtStatus::InvalidOwner
                                                : ntstatus_from_errno(errno));
    }
  }
  const NtStatus stored = store_security(fd, sd);
  if (stored == NtStatus::Success) {
    notify_change(names_.path(ccb.key), notify_action::kModified, notify_filter::kSecurity);
  }
  irp->complete(stored);
}

}  // namespace lwsmb::server::pvfs
