#include "srv/srv_transform.hpp"

#include "lwsmb/auth/smb_transform.hpp"

namespace lwsmb::server {

std::optional<DecryptedRequest> decrypt_request(const ConnectionState& st,
                                                std::span<const std::byte> msg) {
  if (st.cipher == 0) return std::nullopt;
  auto sid = auth::transform_session_id(msg);
  if (!sid) return std::nullopt;
  auto it = st.sessions.find(*sid);
  if (it == st.sessions.end() || it->second->decryption_key.empty()) return std::nullopt;
  const Session& s = *it->second;
  auto plain = auth::open_message(static_cast<auth::SmbCipher>(st.cipher), s.decryption_key, msg);
  if (!plain) return std::nullopt;
  DecryptedRequest out;
  out.message = std::move(*plain);
  out.session_id = s.session_id;
  out.cipher = st.cipher;
  out.response_key = s.encryption_key;
  return out;
}

std::optional<std::vector<std::byte>> encrypt_response(const DecryptedRequest& req,
                                                       std::span<const std::byte> plain,
                                                       size_t headroom) {
  if (req.response_key.empty()) return std::nullopt;
  auto sealed = auth::seal_message(static_cast<auth::SmbCipher>(req.cipher), req.response_key,
                                   req.session_id, plain, headroom);
  if (!sealed) return std::nullopt;
  return std::move(*sealed);
}

bool encrypt_response_in_place(const DecryptedRequest& req, std::span<std::byte> buf,
                               std::span<std::byte> more) {
  if (req.response_key.empty()) return false;
  return auth::seal_in_place(static_cast<auth::SmbCipher>(req.cipher), req.response_key,
                             req.session_id, buf, more) == NtStatus::Success;
}

}  // namespace lwsmb::server
