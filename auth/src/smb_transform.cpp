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

Result<std::vector<std::byte>> seal_message(SmbCipher cipher, std::span<const std::byte> key,
                                            uint64_t session_id, std::span<const std::byte> plain,
                                            size_t headroom) {
  if (!is_known_cipher(static_cast<uint16_t>(cipher)) || key.size() != cipher_key_size(cipher) ||
      plain.empty() || plain.size() > UINT32_MAX) {
    return NtStatus::InvalidParameter;
  }
  smb2::TransformHeader th;
  th.original_message_size = static_cast<uint32_t>(plain.size());
  th.flags = smb2::transform_flag::kEncrypted;
  th.session_id = session_id;
  const size_t nonce_len = cipher_nonce_size(cipher);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(th.nonce.data()), static_cast<int>(nonce_len)) !=
      1) {
    return NtStatus::InternalError;
  }
  std::vector<std::byte> buf(headroom + smb2::kTransformHeaderSize + plain.size());
  const auto out = std::span(buf).subspan(headroom);
  std::copy(plain.begin(), plain.end(), out.begin() + smb2::kTransformHeaderSize);
  smb2::encode_transform_header(th, out);
  const auto aad =
      std::span<const std::byte>(out).subspan(kAadOffset, smb2::kTransformHeaderSize - kAadOffset);
  auto tag = smb_encrypt(cipher, key, std::span(th.nonce).first(nonce_len), aad,
                         out.subspan(smb2::kTransformHeaderSize));
  if (!tag) return tag.status();
  std::copy(tag->begin(), tag->end(), out.begin() + kSignatureOffset);
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
