// Value parsers for smb.conf parameters. Each returns the value or nullopt with `error` set to
// a message that names the bad value; some also leave a warning (a value we accept but adjust).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/server/config.hpp"

namespace lwsmb::server::config_detail {

struct ValueDiag {
  std::string error;
  std::string warning;
};

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// Case folded, spaces, tabs and underscores removed: "Read_Only" and "read only" -> "readonly".
std::string normalize_key(std::string_view key);
bool iequals(std::string_view a, std::string_view b);

// yes/no/true/false/1/0/on/off, any case.
std::optional<bool> parse_bool(std::string_view v, ValueDiag& d);
// SMB2_02 ... SMB3_11, SMB2 (= SMB2_10), SMB3 (= SMB3_11), "default". SMB1 names are a warning
// and clamp to SMB2_02 for the minimum, an error for the maximum (we speak SMB2+ only).
std::optional<uint16_t> parse_protocol(std::string_view v, bool is_min, ValueDiag& d);
std::optional<SigningPolicy> parse_signing(std::string_view v, ValueDiag& d);
// off/no/disabled, auto/default/if_required, desired/yes, required/mandatory/force.
std::optional<EncryptPolicy> parse_encrypt(std::string_view v, ValueDiag& d);
std::optional<MapToGuest> parse_map_to_guest(std::string_view v, ValueDiag& d);
// Octal permission bits, at most 07777.
std::optional<uint32_t> parse_mask(std::string_view v, ValueDiag& d);
// "445 139" or "445, 139"; each port 1..65535, at least one.
std::optional<std::vector<uint16_t>> parse_ports(std::string_view v, ValueDiag& d);
// "log level = 3 auth:5": the leading number (0..10); per-class levels are ignored (warning).
std::optional<int> parse_log_level(std::string_view v, ValueDiag& d);
// Names separated by commas or white space; "double quotes" keep a name with spaces whole.
std::vector<std::string> parse_list(std::string_view v);

// Inverse of the above, in the spelling format_config prints.
const char* bool_name(bool b);
const char* signing_name(SigningPolicy p);
const char* map_to_guest_name(MapToGuest m);
const char* encrypt_name(EncryptPolicy p);
std::string mask_text(uint32_t mask);
std::string list_text(const std::vector<std::string>& items);

}  // namespace lwsmb::server::config_detail
