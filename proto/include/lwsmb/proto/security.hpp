// Security descriptors in self-relative form (MS-DTYP 2.4.2 SID, 2.4.4 ACE, 2.4.5 ACL, 2.4.6
// SECURITY_DESCRIPTOR), as QUERY_INFO / SET_INFO of InfoType SECURITY carry them. Decoders
// check every offset and length; encoders write the canonical layout (owner, group, SACL, DACL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::proto::security {

struct Sid {
  uint8_t revision = 1;
  uint64_t authority = 0;  // 48-bit IdentifierAuthority
  std::vector<uint32_t> sub_authorities;
  friend bool operator==(const Sid&, const Sid&) = default;
};

// "S-1-22-1-1000" style text, for logs and tests.
std::string to_string(const Sid& sid);

// Well-known SIDs (MS-DTYP 2.4.2.4) and the Unix mappings Samba uses (S-1-22-1-uid users,
// S-1-22-2-gid groups).
Sid everyone_sid();             // S-1-1-0
Sid creator_owner_sid();        // S-1-3-0
Sid creator_group_sid();        // S-1-3-1
Sid authenticated_users_sid();  // S-1-5-11
Sid unix_user_sid(uint32_t uid);
Sid unix_group_sid(uint32_t gid);
// The uid / gid of an S-1-22-1-x / S-1-22-2-x SID.
std::optional<uint32_t> unix_uid_of(const Sid& sid);
std::optional<uint32_t> unix_gid_of(const Sid& sid);

namespace ace_type {
inline constexpr uint8_t kAccessAllowed = 0x00;
inline constexpr uint8_t kAccessDenied = 0x01;
inline constexpr uint8_t kSystemAudit = 0x02;
}  // namespace ace_type

namespace ace_flag {
inline constexpr uint8_t kObjectInherit = 0x01;
inline constexpr uint8_t kContainerInherit = 0x02;
inline constexpr uint8_t kNoPropagateInherit = 0x04;
inline constexpr uint8_t kInheritOnly = 0x08;
inline constexpr uint8_t kInherited = 0x10;
}  // namespace ace_flag

// SECURITY_DESCRIPTOR Control (MS-DTYP 2.4.6).
namespace sd_control {
inline constexpr uint16_t kOwnerDefaulted = 0x0001;
inline constexpr uint16_t kGroupDefaulted = 0x0002;
inline constexpr uint16_t kDaclPresent = 0x0004;
inline constexpr uint16_t kDaclDefaulted = 0x0008;
inline constexpr uint16_t kSaclPresent = 0x0010;
inline constexpr uint16_t kSaclDefaulted = 0x0020;
inline constexpr uint16_t kDaclAutoInherited = 0x0400;
inline constexpr uint16_t kSaclAutoInherited = 0x0800;
inline constexpr uint16_t kDaclProtected = 0x1000;
inline constexpr uint16_t kSaclProtected = 0x2000;
inline constexpr uint16_t kSelfRelative = 0x8000;
}  // namespace sd_control

// SecurityInformation bits of QUERY_INFO / SET_INFO (MS-SMB2 2.2.37, 2.2.39).
namespace secinfo {
inline constexpr uint32_t kOwner = 0x00000001;
inline constexpr uint32_t kGroup = 0x00000002;
inline constexpr uint32_t kDacl = 0x00000004;
inline constexpr uint32_t kSacl = 0x00000008;
}  // namespace secinfo

// Allowed, denied and audit ACEs keep their mask and SID; any other ACE type is kept as raw
// bytes (body after the 4-byte header) so that it round-trips untouched.
struct Ace {
  uint8_t type = ace_type::kAccessAllowed;
  uint8_t flags = 0;
  uint32_t mask = 0;
  Sid sid;
  std::vector<std::byte> raw;  // only for unknown types
  friend bool operator==(const Ace&, const Ace&) = default;
};

struct Acl {
  uint8_t revision = 2;
  std::vector<Ace> aces;
  friend bool operator==(const Acl&, const Acl&) = default;
};

struct SecurityDescriptor {
  uint16_t control = sd_control::kSelfRelative;
  std::optional<Sid> owner;
  std::optional<Sid> group;
  std::optional<Acl> sacl;  // present when control has kSaclPresent
  std::optional<Acl> dacl;  // present when control has kDaclPresent; absent means NULL DACL
  friend bool operator==(const SecurityDescriptor&, const SecurityDescriptor&) = default;
};

// STATUS_INVALID_SECURITY_DESCR (as INVALID_PARAMETER here) on any bad offset, length or
// revision.
Result<SecurityDescriptor> decode_security_descriptor(std::span<const std::byte> in);
std::vector<std::byte> encode_security_descriptor(const SecurityDescriptor& sd);

}  // namespace lwsmb::proto::security
