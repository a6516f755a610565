// The effective configuration printed back in smb.conf syntax (like Samba's testparm), and
// the small lookups on a loaded config.
#include <sstream>

#include "config/config_values.hpp"
#include "lwsmb/server/config.hpp"

namespace lwsmb::server {

using namespace config_detail;

const ShareConfig* ServerConfig::find_share(std::string_view name) const {
  for (const auto& s : shares)
    if (iequals(s.name, name)) return &s;
  return nullptr;
}

std::string format_message(const ConfigMessage& message) {
  std::string out = message.file;
  if (message.line > 0) out += ":" + std::to_string(message.line);
  out += message.error ? ": error: " : ": warning: ";
  out += message.text;
  return out;
}

std::string protocol_name(uint16_t dialect) {
  switch (dialect) {
    case 0x0202:
      return "SMB2_02";
    case 0x0210:
      return "SMB2_10";
    case 0x0300:
      return "SMB3_00";
    case 0x0302:
      return "SMB3_02";
    case 0x0311:
      return "SMB3_11";
    default:
      break;
  }
  std::ostringstream ss;
  ss << "0x" << std::hex << dialect;
  return ss.str();
}

namespace {

std::string ports_text(const std::vector<uint16_t>& ports) {
  std::string out;
  for (auto p : ports) {
    if (!out.empty()) out += ' ';
    out += std::to_string(p);
  }
  return out;
}

// Every key is printed, even at its default, so the output is the whole effective config;
// parse_config(format_config(c)) gives c back.
void put(std::ostringstream& ss, std::string_view key, std::string_view value) {
  ss << '\t' << key << " = " << value << '\n';
}

}  // namespace

std::string format_config(const ServerConfig& config) {
  std::ostringstream ss;
  const auto& g = config.global;
  ss << "# Global parameters\n[global]\n";
  put(ss, "bind interfaces only", bool_name(g.bind_interfaces_only));
  put(ss, "interfaces", list_text(g.interfaces));
  put(ss, "kerberos keytab", g.kerberos_keytab);
  put(ss, "log file", g.log_file);
  put(ss, "log level", std::to_string(g.log_level));
  put(ss, "map to guest", map_to_guest_name(g.map_to_guest));
  put(ss, "netbios name", g.netbios_name);
  put(ss, "oplock break timeout", std::to_string(g.oplock_break_timeout_ms));
  put(ss, "passdb", g.passdb);
  put(ss, "realm", g.realm);
  put(ss, "server max protocol", protocol_name(g.server_max_protocol));
  put(ss, "server min protocol", protocol_name(g.server_min_protocol));
  put(ss, "server signing", signing_name(g.server_signing));
  put(ss, "server smb encrypt", encrypt_name(g.smb_encrypt));
  put(ss, "server string", g.server_string);
  put(ss, "smb ports", ports_text(g.smb_ports));
  put(ss, "workgroup", g.workgroup);
  for (const auto& s : config.shares) {
    ss << "\n[" << s.name << "]\n";
    put(ss, "browseable", bool_name(s.browseable));
    put(ss, "comment", s.comment);
    put(ss, "create mask", mask_text(s.create_mask));
    put(ss, "directory mask", mask_text(s.directory_mask));
    put(ss, "force user", s.force_user);
    put(ss, "guest ok", bool_name(s.guest_ok));
    put(ss, "invalid users", list_text(s.invalid_users));
    put(ss, "path", s.path);
    put(ss, "read only", bool_name(s.read_only));
    put(ss, "smb encrypt", encrypt_name(s.smb_encrypt));
    put(ss, "valid users", list_text(s.valid_users));
  }
  return ss.str();
}

}  // namespace lwsmb::server
