#include "ntlm_core.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "evp.hpp"

namespace lwsmb::auth::ntlm {

std::optional<std::vector<AvPair>> parse_av_pairs(ByteSpan data) {
  std::vector<AvPair> out;
  size_t off = 0;
  for (;;) {
    uint16_t id = 0, len = 0;
    if (!wire::get_u16(data, off, id) || !wire::get_u16(data, off + 2, len)) return std::nullopt;
    off += 4;
    auto value = wire::slice(data, off, len);
    if (!value) return std::nullopt;
    off += len;
    if (static_cast<AvId>(id) == AvId::Eol) return out;
    out.push_back({static_cast<AvId>(id), Bytes(value->begin(), value->end())});
  }
}

Bytes build_av_pairs(const std::vector<AvPair>& pairs) {
  Bytes out;
  for (const auto& p : pairs) {
    if (p.id == AvId::Eol) continue;
    wire::put_u16(out, static_cast<uint16_t>(p.id));
    wire::put_u16(out, static_cast<uint16_t>(p.value.size()));
    wire::put_bytes(out, p.value);
  }
  wire::put_u32(out, 0);  // MsvAvEOL, length 0
  return out;
}

const AvPair* find_av(const std::vector<AvPair>& pairs, AvId id) {
  auto it = std::find_if(pairs.begin(), pairs.end(), [id](const AvPair& p) { return p.id == id; });
  return it == pairs.end() ? nullptr : &*it;
}

std::optional<ByteSpan> read_field(ByteSpan msg, size_t at) {
  uint16_t len = 0;
  uint32_t off = 0;
  if (!wire::get_u16(msg, at, len) || !wire::get_u32(msg, at + 4, off)) return std::nullopt;
  if (len == 0) return ByteSpan{};
  return wire::slice(msg, off, len);
}

uint32_t field_offset(ByteSpan msg, size_t at) {
  uint32_t off = 0;
  return wire::get_u32(msg, at + 4, off) ? off : 0;
}

std::u16string uppercase(std::u16string_view s) {
  std::u16string out(s);
  for (auto& c : out) {
    if (c >= u'a' && c <= u'z') {
      c = static_cast<char16_t>(c - 0x20);
    } else if (c >= 0xE0 && c <= 0xFE && c != 0xF7) {  // Latin-1 à..þ except ÷
      c = static_cast<char16_t>(c - 0x20);
    } else if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) {  // Greek α..ω except final sigma
      c = static_cast<char16_t>(c - 0x20);
    } else if (c >= 0x430 && c <= 0x44F) {  // Cyrillic а..я
      c = static_cast<char16_t>(c - 0x20);
    } else if (c >= 0x450 && c <= 0x45F) {  // Cyrillic ѐ..џ
      c = static_cast<char16_t>(c - 0x50);
    }
  }
  return out;
}

Result<NtHash> ntowfv2(const NtHash& nt_hash, std::u16string_view user,
                       std::u16string_view domain) {
  std::u16string joined = uppercase(user);
  joined += domain;
  Bytes data = wire::utf16le(joined);
  return evp::hmac_md5(nt_hash, data);
}

Bytes ntlmv2_blob(uint64_t filetime, ByteSpan client_challenge, ByteSpan av_pairs) {
  Bytes b;
  wire::put_u8(b, 1);  // RespType
  wire::put_u8(b, 1);  // HiRespType
  for (int i = 0; i < 6; ++i) wire::put_u8(b, 0);
  wire::put_u64(b, filetime);
  wire::put_bytes(b, client_challenge);
  wire::put_u32(b, 0);
  wire::put_bytes(b, av_pairs);
  wire::put_u32(b, 0);
  return b;
}

Result<Ntlmv2Response> compute_ntlmv2(const NtHash& response_key, ByteSpan server_challenge,
                                      ByteSpan client_challenge, ByteSpan blob) {
  auto proof = evp::hmac_md5(response_key, server_challenge, blob);
  if (!proof) return proof.status();
  auto lm = evp::hmac_md5(response_key, server_challenge, client_challenge);
  if (!lm) return lm.status();
  auto base = evp::hmac_md5(response_key, *proof);
  if (!base) return base.status();
  Ntlmv2Response r;
  wire::put_bytes(r.nt_response, *proof);
  wire::put_bytes(r.nt_response, blob);
  wire::put_bytes(r.lm_response, *lm);
  wire::put_bytes(r.lm_response, client_challenge);
  r.session_base_key = *base;
  return r;
}

namespace {

// The magic constants of MS-NLMP 3.4.5.2/3.4.5.3, including their terminating NUL.
ByteSpan magic(std::string_view s) {
  return wire::as_span(std::string_view(s.data(), s.size() + 1));
}

}  // namespace

Result<SessionKey> sign_key(const SessionKey& exported, Direction dir) {
  return evp::md5(exported,
                  dir == Direction::ClientToServer
                      ? magic("session key to client-to-server signing key magic constant")
                      : magic("session key to server-to-client signing key magic constant"));
}

Result<std::vector<std::byte>> seal_key(const SessionKey& exported, uint32_t flags, Direction dir) {
  size_t len = 5;  // 40-bit
  if (flags & ntlm_flag::k128) {
    len = 16;
  } else if (flags & ntlm_flag::k56) {
    len = 7;
  }
  auto k = evp::md5(ByteSpan(exported).first(len),
                    dir == Direction::ClientToServer
                        ? magic("session key to client-to-server sealing key magic constant")
                        : magic("session key to server-to-client sealing key magic constant"));
  if (!k) return k.status();
  return std::vector<std::byte>(k->begin(), k->end());
}

uint64_t filetime_now() {
  using namespace std::chrono;
  const auto ticks =
      duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count() / 100;
  return static_cast<uint64_t>(ticks) + 116444736000000000ULL;
}

bool has_header(ByteSpan msg, uint32_t type) {
  if (msg.size() < 12 || !std::equal(kSignature.begin(), kSignature.end(), msg.begin())) {
    return false;
  }
  uint32_t t = 0;
  return wire::get_u32(msg, 8, t) && t == type;
}

}  // namespace lwsmb::auth::ntlm
