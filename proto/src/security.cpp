// Self-relative security descriptors (MS-DTYP 2.4.2 - 2.4.6).
#include "lwsmb/proto/security.hpp"

#include "byte_io.hpp"

namespace lwsmb::proto::security {
namespace {

constexpr NtStatus kBad = NtStatus::InvalidParameter;
constexpr size_t kSdHeaderSize = 20;
constexpr size_t kAclHeaderSize = 8;
constexpr size_t kMaxSubAuthorities = 15;  // MS-DTYP 2.4.2

size_t sid_size(const Sid& s) {
  return 8 + 4 * s.sub_authorities.size();
}

// A SID at `at` within `in`; its size must fit in `limit` bytes from `at`.
bool read_sid(std::span<const std::byte> in, size_t at, size_t limit, Sid& out, size_t* used) {
  LeReader r(in);
  uint8_t rev = 0;
  uint8_t count = 0;
  if (!r.seek(at) || !r.read_u8(rev) || !r.read_u8(count)) return false;
  if (rev != 1 || count > kMaxSubAuthorities) return false;
  const size_t size = 8 + 4 * size_t{count};
  if (size > limit) return false;
  std::span<const std::byte> auth;
  if (!r.read_bytes(6, auth)) return false;
  uint64_t authority = 0;
  for (auto b : auth) authority = (authority << 8) | std::to_integer<uint64_t>(b);  // big-endian
  Sid s;
  s.revision = rev;
  s.authority = authority;
  for (uint8_t i = 0; i < count; ++i) {
    uint32_t v = 0;
    if (!r.read_u32(v)) return false;
    s.sub_authorities.push_back(v);
  }
  out = std::move(s);
  if (used) *used = size;
  return true;
}

void write_sid(LeWriter& w, const Sid& s) {
  w.write_u8(s.revision);
  w.write_u8(static_cast<uint8_t>(s.sub_authorities.size()));
  for (int i = 5; i >= 0; --i) w.write_u8(static_cast<uint8_t>(s.authority >> (8 * i)));
  for (uint32_t v : s.sub_authorities) w.write_u32(v);
}

bool is_mask_sid_type(uint8_t type) {
  return type == ace_type::kAccessAllowed || type == ace_type::kAccessDenied ||
         type == ace_type::kSystemAudit;
}

bool read_acl(std::span<const std::byte> in, size_t at, Acl& out) {
  LeReader r(in);
  uint8_t rev = 0;
  uint8_t sbz1 = 0;
  uint16_t size = 0;
  uint16_t count = 0;
  uint16_t sbz2 = 0;
  if (!r.seek(at) || !r.read_u8(rev) || !r.read_u8(sbz1) || !r.read_u16(size) ||
      !r.read_u16(count) || !r.read_u16(sbz2)) {
    return false;
  }
  if ((rev != 2 && rev != 4) || size < kAclHeaderSize || size > in.size() - at) return false;
  Acl acl;
  acl.revision = rev;
  size_t pos = at + kAclHeaderSize;
  const size_t end = at + size;
  for (uint16_t i = 0; i < count; ++i) {
    LeReader a(in.first(end));
    uint8_t type = 0;
    uint8_t flags = 0;
    uint16_t ace_size = 0;
    if (!a.seek(pos) || !a.read_u8(type) || !a.read_u8(flags) || !a.read_u16(ace_size)) {
      return false;
    }
    if (ace_size < 4 || ace_size % 4 != 0 || ace_size > end - pos) return false;
    Ace ace;
    ace.type = type;
    ace.flags = flags;
    if (is_mask_sid_type(type)) {
      if (ace_size < 8 + 8 || !a.read_u32(ace.mask)) return false;
      if (!read_sid(in.first(end), pos + 8, ace_size - 8, ace.sid, nullptr)) return false;
    } else {
      std::span<const std::byte> body;
      if (!a.read_bytes(ace_size - 4, body)) return false;
      ace.raw.assign(body.begin(), body.end());
    }
    acl.aces.push_back(std::move(ace));
    pos += ace_size;
  }
  out = std::move(acl);
  return true;
}

size_t ace_size(const Ace& a) {
  return is_mask_sid_type(a.type) ? 8 + sid_size(a.sid) : 4 + a.raw.size();
}

size_t acl_size(const Acl& acl) {
  size_t n = kAclHeaderSize;
  for (const auto& a : acl.aces) n += ace_size(a);
  return n;
}

void write_acl(LeWriter& w, const Acl& acl) {
  w.write_u8(acl.revision);
  w.write_u8(0);
  w.write_u16(static_cast<uint16_t>(acl_size(acl)));
  w.write_u16(static_cast<uint16_t>(acl.aces.size()));
  w.write_u16(0);
  for (const auto& a : acl.aces) {
    w.write_u8(a.type);
    w.write_u8(a.flags);
    w.write_u16(static_cast<uint16_t>(ace_size(a)));
    if (is_mask_sid_type(a.type)) {
      w.write_u32(a.mask);
      write_sid(w, a.sid);
    } else {
      w.write_bytes(a.raw);
    }
  }
}

Sid make_sid(uint64_t authority, std::vector<uint32_t> subs) {
  Sid s;
  s.authority = authority;
  s.sub_authorities = std::move(subs);
  return s;
}

}  // namespace

std::string to_string(const Sid& sid) {
  std::string s = "S-" + std::to_string(sid.revision) + "-" + std::to_string(sid.authority);
  for (uint32_t v : sid.sub_authorities) s += "-" + std::to_string(v);
  return s;
}

Sid everyone_sid() {
  return make_sid(1, {0});
}
Sid creator_owner_sid() {
  return make_sid(3, {0});
}
Sid creator_group_sid() {
  return make_sid(3, {1});
}
Sid authenticated_users_sid() {
  return make_sid(5, {11});
}
Sid unix_user_sid(uint32_t uid) {
  return make_sid(22, {1, uid});
}
Sid unix_group_sid(uint32_t gid) {
  return make_sid(22, {2, gid});
}

std::optional<uint32_t> unix_uid_of(const Sid& sid) {
  if (sid.authority == 22 && sid.sub_authorities.size() == 2 && sid.sub_authorities[0] == 1) {
    return sid.sub_authorities[1];
  }
  return std::nullopt;
}

std::optional<uint32_t> unix_gid_of(const Sid& sid) {
  if (sid.authority == 22 && sid.sub_authorities.size() == 2 && sid.sub_authorities[0] == 2) {
    return sid.sub_authorities[1];
  }
  return std::nullopt;
}

Result<SecurityDescriptor> decode_security_descriptor(std::span<const std::byte> in) {
  LeReader r(in);
  uint8_t rev = 0;
  uint8_t sbz1 = 0;
  SecurityDescriptor sd;
  uint32_t off_owner = 0;
  uint32_t off_group = 0;
  uint32_t off_sacl = 0;
  uint32_t off_dacl = 0;
  if (!r.read_u8(rev) || !r.read_u8(sbz1) || !r.read_u16(sd.control) || !r.read_u32(off_owner) ||
      !r.read_u32(off_group) || !r.read_u32(off_sacl) || !r.read_u32(off_dacl)) {
    return kBad;
  }
  if (rev != 1) return kBad;
  auto in_range = [&](uint32_t off) { return off >= kSdHeaderSize && off < in.size(); };
  if (off_owner != 0) {
    Sid s;
    if (!in_range(off_owner) || !read_sid(in, off_owner, in.size() - off_owner, s, nullptr)) {
      return kBad;
    }
    sd.owner = std::move(s);
  }
  if (off_group != 0) {
    Sid s;
    if (!in_range(off_group) || !read_sid(in, off_group, in.size() - off_group, s, nullptr)) {
      return kBad;
    }
    sd.group = std::move(s);
  }
  if ((sd.control & sd_control::kSaclPresent) && off_sacl != 0) {
    Acl acl;
    if (!in_range(off_sacl) || !read_acl(in, off_sacl, acl)) return kBad;
    sd.sacl = std::move(acl);
  }
  if ((sd.control & sd_control::kDaclPresent) && off_dacl != 0) {
    Acl acl;
    if (!in_range(off_dacl) || !read_acl(in, off_dacl, acl)) return kBad;
    sd.dacl = std::move(acl);
  }
  sd.control |= sd_control::kSelfRelative;
  return sd;
}

std::vector<std::byte> encode_security_descriptor(const SecurityDescriptor& sd) {
  size_t size = kSdHeaderSize;
  const size_t owner_at = sd.owner ? size : 0;
  if (sd.owner) size += sid_size(*sd.owner);
  const size_t group_at = sd.group ? size : 0;
  if (sd.group) size += sid_size(*sd.group);
  const size_t sacl_at = sd.sacl ? size : 0;
  if (sd.sacl) size += acl_size(*sd.sacl);
  const size_t dacl_at = sd.dacl ? size : 0;
  if (sd.dacl) size += acl_size(*sd.dacl);
  std::vector<std::byte> out(size);
  LeWriter w(out);
  uint16_t control = sd.control | sd_control::kSelfRelative;
  if (sd.sacl) control |= sd_control::kSaclPresent;
  if (sd.dacl) control |= sd_control::kDaclPresent;
  w.write_u8(1);
  w.write_u8(0);
  w.write_u16(control);
  w.write_u32(static_cast<uint32_t>(owner_at));
  w.write_u32(static_cast<uint32_t>(group_at));
  w.write_u32(static_cast<uint32_t>(sacl_at));
  w.write_u32(static_cast<uint32_t>(dacl_at));
  if (sd.owner) write_sid(w, *sd.owner);
  if (sd.group) write_sid(w, *sd.group);
  if (sd.sacl) write_acl(w, *sd.sacl);
  if (sd.dacl) write_acl(w, *sd.dacl);
  return out;
}

}  // namespace lwsmb::proto::security
