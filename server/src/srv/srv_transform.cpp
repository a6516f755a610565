#include "srv/srv_transform.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

// The AAD is the transform header from Nonce to the end: everything but ProtocolId and
// Signature (MS-SMB2 3.1.4.3).
constexpr size_t kAadOffset = 20;

}  // namespace

std::optional<DecryptedRequest> decrypt_request(const ConnectionState& st,
                                                std::span<const std::byte> msg) {
  if (st.cipher == 0 || msg.size() <= smb2::kTransformHeaderSize) return std::nullopt;
  auto th = smb2::decode_transform_header(msg);
  if (!th || th->flags != smb2::transform_flag::kEncrypted) return std::nullopt;
  const auto body = msg.subspan(smb2::kTransformHeaderSize);
  if (th->original_message_size != body.size() || th->original_message_size < smb2::kHeaderSize) {
    return std::nullopt;
  }
  auto it = st.sessions.find(th->session_id);
  if (it == st.sessions.end() || it->second->decryption_key.empty()) return std::nullopt;
  const Session& s = *it->second;
  const auto cipher = static_cast<auth::SmbCipher>(st.cipher);
  DecryptedRequest out;
  out.message.assign(body.begin(), body.end());
  out.session_id = s.session_id;
  out.cipher = st.cipher;
  out.response_key = s.encryption_key;
  auth::EncryptionTag tag;
  std::copy(th->signature.begin(), th->signature.end(), tag.begin());
  const auto nonce = std::span<const std::byte>(th->nonce).first(auth::cipher_nonce_size(cipher));
  const auto aad = msg.subspan(kAadOffset, smb2::kTransformHeaderSize - kAadOffset);
  if (auth::smb_decrypt(cipher, s.decryption_key, nonce, aad, out.message, tag) !=
      NtStatus::Success) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::byte>> encrypt_response(const DecryptedRequest& req,
                                                       std::span<const std::byte> plain,
                                                       size_t headroom) {
  if (req.response_key.empty() || plain.empty() || plain.size() > UINT32_MAX) return std::nullopt;
  const auto cipher = static_cast<auth::SmbCipher>(req.cipher);
  smb2::TransformHeader th;
  th.original_message_size = static_cast<uint32_t>(plain.size());
  th.flags = smb2::transform_flag::kEncrypted;
  th.session_id = req.session_id;
  const size_t nonce_len = auth::cipher_nonce_size(cipher);
  // Random nonces: 88 or 96 bits keep collisions out of reach for any connection's lifetime.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(th.nonce.data()), static_cast<int>(nonce_len)) !=
      1) {
    return std::nullopt;
  }
  std::vector<std::byte> buf(headroom + smb2::kTransformHeaderSize + plain.size());
  const auto out = std::span(buf).subspan(headroom);
  std::copy(plain.begin(), plain.end(), out.begin() + smb2::kTransformHeaderSize);
  smb2::encode_transform_header(th, out);
  const auto aad =
      std::span<const std::byte>(out).subspan(kAadOffset, smb2::kTransformHeaderSize - kAadOffset);
  auto tag = auth::smb_encrypt(cipher, req.response_key, std::span(th.nonce).first(nonce_len), aad,
                               out.subspan(smb2::kTransformHeaderSize));
  if (!tag) return std::nullopt;
  std::copy(tag->begin(), tag->end(), out.begin() + 4);  // Signature follows ProtocolId
  return buf;
}

}  // namespace lwsmb::server
