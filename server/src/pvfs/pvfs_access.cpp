// Access checks of pvfs (MS-FSA 2.1.5.1.2.1 "access check", with Unix permissions standing in for
// the security descriptor until pvfs keeps ACLs).
#include "pvfs/pvfs_access.hpp"

#include <algorithm>

namespace lwsmb::server::pvfs {
namespace {

// Which rwx triplet applies to `who`.
unsigned perm_bits(const SecurityContext& who, const struct statx& st) {
  if (who.uid == st.stx_uid) return (st.stx_mode >> 6) & 7;
  bool in_group = who.gid == st.stx_gid ||
                  std::find(who.groups.begin(), who.groups.end(), st.stx_gid) != who.groups.end();
  if (in_group) return (st.stx_mode >> 3) & 7;
  return st.stx_mode & 7;
}

}  // namespace

uint32_t map_generic_access(uint32_t desired) {
  uint32_t out = desired & ~(access::kGenericAll | access::kGenericRead | access::kGenericWrite |
                             access::kGenericExecute);
  if (desired & access::kGenericAll) out |= access::kFileAllAccess;
  if (desired & access::kGenericRead) out |= access::kFileGenericRead;
  if (desired & access::kGenericWrite) out |= access::kFileGenericWrite;
  if (desired & access::kGenericExecute) out |= access::kFileGenericExecute;
  return out;
}

uint32_t unix_allowed_access(const SecurityContext& who, const struct statx& st,
                             const struct statx* parent) {
  if (who.uid == 0) return access::kFileAllAccess | access::kAccessSystemSecurity;
  uint32_t allowed = access::kReadAttributes | access::kReadControl | access::kSynchronize;
  const unsigned bits = perm_bits(who, st);
  const bool dir = S_ISDIR(st.stx_mode);
  if (bits & 4) allowed |= access::kReadData | access::kReadEa;
  // FILE_EXECUTE on a file only lets a client read it to run it on its side: whoever may read
  // the data may execute it (Unix x bits say nothing about SMB clients; smbtorture's
  // SEC_RIGHTS_FILE_ALL opens on a 0640 file expect success). On a directory x is traverse.
  if ((bits & 4) && !dir) allowed |= access::kExecute;
  if (bits & 2) {
    allowed |=
        access::kWriteData | access::kAppendData | access::kWriteEa | access::kWriteAttributes;
    // FILE_DELETE_CHILD means nothing on a file; granting it with w lets FILE_ALL_ACCESS opens
    // of a writable file succeed, as under a Windows full-control ACL.
    allowed |= access::kDeleteChild;
  }
  if (bits & 1) allowed |= access::kExecute;
  if (who.uid == st.stx_uid) {
    allowed |= access::kWriteAttributes | access::kWriteDac | access::kWriteOwner;
  }
  if (parent && unix_may_add_entry(who, *parent)) allowed |= access::kDelete;
  return allowed;
}

bool unix_may_add_entry(const SecurityContext& who, const struct statx& dir) {
  if (who.uid == 0) return true;
  return (perm_bits(who, dir) & 3) == 3;
}

NtStatus grant_access(uint32_t desired, uint32_t allowed, uint32_t* granted) {
  const bool maximum = desired & access::kMaximumAllowed;
  uint32_t wanted = map_generic_access(desired & ~access::kMaximumAllowed);
  // SYNCHRONIZE is always granted to file opens.
  wanted &= ~access::kSynchronize;
  // ACCESS_SYSTEM_SECURITY needs a privilege (MS-FSA 2.1.5.1); only root holds it here, and
  // MAXIMUM_ALLOWED never implies it.
  if ((wanted & access::kAccessSystemSecurity) && !(allowed & access::kAccessSystemSecurity)) {
    return NtStatus::PrivilegeNotHeld;
  }
  if ((wanted & ~allowed) != 0) return NtStatus::AccessDenied;
  *granted =
      wanted | access::kSynchronize | (maximum ? (allowed & ~access::kAccessSystemSecurity) : 0);
  return NtStatus::Success;
}

}  // namespace lwsmb::server::pvfs
