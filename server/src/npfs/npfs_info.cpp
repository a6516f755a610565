#include "npfs/npfs_info.hpp"

#include <cstring>
#include <vector>

#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::server::npfs {

namespace {

uint32_t get32(std::span<const std::byte> b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= std::to_integer<uint32_t>(b[at + i]) << (8 * i);
  return v;
}

void put(std::span<std::byte> b, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace

Result<PipeWaitRequest> decode_pipe_wait(std::span<const std::byte> in) {
  constexpr size_t kFixed = 14;  // Timeout 8, NameLength 4, TimeoutSpecified 1, Padding 1
  if (in.size() < kFixed) return NtStatus::InvalidParameter;
  PipeWaitRequest r;
  r.timeout = static_cast<int64_t>(static_cast<uint64_t>(get32(in, 0)) |
                                   static_cast<uint64_t>(get32(in, 4)) << 32);
  uint32_t name_len = get32(in, 8);
  r.timeout_specified = in[12] != std::byte{0};
  if (name_len == 0 || name_len % 2 || name_len > in.size() - kFixed) {
    return NtStatus::InvalidParameter;
  }
  std::u16string name(name_len / 2, u'\0');
  for (size_t i = 0; i < name.size(); ++i) {
    name[i] = static_cast<char16_t>(std::to_integer<uint16_t>(in[kFixed + 2 * i]) |
                                    std::to_integer<uint16_t>(in[kFixed + 2 * i + 1]) << 8);
  }
  auto utf8 = proto::fscc::utf16_to_utf8(name);
  if (!utf8) return NtStatus::InvalidParameter;
  r.name = std::move(*utf8);
  return r;
}

std::vector<std::byte> encode_pipe_wait(const PipeWaitRequest& req) {
  auto name = proto::fscc::utf8_to_utf16(req.name).value_or(std::u16string());
  std::vector<std::byte> out(14 + name.size() * 2);
  put(out, 0, static_cast<uint64_t>(req.timeout), 8);
  put(out, 8, name.size() * 2, 4);
  out[12] = std::byte{req.timeout_specified};
  for (size_t i = 0; i < name.size(); ++i) put(out, 14 + 2 * i, name[i], 2);
  return out;
}

NtStatus encode_pipe_info(FileInfoClass cls, const PipeFacts& f, std::span<std::byte> out,
                          uint64_t* written) {
  size_t need = 0;
  switch (cls) {
    case FileInfoClass::Pipe:
      need = 8;
      break;
    case FileInfoClass::PipeLocal:
      need = 40;
      break;
    case FileInfoClass::Basic:
      need = 40;
      break;
    case FileInfoClass::Standard:
      need = 24;
      break;
    case FileInfoClass::Internal:
      need = 8;
      break;
    case FileInfoClass::NetworkOpen:
      need = 56;
      break;
    default:
      return NtStatus::InvalidParameter;
  }
  if ((cls == FileInfoClass::Pipe || cls == FileInfoClass::PipeLocal) && !f.is_pipe) {
    return NtStatus::InvalidParameter;
  }
  if (out.size() < need) return NtStatus::InfoLengthMismatch;
  std::memset(out.data(), 0, need);
  switch (cls) {
    case FileInfoClass::Pipe:
      put(out, 0, f.read_mode, 4);
      put(out, 4, f.completion_mode, 4);
      break;
    case FileInfoClass::PipeLocal: {
      const uint32_t v[10] = {f.pipe_type,      pipe_value::kFullDuplex,
                              f.max_instances,  f.current_instances,
                              f.inbound_quota,  f.read_data_available,
                              f.outbound_quota, f.write_quota_available,
                              f.state,          f.end};
      for (size_t i = 0; i < 10; ++i) put(out, 4 * i, v[i], 4);
      break;
    }
    case FileInfoClass::Basic:
      put(out, 32, file_attribute::kNormal, 4);
      break;
    case FileInfoClass::Standard:
      put(out, 0, 4096, 8);    // AllocationSize, as Windows reports for a pipe
      put(out, 16, 1, 4);      // NumberOfLinks
      out[20] = std::byte{1};  // DeletePending: a pipe goes away with its last handle
      break;
    case FileInfoClass::Internal:
      put(out, 0, f.file_id, 8);
      break;
    case FileInfoClass::NetworkOpen:
      put(out, 32, 4096, 8);
      put(out, 48, file_attribute::kNormal, 4);
      break;
    default:
      break;
  }
  *written = need;
  return NtStatus::Success;
}

NtStatus decode_pipe_information(std::span<const std::byte> in, uint32_t* read_mode,
                                 uint32_t* completion_mode) {
  if (in.size() < 8) return NtStatus::InfoLengthMismatch;
  *read_mode = get32(in, 0);
  *completion_mode = get32(in, 4);
  if (*read_mode > 1 || *completion_mode > 1) return NtStatus::InvalidParameter;
  return NtStatus::Success;
}

}  // namespace lwsmb::server::npfs
