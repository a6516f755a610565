#include "lwsmb/rpc/dcerpc_pdu.hpp"

#include <algorithm>
#include <cstdio>

#include "lwsmb/rpc/ndr.hpp"

namespace lwsmb::rpc {

namespace {

constexpr size_t kSecTrailerSize = 8;  // auth_type, auth_level, pad length, reserved, context id

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

SyntaxId make_syntax(std::string_view uuid, uint16_t major, uint16_t minor) {
  return SyntaxId{*Uuid::parse(uuid), major, minor};
}

void put_syntax(NdrWriter& w, const SyntaxId& s) {
  w.bytes(s.uuid.bytes);
  w.u16(s.major);
  w.u16(s.minor);
}

bool get_syntax(NdrReader& r, SyntaxId* s) {
  return r.bytes(s->uuid.bytes) && r.u16(&s->major) && r.u16(&s->minor);
}

void put_header(NdrWriter& w, PduType type, uint8_t flags, uint32_t call_id,
                uint16_t auth_length = 0) {
  w.u8(5);
  w.u8(0);
  w.u8(static_cast<uint8_t>(type));
  w.u8(flags);
  w.u32(0x00000010);  // little-endian integers, ASCII characters, IEEE floats
  w.u16(0);           // frag_length, set by finish()
  w.u16(auth_length);
  w.u32(call_id);
}

std::vector<std::byte> finish(NdrWriter& w) {
  auto out = w.take();
  const auto len = static_cast<uint16_t>(out.size());
  out[8] = static_cast<std::byte>(len & 0xFF);
  out[9] = static_cast<std::byte>(len >> 8);
  return out;
}

// The PDU without its auth verifier (sec_trailer and token), and a reader positioned after the
// common header.
std::span<const std::byte> body_of(std::span<const std::byte> pdu, const PduHeader& h) {
  size_t end = h.frag_length;
  if (h.auth_length) end -= h.auth_length + kSecTrailerSize;
  return pdu.first(end);
}

NtStatus protocol_error() {
  return NtStatus::RpcProtocolError;
}

}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view t) {
  // 8-4-4-4-12 hex digits.
  if (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-') {
    return std::nullopt;
  }
  std::array<uint8_t, 16> raw{};
  size_t n = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '-') continue;
    int hi = hex_value(t[i]), lo = i + 1 < t.size() ? hex_value(t[i + 1]) : -1;
    if (hi < 0 || lo < 0 || n >= 16) return std::nullopt;
    raw[n++] = static_cast<uint8_t>(hi << 4 | lo);
    ++i;
  }
  if (n != 16) return std::nullopt;
  // time_low, time_mid and time_hi_and_version travel little-endian.
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  Uuid u;
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<std::byte>(raw[kOrder[i]]);
  return u;
}

std::string Uuid::to_string() const {
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  std::string out;
  char buf[3];
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(buf, sizeof buf, "%02x", std::to_integer<unsigned>(bytes[kOrder[i]]));
    out += buf;
  }
  return out;
}

const SyntaxId& ndr20_syntax() {
  static const SyntaxId s = make_syntax("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0);
  return s;
}

const SyntaxId& ndr64_syntax() {
  static const SyntaxId s = make_syntax("71710533-beba-4937-8319-b5dbef9ccc36", 1, 0);
  return s;
}

bool is_bind_time_feature_syntax(const SyntaxId& s, uint64_t* features) {
  // 6cb71c2c-9812-4540-XXXX-XXXXXXXXXXXX, version 1.0 (MS-RPCE 2.2.2.14).
  static const Uuid prefix = *Uuid::parse("6cb71c2c-9812-4540-0000-000000000000");
  if (!std::equal(prefix.bytes.begin(), prefix.bytes.begin() + 8, s.uuid.bytes.begin())) {
    return false;
  }
  if (features) {
    *features = 0;
    for (size_t i = 0; i < 8; ++i) {
      *features |= std::to_integer<uint64_t>(s.uuid.bytes[8 + i]) << (8 * i);
    }
  }
  return true;
}

SyntaxId bind_time_feature_syntax(uint64_t features) {
  SyntaxId s = make_syntax("6cb71c2c-9812-4540-0000-000000000000", 1, 0);
  for (size_t i = 0; i < 8; ++i) s.uuid.bytes[8 + i] = static_cast<std::byte>(features >> (8 * i));
  return s;
}

std::optional<PduHeader> peek_pdu_header(std::span<const std::byte> in) {
  if (in.size() < kPduHeaderSize) return std::nullopt;
  NdrReader r(in);
  PduHeader h;
  uint8_t type = 0, drep = 0, skip = 0;
  r.u8(&h.version);
  r.u8(&h.version_minor);
  r.u8(&type);
  r.u8(&h.flags);
  r.u8(&drep);
  r.u8(&skip);
  r.u8(&skip);
  r.u8(&skip);
  r.u16(&h.frag_length);
  r.u16(&h.auth_length);
  r.u32(&h.call_id);
  h.type = static_cast<PduType>(type);
  return h;
}

Result<PduHeader> decode_pdu_header(std::span<const std::byte> in) {
  auto h = peek_pdu_header(in);
  if (!h) return NtStatus::BufferTooSmall;
  if (h->version != 5 || h->version_minor > 1) return protocol_error();
  // drep[0]: 0x10 = little-endian integers, ASCII. Big-endian peers are not supported.
  if (in[4] != std::byte{0x10}) return protocol_error();
  if (h->frag_length < kPduHeaderSize) return protocol_error();
  if (h->auth_length &&
      static_cast<size_t>(h->auth_length) + kSecTrailerSize > h->frag_length - kPduHeaderSize) {
    return protocol_error();
  }
  if (in.size() < h->frag_length) return NtStatus::BufferTooSmall;
  return *h;
}

Result<BindPdu> decode_bind(std::span<const std::byte> pdu) {
  auto h = decode_pdu_header(pdu);
  if (!h) return h.status();
  auto body = body_of(pdu, *h);
  NdrReader r(body);
  std::byte skip[kPduHeaderSize];
  r.bytes(skip);
  BindPdu b;
  uint8_t n = 0, pad8 = 0;
  uint16_t pad16 = 0;
  if (!r.u16(&b.max_xmit_frag) || !r.u16(&b.max_recv_frag) || !r.u32(&b.assoc_group_id) ||
      !r.u8(&n) || !r.u8(&pad8) || !r.u16(&pad16)) {
    return protocol_error();
  }
  for (uint8_t i = 0; i < n; ++i) {
    PresentationContext c;
    uint8_t nts = 0;
    if (!r.u16(&c.context_id) || !r.u8(&nts) || !r.u8(&pad8) ||
        !get_syntax(r, &c.abstract_syntax)) {
      return protocol_error();
    }
    if (r.remaining() / 20 < nts) return protocol_error();
    c.transfer_syntaxes.resize(nts);
    for (auto& t : c.transfer_syntaxes) {
      if (!get_syntax(r, &t)) return protocol_error();
    }
    b.contexts.push_back(std::move(c));
  }
  if (h->auth_length) b.auth = pdu.subspan(body.size(), h->frag_length - body.size());
  return b;
}

Result<BindAckPdu> decode_bind_ack(std::span<const std::byte> pdu) {
  auto h = decode_pdu_header(pdu);
  if (!h) return h.status();
  NdrReader r(body_of(pdu, *h));
  std::byte skip[kPduHeaderSize];
  r.bytes(skip);
  BindAckPdu b;
  uint16_t addr_len = 0, pad16 = 0;
  uint8_t n = 0, pad8 = 0;
  if (!r.u16(&b.max_xmit_frag) || !r.u16(&b.max_recv_frag) || !r.u32(&b.assoc_group_id) ||
      !r.u16(&addr_len) || addr_len > r.remaining()) {
    return protocol_error();
  }
  std::string addr(addr_len, '\0');
  r.bytes(std::as_writable_bytes(std::span(addr)));
  if (!addr.empty() && addr.back() == '\0') addr.pop_back();
  b.secondary_address = std::move(addr);
  if (!r.align(4) || !r.u8(&n) || !r.u8(&pad8) || !r.u16(&pad16)) return protocol_error();
  if (r.remaining() / 24 < n) return protocol_error();
  b.results.resize(n);
  for (auto& res : b.results) {
    if (!r.u16(&res.result) || !r.u16(&res.reason) || !get_syntax(r, &res.transfer_syntax)) {
      return protocol_error();
    }
  }
  return b;
}

Result<BindNakPdu> decode_bind_nak(std::span<const std::byte> pdu) {
  auto h = decode_pdu_header(pdu);
  if (!h) return h.status();
  NdrReader r(body_of(pdu, *h));
  std::byte skip[kPduHeaderSize];
  r.bytes(skip);
  BindNakPdu b;
  if (!r.u16(&b.reason)) return protocol_error();
  return b;
}

Result<RequestPdu> decode_request(std::span<const std::byte> pdu) {
  auto h = decode_pdu_header(pdu);
  if (!h) return h.status();
  auto body = body_of(pdu, *h);
  NdrReader r(body);
  std::byte skip[kPduHeaderSize];
  r.bytes(skip);
  RequestPdu q;
  if (!r.u32(&q.alloc_hint) || !r.u16(&q.context_id) || !r.u16(&q.opnum)) return protocol_error();
  if (h->flags & pfc::kObjectUuid) {
    Uuid u;
    if (!r.bytes(u.bytes)) return protocol_error();
    q.object = u;
  }
  size_t stub_len = r.remaining();
  if (h->auth_length) {
    // The stub was padded to 16 bytes before the sec_trailer; the pad is not stub data.
    size_t pad = std::to_integer<size_t>(pdu[body.size() + 2]);
    if (pad > stub_len) return protocol_error();
    stub_len -= pad;
  }
  q.stub = body.subspan(r.offset(), stub_len);
  return q;
}

Result<ResponsePdu> decode_response(std::span<const std::byte> pdu) {
  auto h = decode_pdu_header(pdu);
  if (!h) return h.status();
  auto body = body_of(pdu, *h);
  NdrReader r(body);
  std::byte skip[kPduHeaderSize];
  r.bytes(skip);
  ResponsePdu p;
  uint8_t reserved = 0;
  if (!r.u32(&p.alloc_hint) || !r.u16(&p.context_id) || !r.u8(&p.cancel_count) ||
      !r.u8(&reserved)) {
    return protocol_error();
  }
  size_t stub_len = r.remaining();
  if (h->auth_length) {
    size_t pad = std::to_integer<size_t>(pdu[body.size() + 2]);
    if (pad > stub_len) return protocol_error();
    stub_len -= pad;
  }
  p.stub = body.subspan(r.offset(), stub_len);
  return p;
}

Result<FaultPdu> decode_fault(std::span<const std::byte> pdu) {
  auto h = decode_pdu_header(pdu);
  if (!h) return h.status();
  NdrReader r(body_of(pdu, *h));
  std::byte skip[kPduHeaderSize];
  r.bytes(skip);
  FaultPdu f;
  uint8_t reserved = 0;
  if (!r.u32(&f.alloc_hint) || !r.u16(&f.context_id) || !r.u8(&f.cancel_count) ||
      !r.u8(&reserved) || !r.u32(&f.status)) {
    return protocol_error();
  }
  return f;
}

std::vector<std::byte> encode_bind(PduType type, uint32_t call_id, const BindPdu& b) {
  NdrWriter w;
  put_header(w, type, pfc::kFirstFrag | pfc::kLastFrag, call_id);
  w.u16(b.max_xmit_frag);
  w.u16(b.max_recv_frag);
  w.u32(b.assoc_group_id);
  w.u8(static_cast<uint8_t>(b.contexts.size()));
  w.u8(0);
  w.u16(0);
  for (const auto& c : b.contexts) {
    w.u16(c.context_id);
    w.u8(static_cast<uint8_t>(c.transfer_syntaxes.size()));
    w.u8(0);
    put_syntax(w, c.abstract_syntax);
    for (const auto& t : c.transfer_syntaxes) put_syntax(w, t);
  }
  return finish(w);
}

std::vector<std::byte> encode_bind_ack(PduType type, uint32_t call_id, const BindAckPdu& b) {
  NdrWriter w;
  put_header(w, type, pfc::kFirstFrag | pfc::kLastFrag, call_id);
  w.u16(b.max_xmit_frag);
  w.u16(b.max_recv_frag);
  w.u32(b.assoc_group_id);
  if (b.secondary_address.empty()) {
    w.u16(0);
  } else {
    w.u16(static_cast<uint16_t>(b.secondary_address.size() + 1));
    w.bytes(std::as_bytes(std::span(b.secondary_address)));
    w.u8(0);
  }
  w.align(4);
  w.u8(static_cast<uint8_t>(b.results.size()));
  w.u8(0);
  w.u16(0);
  for (const auto& r : b.results) {
    w.u16(r.result);
    w.u16(r.reason);
    put_syntax(w, r.transfer_syntax);
  }
  return finish(w);
}

std::vector<std::byte> encode_bind_nak(uint32_t call_id, const BindNakPdu& b) {
  NdrWriter w;
  put_header(w, PduType::BindNak, pfc::kFirstFrag | pfc::kLastFrag, call_id);
  w.u16(b.reason);
  w.u8(1);  // supported protocol versions: 5.0
  w.u8(5);
  w.u8(0);
  w.align(4);
  return finish(w);
}

std::vector<std::byte> encode_request(uint32_t call_id, uint8_t flags, const RequestPdu& r) {
  NdrWriter w;
  put_header(w, PduType::Request, flags | (r.object ? pfc::kObjectUuid : 0), call_id);
  w.u32(r.alloc_hint);
  w.u16(r.context_id);
  w.u16(r.opnum);
  if (r.object) w.bytes(r.object->bytes);
  w.bytes(r.stub);
  return finish(w);
}

std::vector<std::byte> encode_response(uint32_t call_id, uint8_t flags, const ResponsePdu& r) {
  NdrWriter w;
  put_header(w, PduType::Response, flags, call_id);
  w.u32(r.alloc_hint);
  w.u16(r.context_id);
  w.u8(r.cancel_count);
  w.u8(0);
  w.bytes(r.stub);
  return finish(w);
}

std::vector<std::byte> encode_fault(uint32_t call_id, uint8_t flags, const FaultPdu& f) {
  NdrWriter w;
  put_header(w, PduType::Fault, flags, call_id);
  w.u32(f.alloc_hint);
  w.u16(f.context_id);
  w.u8(f.cancel_count);
  w.u8(0);
  w.u32(f.status);
  w.u32(0);
  return finish(w);
}

namespace {

// Splits a stub into fragments of at most max_frag bytes (the stub part a multiple of 8) and
// encodes each with encode(flags, alloc_hint, piece).
template <typename Encode>
std::vector<std::vector<std::byte>> fragment(std::span<const std::byte> stub, size_t header,
                                             uint16_t max_frag, Encode encode) {
  std::vector<std::vector<std::byte>> out;
  const size_t room = max_frag > header + 8 ? max_frag - header : 8;
  const size_t per = room / 8 * 8;
  size_t at = 0;
  do {
    size_t n = std::min(per, stub.size() - at);
    uint8_t flags = (at == 0 ? pfc::kFirstFrag : 0) | (at + n == stub.size() ? pfc::kLastFrag : 0);
    out.push_back(encode(flags, static_cast<uint32_t>(stub.size() - at), stub.subspan(at, n)));
    at += n;
  } while (at < stub.size());
  return out;
}

}  // namespace

std::vector<std::vector<std::byte>> fragment_request(uint32_t call_id, uint16_t context_id,
                                                     uint16_t opnum,
                                                     std::span<const std::byte> stub,
                                                     uint16_t max_frag) {
  return fragment(stub, kRequestHeaderSize, max_frag,
                  [&](uint8_t flags, uint32_t alloc_hint, std::span<const std::byte> piece) {
                    RequestPdu r;
                    r.alloc_hint = alloc_hint;
                    r.context_id = context_id;
                    r.opnum = opnum;
                    r.stub = piece;
                    return encode_request(call_id, flags, r);
                  });
}

std::vector<std::vector<std::byte>> fragment_response(uint32_t call_id, uint16_t context_id,
                                                      std::span<const std::byte> stub,
                                                      uint16_t max_frag) {
  return fragment(stub, kResponseHeaderSize, max_frag,
                  [&](uint8_t flags, uint32_t alloc_hint, std::span<const std::byte> piece) {
                    ResponsePdu r;
                    r.alloc_hint = alloc_hint;
                    r.context_id = context_id;
                    r.stub = piece;
                    return encode_response(call_id, flags, r);
                  });
}

}  // namespace lwsmb::rpc
