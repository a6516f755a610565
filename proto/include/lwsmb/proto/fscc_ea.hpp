// Extended attribute lists (MS-FSCC 2.4.15 FILE_FULL_EA_INFORMATION), as the ExtA create
// context, SET_INFO FileFullEaInformation and QUERY_INFO FileFullEaInformation carry them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::proto::fscc {

inline constexpr uint8_t kFileNeedEa = 0x80;  // Flags: FILE_NEED_EA

struct FullEa {
  uint8_t flags = 0;
  std::string name;  // 8-bit characters, no terminator
  std::vector<std::byte> value;
  friend bool operator==(const FullEa&, const FullEa&) = default;
};

// Parses a chain: every entry must lie inside the buffer with its name NUL-terminated, and
// NextEntryOffset (0 on the last) must be 4-aligned and cover the entry. Bad chains give
// STATUS_EA_LIST_INCONSISTENT (MS-FSA 2.1.5.1.4 / 2.1.5.14.4).
Result<std::vector<FullEa>> decode_full_ea_list(std::span<const std::byte> in);

// Bytes the whole list takes (entries 4-aligned, the last unpadded); 0 for an empty list.
size_t encoded_size(const std::vector<FullEa>& list);

// Writes as many whole entries as fit. All of them: the size. Some: STATUS_BUFFER_OVERFLOW
// with *written set. Not even the first: STATUS_BUFFER_TOO_SMALL.
Result<size_t> encode_full_ea_list(const std::vector<FullEa>& list, std::span<std::byte> out,
                                   size_t* written = nullptr);

// MS-FSCC 2.4.15: EaName characters a file system refuses (controls and "*+,/:;<=>?[\]|).
bool valid_ea_name(const std::string& name);

}  // namespace lwsmb::proto::fscc
