#include "der.hpp"

namespace lwsmb::auth::der {

std::optional<Tlv> read(ByteSpan& in) {
  if (in.size() < 2) return std::nullopt;
  Tlv t;
  t.tag = std::to_integer<uint8_t>(in[0]);
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // high-tag-number form: never in SPNEGO
  size_t pos = 1;
  size_t len = std::to_integer<uint8_t>(in[pos++]);
  if (len & 0x80) {
    const size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() - pos < n) return std::nullopt;  // indefinite or too long
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | std::to_integer<uint8_t>(in[pos++]);
  }
  if (len > in.size() - pos) return std::nullopt;
  t.content = in.subspan(pos, len);
  t.whole = in.first(pos + len);
  in = in.subspan(pos + len);
  return t;
}

std::optional<ByteSpan> expect(ByteSpan& in, uint8_t tag) {
  auto t = read(in);
  if (!t || t->tag != tag) return std::nullopt;
  return t->content;
}

void write(Bytes& out, uint8_t tag, ByteSpan content) {
  wire::put_u8(out, tag);
  const size_t len = content.size();
  if (len < 0x80) {
    wire::put_u8(out, static_cast<uint8_t>(len));
  } else {
    int n = 0;
    for (size_t v = len; v; v >>= 8) ++n;
    wire::put_u8(out, static_cast<uint8_t>(0x80 | n));
    for (int i = n - 1; i >= 0; --i) wire::put_u8(out, static_cast<uint8_t>(len >> (8 * i)));
  }
  wire::put_bytes(out, content);
}

Bytes tlv(uint8_t tag, ByteSpan content) {
  Bytes out;
  write(out, tag, content);
  return out;
}

}  // namespace lwsmb::auth::der
