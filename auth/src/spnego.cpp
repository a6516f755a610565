// SPNEGO tokens (RFC 4178 4.2, RFC 2743 3.1 InitialContextToken) in hand-written DER.
#include "lwsmb/auth/spnego.hpp"

#include <algorithm>

#include "der.hpp"
#include "ntlm_core.hpp"

namespace lwsmb::auth {

using wire::Bytes;
using wire::ByteSpan;

namespace {

Oid make_oid(std::initializer_list<uint8_t> bytes) {
  Oid o;
  for (uint8_t b : bytes) o.der.push_back(std::byte{b});
  return o;
}

constexpr uint8_t kTagApplication0 = 0x60;
constexpr uint8_t kTagSequence = 0x30;
constexpr uint8_t kTagOid = 0x06;
constexpr uint8_t kTagOctetString = 0x04;
constexpr uint8_t kTagEnumerated = 0x0a;
constexpr uint8_t kTagBitString = 0x03;
constexpr uint8_t ctx(uint8_t n) {
  return static_cast<uint8_t>(0xa0 | n);
}

bool is_raw_ntlmssp(ByteSpan token) {
  return token.size() >= ntlm::kSignature.size() &&
         std::equal(ntlm::kSignature.begin(), ntlm::kSignature.end(), token.begin());
}

// Walks a SEQUENCE of [n] EXPLICIT fields in strictly increasing tag order.
template <class F>
bool for_each_field(ByteSpan seq, F&& f) {
  int last = -1;
  while (!seq.empty()) {
    auto t = der::read(seq);
    if (!t || (t->tag & 0xe0) != 0xa0) return false;
    const int n = t->tag & 0x1f;
    if (n <= last) return false;
    last = n;
    if (!f(n, t->content)) return false;
  }
  return true;
}

// [n] { OCTET STRING }: the content must be exactly one OCTET STRING.
std::optional<Bytes> octets(ByteSpan field) {
  auto v = der::expect(field, kTagOctetString);
  if (!v || !field.empty()) return std::nullopt;
  return Bytes(v->begin(), v->end());
}

Bytes mech_type_list(const std::vector<Oid>& mechs) {
  Bytes list;
  for (const auto& m : mechs) der::write(list, kTagOid, m.der);
  return der::tlv(kTagSequence, list);
}

}  // namespace

Oid oid_spnego() {
  return make_oid({0x2b, 0x06, 0x01, 0x05, 0x05, 0x02});
}
Oid oid_ntlmssp() {
  return make_oid({0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a});
}
Oid oid_kerberos5() {
  return make_oid({0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02});
}
Oid oid_ms_kerberos5() {
  return make_oid({0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02});
}

std::string Oid::to_string() const {
  // X.690 8.19: base-128 arcs, the first octet group encoding 40 * X + Y.
  std::string s;
  uint64_t v = 0;
  bool first = true;
  for (size_t i = 0; i < der.size(); ++i) {
    const auto b = std::to_integer<uint8_t>(der[i]);
    if (v > (UINT64_MAX >> 7)) return "?";
    v = (v << 7) | (b & 0x7f);
    if (b & 0x80) {
      if (i + 1 == der.size()) return "?";
      continue;
    }
    if (first) {
      const uint64_t x = v < 80 ? v / 40 : 2;
      s = std::to_string(x) + "." + std::to_string(v - 40 * x);
      first = false;
    } else {
      s += "." + std::to_string(v);
    }
    v = 0;
  }
  return der.empty() ? "?" : s;
}

std::vector<std::byte> spnego_neg_token_init(const std::vector<Oid>& mechs,
                                             std::span<const std::byte> mech_token) {
  Bytes fields = der::tlv(ctx(0), mech_type_list(mechs));
  if (!mech_token.empty()) der::write(fields, ctx(2), der::tlv(kTagOctetString, mech_token));
  Bytes inner = der::tlv(kTagOid, oid_spnego().der);
  der::write(inner, ctx(0), der::tlv(kTagSequence, fields));
  return der::tlv(kTagApplication0, inner);
}

Result<NegTokenInit> parse_neg_token_init(std::span<const std::byte> token) {
  NegTokenInit r;
  if (is_raw_ntlmssp(token)) {
    r.raw_ntlmssp = true;
    r.mech_types = {oid_ntlmssp()};
    r.mech_token = Bytes(token.begin(), token.end());
    return r;
  }
  ByteSpan in = token;
  auto outer = der::read(in);
  if (!outer || !in.empty()) return NtStatus::InvalidParameter;
  ByteSpan nego;
  if (outer->tag == kTagApplication0) {
    ByteSpan body = outer->content;
    auto mech = der::expect(body, kTagOid);
    const Oid spnego = oid_spnego();
    if (!mech || !std::equal(mech->begin(), mech->end(), spnego.der.begin(), spnego.der.end())) {
      return NtStatus::InvalidParameter;
    }
    auto init = der::expect(body, ctx(0));
    if (!init || !body.empty()) return NtStatus::InvalidParameter;
    nego = *init;
  } else if (outer->tag == ctx(0)) {
    nego = outer->content;
  } else {
    return NtStatus::InvalidParameter;
  }
  auto seq = der::expect(nego, kTagSequence);
  if (!seq || !nego.empty()) return NtStatus::InvalidParameter;

  bool have_mechs = false;
  const bool ok = for_each_field(*seq, [&](int n, ByteSpan f) {
    switch (n) {
      case 0: {  // mechTypes
        ByteSpan list_in = f;
        auto list = der::read(list_in);
        if (!list || list->tag != kTagSequence || !list_in.empty()) return false;
        r.mech_types_der.assign(list->whole.begin(), list->whole.end());
        ByteSpan oids = list->content;
        while (!oids.empty()) {
          auto o = der::expect(oids, kTagOid);
          if (!o || o->empty()) return false;
          r.mech_types.push_back(Oid{Bytes(o->begin(), o->end())});
        }
        have_mechs = true;
        return true;
      }
      case 1: {  // reqFlags, ignored
        auto bits = der::expect(f, kTagBitString);
        return bits.has_value() && f.empty();
      }
      case 2:  // mechToken
        r.mech_token = octets(f);
        return r.mech_token.has_value();
      case 3: {  // mechListMIC, or negHints in a server's NegTokenInit2 (MS-SPNG 2.2.1)
        if (!f.empty() && std::to_integer<uint8_t>(f[0]) == kTagSequence) {
          auto hints = der::expect(f, kTagSequence);
          return hints.has_value() && f.empty();
        }
        r.mech_list_mic = octets(f);
        return r.mech_list_mic.has_value();
      }
      case 4:  // NegTokenInit2 mechListMIC
        r.mech_list_mic = octets(f);
        return r.mech_list_mic.has_value();
      default:
        return false;
    }
  });
  if (!ok || !have_mechs) return NtStatus::InvalidParameter;
  return r;
}

std::vector<std::byte> spnego_neg_token_resp(const NegTokenResp& resp) {
  Bytes fields;
  if (resp.neg_state) {
    const std::byte state{static_cast<uint8_t>(*resp.neg_state)};
    der::write(fields, ctx(0), der::tlv(kTagEnumerated, std::span(&state, 1)));
  }
  if (resp.supported_mech) der::write(fields, ctx(1), der::tlv(kTagOid, resp.supported_mech->der));
  if (resp.response_token) {
    der::write(fields, ctx(2), der::tlv(kTagOctetString, *resp.response_token));
  }
  if (resp.mech_list_mic) {
    der::write(fields, ctx(3), der::tlv(kTagOctetString, *resp.mech_list_mic));
  }
  return der::tlv(ctx(1), der::tlv(kTagSequence, fields));
}

Result<NegTokenResp> parse_neg_token_resp(std::span<const std::byte> token) {
  NegTokenResp r;
  if (is_raw_ntlmssp(token)) {
    r.raw_ntlmssp = true;
    r.response_token = Bytes(token.begin(), token.end());
    return r;
  }
  ByteSpan in = token;
  auto body = der::expect(in, ctx(1));
  if (!body || !in.empty()) return NtStatus::InvalidParameter;
  auto seq = der::expect(*body, kTagSequence);
  if (!seq || !body->empty()) return NtStatus::InvalidParameter;
  const bool ok = for_each_field(*seq, [&](int n, ByteSpan f) {
    switch (n) {
      case 0: {  // negState
        auto e = der::expect(f, kTagEnumerated);
        if (!e || e->size() != 1 || !f.empty()) return false;
        const auto v = std::to_integer<uint8_t>((*e)[0]);
        if (v > 3) return false;
        r.neg_state = static_cast<NegState>(v);
        return true;
      }
      case 1: {  // supportedMech
        auto o = der::expect(f, kTagOid);
        if (!o || o->empty() || !f.empty()) return false;
        r.supported_mech = Oid{Bytes(o->begin(), o->end())};
        return true;
      }
      case 2:
        r.response_token = octets(f);
        return r.response_token.has_value();
      case 3:
        r.mech_list_mic = octets(f);
        return r.mech_list_mic.has_value();
      default:
        return false;
    }
  });
  if (!ok) return NtStatus::InvalidParameter;
  return r;
}

}  // namespace lwsmb::auth
