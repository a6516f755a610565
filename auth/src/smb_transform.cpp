#include "lwsmb/auth/smb_transform.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::auth {

namespace smb2 = proto::smb2;

namespace {

// The AAD is the transform header from Nonce to its end: all but ProtocolId and Signature.
constexpr size_t kAadOffset = 20;
constexpr size_t kSignatureOffset = 4;

Result<smb2::TransformHeader> checked_header(std::span<const std::byte> frame) {
  if (frame.size() < smb2::kTransformHeaderSize + smb2::kHeaderSize) {
    return NtStatus::InvalidParameter;
  }
  auto th = smb2::decode_transform_header(frame);
  if (!th) return NtStatus::InvalidParameter;
  if (th->flags != smb2::transform_flag::kEncrypted ||
      th->original_message_size != frame.size() - smb2::kTransformHeaderSize) {
    return NtStatus::InvalidParameter;
  }
  return *th;
}

}  // namespace

NtStatus seal_in_place(SmbCipher cipher, std::span<const std::byte> key, uint64_t session_id,
                       std::span<std::byte> buf, std::span<std::byte> more) {
  if (buf.size() < smb2::kTransformHeaderSize) return NtStatus::InvalidParameter;
  const size_t plain_size = buf.size() - smb2::kTransformHeaderSize + more.size();
  if (!is_known_cipher(static_cast<uint16_t>(cipher)) || key.size() != cipher_key_size(cipher) ||
      plain_size == 0 || plain_size > UINT32_MAX) {
    return NtStatus::InvalidParameter;
  }
  smb2::TransformHeader th;
  th.original_message_size = static_cast<uint32_t>(plain_size);
  th.flags = smb2::transform_flag::kEncrypted;
  th.session_id = session_id;
  const size_t nonce_len = cipher_nonce_size(cipher);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(th.nonce.data()), static_cast<int>(nonce_len)) !=
      1) {
    return NtStatus::InternalError;
  }
  smb2::encode_transform_header(th, buf);
  const auto aad =
      std::span<const std::byte>(buf).subspan(kAadOffset, smb2::kTransformHeaderSize - kAadOffset);
  const std::span<std::byte> parts[2] = {buf.subspan(smb2::kTransformHeaderSize), more};
  auto tag = smb_encrypt_parts(cipher, key, std::span(th.nonce).first(nonce_len), aad,
                               std::span(parts, more.empty() ? 1 : 2));
  if (!tag) return tag.status();
  std::copy(tag->begin(), tag->end(), buf.begin() + kSignatureOffset);
  return NtStatus::Success;
}

Result<std::vector<std::byte>> seal_message(SmbCipher cipher, std::span<const std::byte> key,
                                            uint64_t session_id, std::span<const std::byte> plain,
                                            size_t headroom) {
  if (plain.empty()) return NtStatus::InvalidParameter;
  std::vector<std::byte> buf(headroom + smb2::kTransformHeaderSize + plain.size());
  std::copy(plain.begin(), plain.end(),
            buf.begin() + static_cast<std::ptrdiff_t>(headroom + smb2::kTransformHeaderSize));
  NtStatus st = seal_in_place(cipher, key, session_id, std::span(buf).subspan(headroom));
  if (st != NtStatus::Success) return st;
  return buf;
}

Result<uint64_t> transform_session_id(std::span<const std::byte> frame) {
  auto th = checked_header(frame);
  if (!th) return th.status();
  return th->session_id;
}

Result<std::vector<std::byte>> open_message(SmbCipher cipher, std::span<const std::byte> key,
                                            std::span<const std::byte> frame) {
  auto th = checked_header(frame);
  if (!th) return th.status();
  if (!is_known_cipher(static_cast<uint16_t>(cipher)) || key.size() != cipher_key_size(cipher)) {
    return NtStatus::InvalidParameter;
  }
  std::vector<std::byte> plain(frame.begin() + smb2::kTransformHeaderSize, frame.end());
  EncryptionTag tag;
  std::copy(th->signature.begin(), th->signature.end(), tag.begin());
  const auto aad = frame.subspan(kAadOffset, smb2::kTransformHeaderSize - kAadOffset);
  const auto nonce = std::span<const std::byte>(th->nonce).first(cipher_nonce_size(cipher));
  NtStatus st = smb_decrypt(cipher, key, nonce, aad, plain, tag);
  if (st != NtStatus::Success) return st;
  return plain;
}

}  // namespace lwsmb::auth
