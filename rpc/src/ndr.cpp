#include "lwsmb/rpc/ndr.hpp"

#include <cstring>

namespace lwsmb::rpc {

std::u16string utf8_to_utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      ++i;
    } else {
      cp = len == 1 ? c : c & (0x7F >> len);
      bool ok = true;
      for (size_t k = 1; k < len; ++k) {
        auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) ok = false;
        cp = cp << 6 | (b & 0x3F);
      }
      if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) cp = 0xFFFD;
      i += ok ? len : 1;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

std::string utf16_to_utf8(std::u16string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t cp = s[i];
    if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp < 0xE000) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

void NdrWriter::align(size_t n) {
  while (out_.size() % n) out_.push_back(std::byte{0});
}

void NdrWriter::u8(uint8_t v) {
  out_.push_back(static_cast<std::byte>(v));
}

void NdrWriter::u16(uint16_t v) {
  align(2);
  for (int i = 0; i < 2; ++i) out_.push_back(static_cast<std::byte>(v >> (8 * i)));
}

void NdrWriter::u32(uint32_t v) {
  align(4);
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::byte>(v >> (8 * i)));
}

void NdrWriter::u64(uint64_t v) {
  align(8);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::byte>(v >> (8 * i)));
}

void NdrWriter::pointer(bool present) {
  if (!present) {
    u32(0);
    return;
  }
  u32(next_referent_);
  next_referent_ += 4;
}

void NdrWriter::conformant_varying_string(std::u16string_view s, bool with_nul) {
  const auto count = static_cast<uint32_t>(s.size() + (with_nul ? 1 : 0));
  u32(count);  // max_count
  u32(0);      // offset
  u32(count);  // actual_count
  for (char16_t c : s) u16(static_cast<uint16_t>(c));
  if (with_nul) u16(0);
}

void NdrWriter::bytes(std::span<const std::byte> b) {
  out_.insert(out_.end(), b.begin(), b.end());
}

bool NdrReader::bytes(std::span<std::byte> out) {
  return take(out.data(), out.size());
}

bool NdrReader::array_count(uint32_t* count, size_t min_element_size) {
  if (!u32(count)) return false;
  if (min_element_size != 0 && remaining() / min_element_size < *count) return ok_ = false;
  return true;
}

bool NdrReader::take(void* dst, size_t n) {
  if (!ok_ || remaining() < n) {
    ok_ = false;
    return false;
  }
  std::memcpy(dst, in_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool NdrReader::align(size_t n) {
  size_t pad = (n - pos_ % n) % n;
  if (!ok_ || remaining() < pad) return ok_ = false;
  pos_ += pad;
  return true;
}

bool NdrReader::u8(uint8_t* v) {
  return take(v, 1);
}

bool NdrReader::u16(uint16_t* v) {
  uint8_t b[2];
  if (!align(2) || !take(b, 2)) return false;
  *v = static_cast<uint16_t>(b[0] | b[1] << 8);
  return true;
}

bool NdrReader::u32(uint32_t* v) {
  uint8_t b[4];
  if (!align(4) || !take(b, 4)) return false;
  *v = static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
       static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
  return true;
}

bool NdrReader::u64(uint64_t* v) {
  uint32_t lo, hi;
  if (!align(8) || !u32(&lo) || !u32(&hi)) return false;
  *v = static_cast<uint64_t>(hi) << 32 | lo;
  return true;
}

bool NdrReader::pointer(bool* present) {
  uint32_t ref;
  if (!u32(&ref)) return false;
  *present = ref != 0;
  return true;
}

bool NdrReader::conformant_varying_string(std::u16string* s, uint32_t max_units) {
  uint32_t max_count, offset, actual;
  if (!u32(&max_count) || !u32(&offset) || !u32(&actual)) return false;
  // C706 14.3.3.4: the transmitted part must lie inside the conformant size.
  if (offset != 0 || actual > max_count || max_count > max_units || remaining() / 2 < actual) {
    return ok_ = false;
  }
  s->clear();
  s->reserve(actual);
  for (uint32_t i = 0; i < actual; ++i) {
    uint16_t c;
    if (!u16(&c)) return false;
    s->push_back(static_cast<char16_t>(c));
  }
  if (!s->empty() && s->back() == u'\0') s->pop_back();
  return true;
}

}  // namespace lwsmb::rpc
