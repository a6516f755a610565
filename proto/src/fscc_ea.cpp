// FILE_FULL_EA_INFORMATION lists (MS-FSCC 2.4.15).
#include "lwsmb/proto/fscc_ea.hpp"

#include <algorithm>

#include "byte_io.hpp"

namespace lwsmb::proto::fscc {
namespace {

constexpr size_t kEntryFixed = 8;  // NextEntryOffset, Flags, EaNameLength, EaValueLength

size_t entry_size(const FullEa& ea) {
  return kEntryFixed + ea.name.size() + 1 + ea.value.size();
}
size_t align4(size_t n) {
  return (n + 3) & ~size_t{3};
}

}  // namespace

Result<std::vector<FullEa>> decode_full_ea_list(std::span<const std::byte> in) {
  constexpr NtStatus kBad = NtStatus::EaListInconsistent;
  std::vector<FullEa> out;
  size_t pos = 0;
  for (;;) {
    LeReader r(in);
    uint32_t next = 0;
    uint8_t flags = 0;
    uint8_t name_len = 0;
    uint16_t value_len = 0;
    if (!r.seek(pos) || !r.read_u32(next) || !r.read_u8(flags) || !r.read_u8(name_len) ||
        !r.read_u16(value_len)) {
      return kBad;
    }
    std::span<const std::byte> name;
    std::span<const std::byte> nul;
    std::span<const std::byte> value;
    if (!r.read_bytes(name_len, name) || !r.read_bytes(1, nul) || nul[0] != std::byte{0} ||
        !r.read_bytes(value_len, value)) {
      return kBad;
    }
    FullEa ea;
    ea.flags = flags;
    for (auto b : name) ea.name.push_back(static_cast<char>(b));
    ea.value.assign(value.begin(), value.end());
    const size_t size = kEntryFixed + name_len + 1 + value_len;
    out.push_back(std::move(ea));
    if (next == 0) break;
    if (next % 4 != 0 || next < size || next > in.size() - pos) return kBad;
    pos += next;
  }
  return out;
}

size_t encoded_size(const std::vector<FullEa>& list) {
  size_t n = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    n += i + 1 < list.size() ? align4(entry_size(list[i])) : entry_size(list[i]);
  }
  return n;
}

Result<size_t> encode_full_ea_list(const std::vector<FullEa>& list, std::span<std::byte> out,
                                   size_t* written) {
  LeWriter w(out);
  size_t last = 0;
  size_t used = 0;
  size_t count = 0;
  for (const auto& ea : list) {
    const size_t at = count == 0 ? 0 : align4(used);
    if (at > out.size() || entry_size(ea) > out.size() - at) break;
    if (count > 0) {
      w.put_u32_at(last, static_cast<uint32_t>(at - last));
      w.seek(used);
      w.write_zeros(at - used);
    }
    w.write_u32(0);
    w.write_u8(ea.flags);
    w.write_u8(static_cast<uint8_t>(ea.name.size()));
    w.write_u16(static_cast<uint16_t>(ea.value.size()));
    for (char c : ea.name) w.write_u8(static_cast<uint8_t>(c));
    w.write_u8(0);
    w.write_bytes(ea.value);
    last = at;
    used = w.offset();
    ++count;
  }
  if (written) *written = used;
  if (count == list.size()) return used;
  return count == 0 ? NtStatus::BufferTooSmall : NtStatus::BufferOverflow;
}

bool valid_ea_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || std::string_view("\"*+,/:;<=>?[\\]|").find(c) != std::string_view::npos;
  });
}

}  // namespace lwsmb::proto::fscc
