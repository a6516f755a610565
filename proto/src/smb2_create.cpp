// CREATE request/response (MS-SMB2 2.2.13, 2.2.14) and create contexts (2.2.13.2, 2.2.14.2).
#include <algorithm>

#include "lwsmb/proto/smb2_file.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using detail::align8;
using detail::kBad;

constexpr uint16_t kCreateRequestSize = 57;
constexpr uint16_t kCreateResponseSize = 89;
constexpr size_t kContextHeaderSize = 16;
constexpr size_t kLeaseV1Size = 32;
constexpr size_t kLeaseV2Size = 52;

// Wire length of one context without trailing padding.
size_t context_size(const CreateContext& c) {
  const size_t name_end = kContextHeaderSize + c.name.size();
  return c.data.empty() ? name_end : align8(name_end) + c.data.size();
}

size_t contexts_size(const std::vector<CreateContext>& list) {
  size_t n = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    n += i + 1 < list.size() ? align8(context_size(list[i])) : context_size(list[i]);
  }
  return n;
}

bool contexts_fit(const std::vector<CreateContext>& list) {
  return std::all_of(list.begin(), list.end(), [](const CreateContext& c) {
    return !c.name.empty() && c.name.size() <= UINT16_MAX - kContextHeaderSize - 8 &&
           c.data.size() <= UINT32_MAX;
  });
}

void write_contexts(LeWriter& w, const std::vector<CreateContext>& list) {
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    const bool last = i + 1 == list.size();
    const size_t size = context_size(c);
    const size_t start = w.offset();
    const size_t data_offset = c.data.empty() ? 0 : align8(kContextHeaderSize + c.name.size());
    w.write_u32(last ? 0 : static_cast<uint32_t>(align8(size)));
    w.write_u16(static_cast<uint16_t>(kContextHeaderSize));
    w.write_u16(static_cast<uint16_t>(c.name.size()));
    w.write_u16(0);
    w.write_u16(static_cast<uint16_t>(data_offset));
    w.write_u32(static_cast<uint32_t>(c.data.size()));
    for (char ch : c.name) w.write_u8(static_cast<uint8_t>(ch));
    if (!c.data.empty()) {
      w.write_zeros(start + data_offset - w.offset());
      w.write_bytes(c.data);
    }
    if (!last) w.write_zeros(start + align8(size) - w.offset());
  }
}

}  // namespace

// ---- Create contexts ----------------------------------------------------------------------------

Result<std::vector<CreateContext>> decode_create_contexts(std::span<const std::byte> buf) {
  std::vector<CreateContext> list;
  size_t pos = 0;
  for (;;) {
    const auto rest = buf.subspan(pos);
    LeReader r(rest);
    uint32_t next = 0;
    uint16_t name_offset = 0;
    uint16_t name_length = 0;
    uint16_t data_offset = 0;
    uint32_t data_length = 0;
    r.read_u32(next);
    r.read_u16(name_offset);
    r.read_u16(name_length);
    r.skip(2);
    r.read_u16(data_offset);
    r.read_u32(data_length);
    if (!r.ok()) return kBad;
    // 2.2.13.2: Next is 8-byte aligned and 0 on the last context; the context ends there.
    if (next != 0 && (next % 8 != 0 || next < kContextHeaderSize || next > rest.size())) {
      return kBad;
    }
    const auto ctx = next != 0 ? rest.first(next) : rest;
    std::span<const std::byte> name;
    std::span<const std::byte> data;
    if (name_length == 0 ||
        !detail::slice(ctx, name_offset, name_length, kContextHeaderSize, name) ||
        !detail::slice(ctx, data_offset, data_length, kContextHeaderSize, data) ||
        detail::overlap(name, data)) {
      return kBad;
    }
    CreateContext c;
    for (auto b : name) c.name.push_back(static_cast<char>(b));
    c.data.assign(data.begin(), data.end());
    list.push_back(std::move(c));
    if (next == 0) return list;
    pos += next;
  }
}

size_t encode_create_contexts(const std::vector<CreateContext>& list, std::vector<std::byte>& out) {
  const size_t n = contexts_size(list);
  const size_t old = out.size();
  out.resize(old + n);
  LeWriter w(std::span<std::byte>(out).subspan(old));
  write_contexts(w, list);
  assert(w.ok() && w.remaining() == 0);
  return n;
}

const CreateContext* find_create_context(const std::vector<CreateContext>& list,
                                         std::string_view name) {
  for (const auto& c : list)
    if (c.name == name) return &c;
  return nullptr;
}

Result<LeaseContext> decode_lease_context(std::span<const std::byte> data) {
  if (data.size() != kLeaseV1Size && data.size() < kLeaseV2Size) return kBad;
  LeReader r(data);
  LeaseContext v;
  v.v2 = data.size() >= kLeaseV2Size;
  detail::read_guid(r, v.lease_key);
  r.read_u32(v.lease_state);
  r.read_u32(v.lease_flags);
  r.read_u64(v.lease_duration);
  if (v.v2) {
    detail::read_guid(r, v.parent_lease_key);
    r.read_u16(v.epoch);
  }
  if (!r.ok()) return kBad;
  return v;
}

std::vector<std::byte> encode_lease_context(const LeaseContext& v) {
  std::vector<std::byte> out(v.v2 ? kLeaseV2Size : kLeaseV1Size);
  LeWriter w(out);
  detail::write_guid(w, v.lease_key);
  w.write_u32(v.lease_state);
  w.write_u32(v.lease_flags);
  w.write_u64(v.lease_duration);
  if (v.v2) {
    detail::write_guid(w, v.parent_lease_key);
    w.write_u16(v.epoch);
    w.write_u16(0);
  }
  assert(w.ok() && w.remaining() == 0);
  return out;
}

Result<MaximalAccessResponse> decode_maximal_access_response(std::span<const std::byte> data) {
  LeReader r(data);
  MaximalAccessResponse v;
  if (!r.read_u32(v.query_status) || !r.read_u32(v.maximal_access)) return kBad;
  return v;
}

std::vector<std::byte> encode_maximal_access_response(const MaximalAccessResponse& v) {
  std::vector<std::byte> out(8);
  LeWriter w(out);
  w.write_u32(v.query_status);
  w.write_u32(v.maximal_access);
  return out;
}

Result<QueryOnDiskIdResponse> decode_query_on_disk_id_response(std::span<const std::byte> data) {
  LeReader r(data);
  QueryOnDiskIdResponse v;
  if (!r.read_u64(v.disk_file_id) || !r.read_u64(v.volume_id) || !r.skip(16)) return kBad;
  return v;
}

std::vector<std::byte> encode_query_on_disk_id_response(const QueryOnDiskIdResponse& v) {
  std::vector<std::byte> out(32);
  LeWriter w(out);
  w.write_u64(v.disk_file_id);
  w.write_u64(v.volume_id);
  return out;
}

// ---- CREATE request (2.2.13) --------------------------------------------------------------------

Result<CreateRequest> decode_create_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kCreateRequestSize, r)) return kBad;
  CreateRequest v;
  uint16_t name_offset = 0;
  uint16_t name_length = 0;
  uint32_t ctx_offset = 0;
  uint32_t ctx_length = 0;
  r.read_u8(v.security_flags);
  r.read_u8(v.requested_oplock_level);
  r.read_u32(v.impersonation_level);
  r.read_u64(v.smb_create_flags);
  r.skip(8);  // Reserved
  r.read_u32(v.desired_access);
  r.read_u32(v.file_attributes);
  r.read_u32(v.share_access);
  r.read_u32(v.create_disposition);
  r.read_u32(v.create_options);
  r.read_u16(name_offset);
  r.read_u16(name_length);
  r.read_u32(ctx_offset);
  r.read_u32(ctx_length);
  std::span<const std::byte> name;
  std::span<const std::byte> contexts;
  if (!r.ok() || !detail::slice(msg, name_offset, name_length, r.offset(), name) ||
      !detail::slice(msg, ctx_offset, ctx_length, r.offset(), contexts) ||
      detail::overlap(name, contexts)) {
    return kBad;
  }
  LeReader n(name);
  if (!n.read_utf16(name.size(), v.name)) return kBad;
  if (!contexts.empty()) {
    auto list = decode_create_contexts(contexts);
    if (!list) return list.status();
    v.contexts = std::move(*list);
  }
  return v;
}

NtStatus encode_body(const CreateRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t name_offset = rel0 + detail::fixed_size(kCreateRequestSize);
  const size_t name_length = 2 * v.name.size();
  const size_t ctx_offset = v.contexts.empty() ? 0 : align8(name_offset + name_length);
  const size_t ctx_length = contexts_size(v.contexts);
  const size_t end =
      std::max(v.contexts.empty() ? name_offset + name_length : ctx_offset + ctx_length,
               rel0 + kCreateRequestSize);
  if (name_offset > UINT16_MAX || name_length > UINT16_MAX || end > UINT32_MAX ||
      !contexts_fit(v.contexts)) {
    return kBad;
  }
  detail::BodyWriter b(out, msg_start, end - rel0);
  auto& w = b.w();
  w.write_u16(kCreateRequestSize);
  w.write_u8(v.security_flags);
  w.write_u8(v.requested_oplock_level);
  w.write_u32(v.impersonation_level);
  w.write_u64(v.smb_create_flags);
  w.write_u64(0);
  w.write_u32(v.desired_access);
  w.write_u32(v.file_attributes);
  w.write_u32(v.share_access);
  w.write_u32(v.create_disposition);
  w.write_u32(v.create_options);
  w.write_u16(static_cast<uint16_t>(name_offset));
  w.write_u16(static_cast<uint16_t>(name_length));
  w.write_u32(static_cast<uint32_t>(ctx_offset));
  w.write_u32(static_cast<uint32_t>(ctx_length));
  w.write_utf16(v.name);
  if (!v.contexts.empty()) {
    w.write_zeros(ctx_offset - b.rel_now());
    write_contexts(w, v.contexts);
  }
  assert(w.ok());
  return NtStatus::Success;
}

// ---- CREATE response (2.2.14) -------------------------------------------------------------------

Result<CreateResponse> decode_create_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kCreateResponseSize, r)) return kBad;
  CreateResponse v;
  uint32_t ctx_offset = 0;
  uint32_t ctx_length = 0;
  r.read_u8(v.oplock_level);
  r.read_u8(v.flags);
  r.read_u32(v.create_action);
  r.read_i64(v.creation_time);
  r.read_i64(v.last_access_time);
  r.read_i64(v.last_write_time);
  r.read_i64(v.change_time);
  r.read_i64(v.allocation_size);
  r.read_i64(v.end_of_file);
  r.read_u32(v.file_attributes);
  r.skip(4);  // Reserved2
  r.read_u64(v.file_id.persistent);
  r.read_u64(v.file_id.volatile_id);
  r.read_u32(ctx_offset);
  r.read_u32(ctx_length);
  std::span<const std::byte> contexts;
  if (!r.ok() || !detail::slice(msg, ctx_offset, ctx_length, r.offset(), contexts)) return kBad;
  if (!contexts.empty()) {
    auto list = decode_create_contexts(contexts);
    if (!list) return list.status();
    v.contexts = std::move(*list);
  }
  return v;
}

NtStatus encode_body(const CreateResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  const size_t rel0 = out.size() - msg_start;
  const size_t fixed = detail::fixed_size(kCreateResponseSize);
  const size_t ctx_offset = v.contexts.empty() ? 0 : align8(rel0 + fixed);
  const size_t ctx_length = contexts_size(v.contexts);
  const size_t end = std::max(v.contexts.empty() ? rel0 + fixed : ctx_offset + ctx_length,
                              rel0 + kCreateResponseSize);
  if (end > UINT32_MAX || !contexts_fit(v.contexts)) return kBad;
  detail::BodyWriter b(out, msg_start, end - rel0);
  auto& w = b.w();
  w.write_u16(kCreateResponseSize);
  w.write_u8(v.oplock_level);
  w.write_u8(v.flags);
  w.write_u32(v.create_action);
  w.write_i64(v.creation_time);
  w.write_i64(v.last_access_time);
  w.write_i64(v.last_write_time);
  w.write_i64(v.change_time);
  w.write_i64(v.allocation_size);
  w.write_i64(v.end_of_file);
  w.write_u32(v.file_attributes);
  w.write_u32(0);
  w.write_u64(v.file_id.persistent);
  w.write_u64(v.file_id.volatile_id);
  w.write_u32(static_cast<uint32_t>(ctx_offset));
  w.write_u32(static_cast<uint32_t>(ctx_length));
  if (!v.contexts.empty()) {
    w.write_zeros(ctx_offset - b.rel_now());
    write_contexts(w, v.contexts);
  }
  assert(w.ok());
  return NtStatus::Success;
}

}  // namespace lwsmb::proto::smb2
