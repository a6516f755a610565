// The local user database: Samba's smbpasswd file, one user a line,
//   name:uid:LMHASH:NTHASH:[flags      ]:LCT-XXXXXXXX:
// so `pdbedit -L -w` output works as it is. Like Samba, every SMB user needs a Unix account
// (the uid field); PassDb::unix_uid() looks it up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::server {

using NtHash = std::array<std::byte, 16>;  // MD4 of the UTF-16LE password

struct PassDbEntry {
  std::string name;
  uint32_t uid = 0;
  std::optional<NtHash> lm_hash;  // kept only to write it back; never used to authenticate
  std::optional<NtHash> nt_hash;  // absent: no password set (32 'X' in the file)
  // Account control letters without brackets or padding: U user, D disabled, N no password
  // required, X password never expires, W/S/I trust accounts, L locked, H home dir required.
  std::string flags = "U";
  uint32_t last_change = 0;  // LCT: Unix time of the last password change

  bool has_flag(char f) const { return flags.find(f) != std::string::npos; }
  bool disabled() const { return has_flag('D'); }
  bool password_not_required() const { return has_flag('N'); }
  bool operator==(const PassDbEntry&) const = default;
};

class PassDb {
 public:
  PassDb() = default;
  explicit PassDb(std::string path) : path_(std::move(path)) {}

  // A missing file is an empty database. Malformed lines are logged (file and line) and kept
  // as they are, so a save() never loses them.
  static Result<PassDb> load(const std::string& path);

  // One smbpasswd line (without the newline); nullopt when it is not a valid entry.
  static std::optional<PassDbEntry> parse_line(std::string_view line);
  static std::string format_line(const PassDbEntry& entry);
  // The uid of a Unix account (getpwnam); nullopt when there is no such user.
  static std::optional<uint32_t> unix_uid(const std::string& name);

  const std::string& path() const { return path_; }
  const std::vector<PassDbEntry>& entries() const { return entries_; }
  // User names compare case-insensitively (ASCII), as SMB user names do.
  const PassDbEntry* find(std::string_view name) const;

  // Adds a user or sets the uid and password of an existing one (its flags stay, except that
  // 'N' goes now that there is a password). Returns true when the user was new.
  bool set(const std::string& name, uint32_t uid, const NtHash& nt_hash);
  bool remove(std::string_view name);

  // Writes the file atomically: a 0600 temp file in the same folder, then rename. A missing
  // parent folder is created with mode 0700.
  NtStatus save() const;

 private:
  std::string path_;
  std::vector<PassDbEntry> entries_;
  std::vector<std::string> other_lines_;  // comments and malformed lines, written back first
};

}  // namespace lwsmb::server
