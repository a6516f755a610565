#include "config/config_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace lwsmb::server::config_detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string quoted(std::string_view v) {
  return "'" + std::string(v) + "'";
}

struct ProtocolName {
  std::string_view name;
  uint16_t dialect;
};

// Samba's meanings (smb.conf(5)): "SMB2" selects the SMB2_10 variant and "SMB3" the SMB3_11
// variant, whether used as the minimum or the maximum.
constexpr ProtocolName kProtocols[] = {
    {"smb202", 0x0202}, {"smb210", 0x0210}, {"smb300", 0x0300}, {"smb302", 0x0302},
    {"smb311", 0x0311}, {"smb2", 0x0210},   {"smb3", 0x0311},
};

// Pre-SMB2 dialects Samba knows; we accept them as a minimum (clamped) and nowhere else.
constexpr std::string_view kSmb1Protocols[] = {"core",    "coreplus", "lanman1",
                                               "lanman2", "nt1",      "smb1"};

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string normalize_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == ' ' || c == '\t' || c == '_') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<bool> parse_bool(std::string_view v, ValueDiag& d) {
  auto s = to_lower(trim(v));
  if (s == "yes" || s == "true" || s == "1" || s == "on") return true;
  if (s == "no" || s == "false" || s == "0" || s == "off") return false;
  d.error = "invalid boolean " + quoted(trim(v)) + " (use yes or no)";
  return std::nullopt;
}

std::optional<uint16_t> parse_protocol(std::string_view v, bool is_min, ValueDiag& d) {
  auto s = normalize_key(trim(v));
  if (s == "default") return is_min ? uint16_t{0x0202} : uint16_t{0x0311};
  for (const auto& p : kProtocols)
    if (s == p.name) return p.dialect;
  if (std::find(std::begin(kSmb1Protocols), std::end(kSmb1Protocols), s) !=
      std::end(kSmb1Protocols)) {
    if (is_min) {
      d.warning = "protocol " + quoted(trim(v)) + " is not supported; using SMB2_02";
      return uint16_t{0x0202};
    }
    d.error = "protocol " + quoted(trim(v)) + " is not supported (SMB2_02 or later only)";
    return std::nullopt;
  }
  d.error = "invalid protocol " + quoted(trim(v)) +
            " (use SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11, SMB2 or SMB3)";
  return std::nullopt;
}

std::optional<SigningPolicy> parse_signing(std::string_view v, ValueDiag& d) {
  auto s = normalize_key(trim(v));
  // Samba's spellings: "if_required"/yes/on/enabled sign when the client asks, like auto.
  if (s == "auto" || s == "default" || s == "ifrequired" || s == "yes" || s == "true" ||
      s == "on" || s == "1" || s == "enabled")
    return SigningPolicy::Auto;
  if (s == "mandatory" || s == "required" || s == "force" || s == "forced" || s == "enforced")
    return SigningPolicy::Mandatory;
  if (s == "disabled" || s == "off" || s == "no" || s == "false" || s == "0")
    return SigningPolicy::Disabled;
  d.error = "invalid server signing " + quoted(trim(v)) + " (use auto, mandatory or disabled)";
  return std::nullopt;
}

std::optional<EncryptPolicy> parse_encrypt(std::string_view v, ValueDiag& d) {
  auto s = normalize_key(trim(v));
  // Samba's spellings (lib/param/loadparm.c enum_smb_encryption_vals).
  if (s == "off" || s == "no" || s == "false" || s == "0" || s == "disabled")
    return EncryptPolicy::Off;
  if (s == "auto" || s == "default" || s == "ifrequired" || s == "enabled")
    return EncryptPolicy::Auto;
  if (s == "desired" || s == "yes" || s == "true" || s == "on" || s == "1")
    return EncryptPolicy::Desired;
  if (s == "required" || s == "mandatory" || s == "force" || s == "forced" || s == "enforced")
    return EncryptPolicy::Required;
  d.error = "invalid smb encrypt " + quoted(trim(v)) + " (use off, auto, desired or required)";
  return std::nullopt;
}

std::optional<MapToGuest> parse_map_to_guest(std::string_view v, ValueDiag& d) {
  auto s = normalize_key(trim(v));
  if (s == "never") return MapToGuest::Never;
  if (s == "baduser") return MapToGuest::BadUser;
  if (s == "badpassword") return MapToGuest::BadPassword;
  d.error = "invalid map to guest " + quoted(trim(v)) + " (use never, bad user or bad password)";
  return std::nullopt;
}

std::optional<uint32_t> parse_mask(std::string_view v, ValueDiag& d) {
  auto s = trim(v);
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 8);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || value > 07777) {
    d.error = "invalid octal mask " + quoted(s);
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<uint16_t>> parse_ports(std::string_view v, ValueDiag& d) {
  std::vector<uint16_t> ports;
  for (const auto& item : parse_list(v)) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc{} || end != item.data() + item.size() || value < 1 || value > 65535) {
      d.error = "invalid port " + quoted(item) + " (1..65535)";
      return std::nullopt;
    }
    if (std::find(ports.begin(), ports.end(), value) == ports.end())
      ports.push_back(static_cast<uint16_t>(value));
  }
  if (ports.empty()) {
    d.error = "smb ports needs at least one port";
    return std::nullopt;
  }
  return ports;
}

std::optional<int> parse_log_level(std::string_view v, ValueDiag& d) {
  auto items = parse_list(v);
  int value = -1;
  if (!items.empty()) {
    const auto& first = items.front();
    auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), value);
    if (ec != std::errc{} || end != first.data() + first.size()) value = -1;
  }
  if (value < 0 || value > 10) {
    d.error = "invalid log level " + quoted(trim(v)) + " (0..10)";
    return std::nullopt;
  }
  if (items.size() > 1) d.warning = "per-class log levels are not supported; using " + items[0];
  return value;
}

std::vector<std::string> parse_list(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  bool in_quotes = false;
  bool have = false;  // "" is an (empty) item
  auto flush = [&] {
    if (have || !cur.empty()) out.push_back(cur);
    cur.clear();
    have = false;
  };
  for (char c : v) {
    if (c == '"') {
      in_quotes = !in_quotes;
      have = true;
    } else if (!in_quotes && (c == ',' || is_space(c))) {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

const char* bool_name(bool b) {
  return b ? "Yes" : "No";
}

const char* signing_name(SigningPolicy p) {
  switch (p) {
    case SigningPolicy::Disabled:
      return "disabled";
    case SigningPolicy::Mandatory:
      return "mandatory";
    case SigningPolicy::Auto:
      break;
  }
  return "auto";
}

const char* encrypt_name(EncryptPolicy p) {
  switch (p) {
    case EncryptPolicy::Off:
      return "off";
    case EncryptPolicy::Desired:
      return "desired";
    case EncryptPolicy::Required:
      return "required";
    case EncryptPolicy::Auto:
      break;
  }
  return "auto";
}

const char* map_to_guest_name(MapToGuest m) {
  switch (m) {
    case MapToGuest::BadUser:
      return "Bad User";
    case MapToGuest::BadPassword:
      return "Bad Password";
    case MapToGuest::Never:
      break;
  }
  return "Never";
}

std::string mask_text(uint32_t mask) {
  char buf[8];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, mask, 8);
  std::string digits(buf, ec == std::errc{} ? end : buf);
  return std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
}

std::string list_text(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    bool quote = item.empty() || item.find_first_of(" \t,") != std::string::npos;
    out += quote ? "\"" + item + "\"" : item;
  }
  return out;
}

}  // namespace lwsmb::server::config_detail
