// lwserver configuration in smb.conf syntax: [global] and one section per share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::server {

enum class SigningPolicy { Disabled, Auto, Mandatory };  // "server signing"
enum class MapToGuest { Never, BadUser, BadPassword };   // "map to guest"
// "smb encrypt" / "server smb encrypt" (Samba's values). Off: no cipher is negotiated at all
// (global) or the share does not ask for it; Auto: clients may encrypt, nothing asks them to;
// Desired: the session/share asks the client to encrypt (SMB2_SESSION_FLAG_ENCRYPT_DATA,
// SMB2_SHAREFLAG_ENCRYPT_DATA) but unencrypted access still works; Required: as Desired, and
// unencrypted access is refused with STATUS_ACCESS_DENIED (MS-SMB2 3.3.5.2.9, 3.3.5.2.11).
enum class EncryptPolicy { Off, Auto, Desired, Required };

struct ShareConfig {
  std::string name;  // section name as written, e.g. "Public"
  std::string path;
  std::string comment;
  bool read_only = true;  // "read only" (= !"writable"/"writeable"/"write ok")
  bool browseable = true;
  bool guest_ok = false;
  std::vector<std::string> valid_users;  // empty: everyone
  std::vector<std::string> invalid_users;
  std::string force_user;  // empty: none
  uint32_t create_mask = 0744;
  uint32_t directory_mask = 0755;
  EncryptPolicy smb_encrypt = EncryptPolicy::Auto;  // "smb encrypt" in the share
  // The IPC$ share (named pipes, no path). Always present in a loaded config: the parser adds
  // it when the file does not define [IPC$].
  bool ipc = false;

  bool operator==(const ShareConfig&) const = default;
};

struct GlobalConfig {
  std::vector<uint16_t> smb_ports{445};  // "smb ports"
  std::vector<std::string> interfaces;   // "interfaces" (addresses or names)
  bool bind_interfaces_only = false;
  std::string passdb = "/var/lib/lwsmb/smbpasswd";  // "passdb" (smbpasswd format file)
  uint16_t server_min_protocol = 0x0202;            // dialect: SMB2_02
  uint16_t server_max_protocol = 0x0311;            // SMB3_11
  SigningPolicy server_signing = SigningPolicy::Auto;
  MapToGuest map_to_guest = MapToGuest::Never;
  int log_level = 1;
  std::string log_file;  // empty: stderr
  std::string netbios_name = "LWSMB";
  std::string workgroup = "WORKGROUP";
  std::string server_string = "lwsmb server";
  // "server smb encrypt" (also "smb encrypt" in [global]): session-wide. Off negotiates no cipher.
  EncryptPolicy smb_encrypt = EncryptPolicy::Auto;
  // Kerberos through GSSAPI: offered in SPNEGO when a keytab is set. Any cifs/* key in the
  // keytab is accepted; user@realm maps to the Unix account "user" (realm must match when set).
  std::string kerberos_keytab;  // "kerberos keytab" (also "dedicated keytab file")
  std::string realm;            // "realm"
  // "oplock break timeout" (lwsmb's own, milliseconds): how long an open waits for the holder
  // of an Exclusive or Batch oplock to acknowledge its break (MS-SMB2 3.3.4.6: 35 s).
  uint32_t oplock_break_timeout_ms = 35000;

  bool operator==(const GlobalConfig&) const = default;
};

struct ServerConfig {
  std::string source;  // file it was read from
  GlobalConfig global;
  std::vector<ShareConfig> shares;
  const ShareConfig* find_share(std::string_view name) const;  // case-insensitive
};

// One finding of the parser: errors make the config unusable, warnings do not
// (an unknown key is a warning naming the file, line and key).
struct ConfigMessage {
  bool error = false;
  std::string file;
  int line = 0;
  std::string text;
};

struct ConfigLoad {
  std::optional<ServerConfig> config;  // set when there were no errors
  std::vector<ConfigMessage> messages;
};

ConfigLoad load_config_file(const std::string& path);
ConfigLoad parse_config(std::string_view text, const std::string& source_name);
// "FILE:LINE: warning: TEXT" (or "FILE: error: TEXT" when the message has no line).
std::string format_message(const ConfigMessage& message);

// Dialect names: 0x0202 -> "SMB2_02", ..., 0x0311 -> "SMB3_11".
std::string protocol_name(uint16_t dialect);

// The effective config in smb.conf syntax, as `lwserver testparm` prints it.
std::string format_config(const ServerConfig& config);

}  // namespace lwsmb::server
