// Minimal DER for SPNEGO (X.690 8.1): single-byte tags, definite lengths up to 2^32-1, every
// length checked against what is left. No recursion: callers walk the fixed SPNEGO grammar.
#pragma once

#include <cstdint>
#include <optional>

#include "wire.hpp"

namespace lwsmb::auth::der {

using wire::Bytes;
using wire::ByteSpan;

struct Tlv {
  uint8_t tag = 0;
  ByteSpan content;
  ByteSpan whole;  // tag, length and content
};

// Reads one TLV from the front of `in` and advances `in` past it. nullopt when the encoding is
// truncated, uses the indefinite form, a multi-byte tag, or a length past the end.
std::optional<Tlv> read(ByteSpan& in);
// Reads one TLV that must carry `tag`; returns its content.
std::optional<ByteSpan> expect(ByteSpan& in, uint8_t tag);

void write(Bytes& out, uint8_t tag, ByteSpan content);
Bytes tlv(uint8_t tag, ByteSpan content);

}  // namespace lwsmb::auth::der
