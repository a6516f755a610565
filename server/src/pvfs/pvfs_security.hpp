// Security descriptors of pvfs files. A file has either a descriptor a client stored (SET_INFO
// security, or inherited from its directory at create) in the "user.lwsmb.ntacl" extended
// attribute, or none: then one is synthesized from the Unix owner, group and mode (owner
// S-1-22-1-uid, group S-1-22-2-gid, as Samba maps Unix ids). A stored DACL only narrows what
// the Unix permissions allow: pvfs never grants more than the mode bits do.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>

#include "lwsmb/iocore/irp.hpp"
#include "lwsmb/proto/security.hpp"

namespace lwsmb::server::pvfs {

namespace sec = proto::security;

// The stored descriptor of an fd (O_PATH fds too); nullopt when none or unreadable.
std::optional<sec::SecurityDescriptor> load_security(int fd);
// Stores a descriptor on a real (not O_PATH) fd, or an O_PATH one through /proc.
NtStatus store_security(int fd, const sec::SecurityDescriptor& sd);

// The descriptor the Unix owner, group and mode stand for: one allow ACE each for the owner,
// the group and Everyone.
sec::SecurityDescriptor unix_security(const struct statx& st);

// Rights a descriptor's DACL grants `who` on a file owned by owner_uid (MS-DTYP 2.5.3.2, the
// MAXIMUM_ALLOWED walk: ACEs in order, a deny wins over a later allow; the owner always may
// READ_CONTROL and WRITE_DAC). A NULL DACL grants everything.
uint32_t dacl_access(const sec::SecurityDescriptor& sd, const SecurityContext& who,
                     uint32_t owner_uid);

// Rights `who` has on the file `st` behind `fd`, whose parent directory is `parent` behind
// `parent_fd` (-1 / null when unknown, e.g. the root): the Unix rights, narrowed by a stored
// DACL. DELETE (MS-FSA 2.1.5.1.2.1) needs write and search on the parent and either DELETE in
// the file's own DACL or FILE_DELETE_CHILD on the parent (a file without a stored DACL counts
// on the parent alone). FILE_READ_ATTRIBUTES and SYNCHRONIZE are never taken away.
uint32_t effective_access(const SecurityContext& who, int fd, const struct statx& st, int parent_fd,
                          const struct statx* parent);

// What may `who` add to the directory `dir` (behind dir_fd): FILE_ADD_FILE and
// FILE_ADD_SUBDIRECTORY from its Unix mode narrowed by its stored DACL.
uint32_t directory_add_access(const SecurityContext& who, int dir_fd, const struct statx& dir);
// The same with the directory's stored descriptor already loaded (load_security).
uint32_t directory_add_access(const SecurityContext& who,
                              const std::optional<sec::SecurityDescriptor>& dir_sd,
                              const struct statx& dir);

// The descriptor a new file or directory inherits from its parent's stored one (MS-DTYP
// 2.5.3.4, simplified: object/container inherit, no-propagate, inherit-only; CREATOR OWNER and
// CREATOR GROUP become the creator's SIDs). nullopt when the parent keeps no descriptor or
// nothing is inheritable: the new file then follows its Unix mode.
std::optional<sec::SecurityDescriptor> inherited_security(const sec::SecurityDescriptor& parent,
                                                          bool directory, uint32_t uid,
                                                          uint32_t gid);

}  // namespace lwsmb::server::pvfs
