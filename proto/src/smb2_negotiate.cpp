// NEGOTIATE request/response with negotiate contexts (MS-SMB2 2.2.3, 2.2.3.1, 2.2.4, 2.2.4.1).
#include <algorithm>

#include "lwsmb/proto/smb2_session.hpp"
#include "smb2_codec.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using detail::align8;
using detail::kBad;

constexpr uint16_t kNegotiateRequestSize = 36;
constexpr uint16_t kNegotiateResponseSize = 65;

bool read_u16_array(LeReader& r, size_t count, std::vector<uint16_t>& v) {
  if (count > r.remaining() / 2) return false;
  v.resize(count);
  for (auto& x : v) r.read_u16(x);
  return r.ok();
}
void write_u16_array(LeWriter& w, const std::vector<uint16_t>& v) {
  for (uint16_t x : v) w.write_u16(x);
}

// Builds a context's data with a LeWriter over a buffer of the exact size.
template <class Fn>
NegotiateContext make_context(uint16_t type, size_t size, Fn&& fill) {
  NegotiateContext c;
  c.type = type;
  c.data.resize(size);
  LeWriter w(c.data);
  fill(w);
  assert(w.ok() && w.offset() == size);
  return c;
}

// Bytes a context list takes when it starts at message offset `pos` (8-aligned); returns the
// end offset. Every context after the first starts 8-byte aligned (2.2.3.1).
size_t contexts_end(const std::vector<NegotiateContext>& list, size_t pos) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) pos = align8(pos);
    pos += 8 + list[i].data.size();
  }
  return pos;
}

bool contexts_fit(const std::vector<NegotiateContext>& list) {
  if (list.size() > UINT16_MAX) return false;
  return std::all_of(list.begin(), list.end(),
                     [](const NegotiateContext& c) { return c.data.size() <= UINT16_MAX; });
}

// Writes the list at body position w.offset() which must be at message offset `pos`.
void write_contexts(detail::BodyWriter& b, const std::vector<NegotiateContext>& list) {
  auto& w = b.w();
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) w.write_zeros(align8(b.rel_now()) - b.rel_now());
    w.write_u16(list[i].type);
    w.write_u16(static_cast<uint16_t>(list[i].data.size()));
    w.write_u32(0);  // Reserved
    w.write_bytes(list[i].data);
  }
}

bool parse_contexts(std::span<const std::byte> msg, uint32_t offset, uint16_t count,
                    size_t min_offset, std::vector<NegotiateContext>& out) {
  if (count == 0) return true;
  if (offset % 8 != 0 || offset < min_offset) return false;
  LeReader r(msg);
  if (!r.seek(offset)) return false;
  for (unsigned i = 0; i < count; ++i) {
    if (i > 0 && !r.seek(align8(r.offset()))) return false;
    NegotiateContext c;
    uint16_t len = 0;
    std::span<const std::byte> data;
    if (!r.read_u16(c.type) || !r.read_u16(len) || !r.skip(4) || !r.read_bytes(len, data)) {
      return false;
    }
    c.data.assign(data.begin(), data.end());
    out.push_back(std::move(c));
  }
  return true;
}

bool offers_311(const std::vector<uint16_t>& dialects) {
  return std::find(dialects.begin(), dialects.end(), dialect::kSmb311) != dialects.end();
}

}  // namespace

// ---- Typed contexts -----------------------------------------------------------------------------

NegotiateContext to_context(const PreauthIntegrityCapabilities& v) {
  return make_context(negotiate_context::kPreauthIntegrityCapabilities,
                      4 + 2 * v.hash_algorithms.size() + v.salt.size(), [&](LeWriter& w) {
                        w.write_u16(static_cast<uint16_t>(v.hash_algorithms.size()));
                        w.write_u16(static_cast<uint16_t>(v.salt.size()));
                        write_u16_array(w, v.hash_algorithms);
                        w.write_bytes(v.salt);
                      });
}
NegotiateContext to_context(const EncryptionCapabilities& v) {
  return make_context(negotiate_context::kEncryptionCapabilities, 2 + 2 * v.ciphers.size(),
                      [&](LeWriter& w) {
                        w.write_u16(static_cast<uint16_t>(v.ciphers.size()));
                        write_u16_array(w, v.ciphers);
                      });
}
NegotiateContext to_context(const CompressionCapabilities& v) {
  return make_context(negotiate_context::kCompressionCapabilities, 8 + 2 * v.algorithms.size(),
                      [&](LeWriter& w) {
                        w.write_u16(static_cast<uint16_t>(v.algorithms.size()));
                        w.write_u16(0);  // Padding
                        w.write_u32(v.flags);
                        write_u16_array(w, v.algorithms);
                      });
}
NegotiateContext to_context(const NetnameContext& v) {
  return make_context(negotiate_context::kNetnameNegotiateContextId, 2 * v.net_name.size(),
                      [&](LeWriter& w) { w.write_utf16(v.net_name); });
}
NegotiateContext to_context(const TransportCapabilities& v) {
  return make_context(negotiate_context::kTransportCapabilities, 4,
                      [&](LeWriter& w) { w.write_u32(v.flags); });
}
NegotiateContext to_context(const RdmaTransformCapabilities& v) {
  return make_context(negotiate_context::kRdmaTransformCapabilities, 8 + 2 * v.transform_ids.size(),
                      [&](LeWriter& w) {
                        w.write_u16(static_cast<uint16_t>(v.transform_ids.size()));
                        w.write_u16(0);
                        w.write_u32(0);
                        write_u16_array(w, v.transform_ids);
                      });
}
NegotiateContext to_context(const SigningCapabilities& v) {
  return make_context(negotiate_context::kSigningCapabilities, 2 + 2 * v.algorithms.size(),
                      [&](LeWriter& w) {
                        w.write_u16(static_cast<uint16_t>(v.algorithms.size()));
                        write_u16_array(w, v.algorithms);
                      });
}

Result<PreauthIntegrityCapabilities> decode_preauth_integrity(std::span<const std::byte> data) {
  LeReader r(data);
  PreauthIntegrityCapabilities v;
  uint16_t count = 0;
  uint16_t salt_len = 0;
  std::span<const std::byte> salt;
  if (!r.read_u16(count) || !r.read_u16(salt_len) || count == 0 ||
      !read_u16_array(r, count, v.hash_algorithms) || !r.read_bytes(salt_len, salt)) {
    return kBad;
  }
  v.salt.assign(salt.begin(), salt.end());
  return v;
}

Result<EncryptionCapabilities> decode_encryption_capabilities(std::span<const std::byte> data) {
  LeReader r(data);
  EncryptionCapabilities v;
  uint16_t count = 0;
  if (!r.read_u16(count) || count == 0 || !read_u16_array(r, count, v.ciphers)) return kBad;
  return v;
}

Result<CompressionCapabilities> decode_compression_capabilities(std::span<const std::byte> data) {
  LeReader r(data);
  CompressionCapabilities v;
  uint16_t count = 0;
  if (!r.read_u16(count) || !r.skip(2) || !r.read_u32(v.flags) || count == 0 ||
      !read_u16_array(r, count, v.algorithms)) {
    return kBad;
  }
  return v;
}

Result<NetnameContext> decode_netname(std::span<const std::byte> data) {
  LeReader r(data);
  NetnameContext v;
  if (!r.read_utf16(data.size(), v.net_name)) return kBad;
  return v;
}

Result<TransportCapabilities> decode_transport_capabilities(std::span<const std::byte> data) {
  LeReader r(data);
  TransportCapabilities v;
  if (!r.read_u32(v.flags)) return kBad;
  return v;
}

Result<RdmaTransformCapabilities> decode_rdma_transform_capabilities(
    std::span<const std::byte> data) {
  LeReader r(data);
  RdmaTransformCapabilities v;
  uint16_t count = 0;
  if (!r.read_u16(count) || !r.skip(6) || count == 0 ||
      !read_u16_array(r, count, v.transform_ids)) {
    return kBad;
  }
  return v;
}

Result<SigningCapabilities> decode_signing_capabilities(std::span<const std::byte> data) {
  LeReader r(data);
  SigningCapabilities v;
  uint16_t count = 0;
  if (!r.read_u16(count) || count == 0 || !read_u16_array(r, count, v.algorithms)) return kBad;
  return v;
}

const NegotiateContext* find_context(const std::vector<NegotiateContext>& list, uint16_t type) {
  for (const auto& c : list)
    if (c.type == type) return &c;
  return nullptr;
}

// ---- NEGOTIATE request (2.2.3) ------------------------------------------------------------------

Result<NegotiateRequest> decode_negotiate_request(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kNegotiateRequestSize, r)) return kBad;
  NegotiateRequest v;
  uint16_t dialect_count = 0;
  r.read_u16(dialect_count);
  r.read_u16(v.security_mode);
  r.skip(2);
  r.read_u32(v.capabilities);
  detail::read_guid(r, v.client_guid);
  const size_t time_pos = r.offset();
  uint64_t start_time = 0;
  r.read_u64(start_time);
  // 3.3.5.4: a request without dialects is rejected with STATUS_INVALID_PARAMETER.
  if (dialect_count == 0 || !read_u16_array(r, dialect_count, v.dialects)) return kBad;
  if (!offers_311(v.dialects)) {
    v.client_start_time = start_time;
    return v;
  }
  LeReader t(msg);
  uint32_t ctx_offset = 0;
  uint16_t ctx_count = 0;
  t.seek(time_pos);
  t.read_u32(ctx_offset);
  t.read_u16(ctx_count);
  if (!parse_contexts(msg, ctx_offset, ctx_count, r.offset(), v.contexts)) return kBad;
  return v;
}

NtStatus encode_body(const NegotiateRequest& v, std::vector<std::byte>& out, size_t msg_start) {
  const bool with_contexts = !v.contexts.empty();
  if (v.dialects.empty() || v.dialects.size() > UINT16_MAX || !contexts_fit(v.contexts) ||
      (with_contexts && !offers_311(v.dialects))) {
    return kBad;
  }
  const size_t rel0 = out.size() - msg_start;
  const size_t dialects_end = rel0 + kNegotiateRequestSize + 2 * v.dialects.size();
  const size_t ctx_offset = with_contexts ? align8(dialects_end) : 0;
  const size_t end = with_contexts ? contexts_end(v.contexts, ctx_offset) : dialects_end;
  if (ctx_offset > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start, end - rel0);
  auto& w = b.w();
  w.write_u16(kNegotiateRequestSize);
  w.write_u16(static_cast<uint16_t>(v.dialects.size()));
  w.write_u16(v.security_mode);
  w.write_u16(0);
  w.write_u32(v.capabilities);
  detail::write_guid(w, v.client_guid);
  if (offers_311(v.dialects)) {
    w.write_u32(static_cast<uint32_t>(ctx_offset));
    w.write_u16(static_cast<uint16_t>(v.contexts.size()));
    w.write_u16(0);
  } else {
    w.write_u64(v.client_start_time);
  }
  write_u16_array(w, v.dialects);
  if (with_contexts) {
    w.write_zeros(ctx_offset - b.rel_now());
    write_contexts(b, v.contexts);
  }
  assert(w.ok() && w.remaining() == 0);
  return NtStatus::Success;
}

// ---- NEGOTIATE response (2.2.4) -----------------------------------------------------------------

Result<NegotiateResponse> decode_negotiate_response(std::span<const std::byte> msg) {
  LeReader r(msg);
  if (!detail::open_body(msg, kNegotiateResponseSize, r)) return kBad;
  NegotiateResponse v;
  uint16_t ctx_count = 0;
  uint16_t sec_offset = 0;
  uint16_t sec_length = 0;
  uint32_t ctx_offset = 0;
  r.read_u16(v.security_mode);
  r.read_u16(v.dialect_revision);
  r.read_u16(ctx_count);
  detail::read_guid(r, v.server_guid);
  r.read_u32(v.capabilities);
  r.read_u32(v.max_transact_size);
  r.read_u32(v.max_read_size);
  r.read_u32(v.max_write_size);
  r.read_u64(v.system_time);
  r.read_u64(v.server_start_time);
  r.read_u16(sec_offset);
  r.read_u16(sec_length);
  r.read_u32(ctx_offset);
  const size_t fixed_end = r.offset();
  if (!r.ok() || !detail::slice(msg, sec_offset, sec_length, fixed_end, v.security_buffer)) {
    return kBad;
  }
  if (v.dialect_revision == dialect::kSmb311 &&
      !parse_contexts(msg, ctx_offset, ctx_count, fixed_end, v.contexts)) {
    return kBad;
  }
  return v;
}

NtStatus encode_body(const NegotiateResponse& v, std::vector<std::byte>& out, size_t msg_start) {
  const bool with_contexts = !v.contexts.empty();
  if (!contexts_fit(v.contexts) || (with_contexts && v.dialect_revision != dialect::kSmb311)) {
    return kBad;
  }
  const size_t rel0 = out.size() - msg_start;
  const size_t sec_offset = rel0 + kNegotiateResponseSize - 1;
  const size_t sec_end = sec_offset + v.security_buffer.size();
  if (sec_end > UINT16_MAX) return kBad;
  const size_t ctx_offset = with_contexts ? align8(sec_end) : 0;
  const size_t end = std::max(with_contexts ? contexts_end(v.contexts, ctx_offset) : sec_end,
                              rel0 + kNegotiateResponseSize);
  if (ctx_offset > UINT32_MAX) return kBad;
  detail::BodyWriter b(out, msg_start, end - rel0);
  auto& w = b.w();
  w.write_u16(kNegotiateResponseSize);
  w.write_u16(v.security_mode);
  w.write_u16(v.dialect_revision);
  w.write_u16(static_cast<uint16_t>(v.contexts.size()));
  detail::write_guid(w, v.server_guid);
  w.write_u32(v.capabilities);
  w.write_u32(v.max_transact_size);
  w.write_u32(v.max_read_size);
  w.write_u32(v.max_write_size);
  w.write_u64(v.system_time);
  w.write_u64(v.server_start_time);
  w.write_u16(static_cast<uint16_t>(sec_offset));
  w.write_u16(static_cast<uint16_t>(v.security_buffer.size()));
  w.write_u32(static_cast<uint32_t>(ctx_offset));
  w.write_bytes(v.security_buffer);
  if (with_contexts) {
    w.write_zeros(ctx_offset - b.rel_now());
    write_contexts(b, v.contexts);
  }
  assert(w.ok());
  return NtStatus::Success;
}

}  // namespace lwsmb::proto::smb2
