#include "srv/srv_session_policy.hpp"

#include "lwsmb/iocore/log.hpp"
#include "srv/srv_file_util.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

std::optional<auth::KerberosAcceptorConfig> kerberos_config(SrvServer& server) {
  const auto& g = server.config().global;
  if (g.kerberos_keytab.empty()) return std::nullopt;
  auth::KerberosAcceptorConfig k;
  k.keytab = g.kerberos_keytab;
  k.realm = g.realm;
  SrvServer* srv = &server;
  k.user_exists = [srv](std::string_view user) {
    std::string name(user);
    if (auto e = srv->lookup_user(name); e && e->disabled()) return false;
    return lookup_unix_identity(name) != nullptr;
  };
  return k;
}

bool connection_can_encrypt(const ConnectionState& st) {
  return st.dialect >= smb2::dialect::kSmb300 && st.cipher != 0;
}

NtStatus check_session_setup_allowed(const ConnectionState& st, const GlobalConfig& g) {
  if (g.smb_encrypt == EncryptPolicy::Required && !connection_can_encrypt(st)) {
    return NtStatus::AccessDenied;
  }
  return NtStatus::Success;
}

NtStatus apply_session_policy(const ConnectionState& st, const GlobalConfig& g, Session& s,
                              const auth::AuthResult& result, uint16_t& session_flags) {
  if (result.kerberos && result.lifetime_seconds) {
    log::debug("session ", s.session_id, ": Kerberos ticket valid for ", *result.lifetime_seconds,
               " s");
    s.expires_at =
        std::chrono::steady_clock::now() + std::chrono::seconds(*result.lifetime_seconds);
  } else {
    s.expires_at.reset();
  }
  const bool nobody = result.guest || result.anonymous;
  const bool wanted =
      g.smb_encrypt == EncryptPolicy::Desired || g.smb_encrypt == EncryptPolicy::Required;
  if (!wanted) return NtStatus::Success;
  if (nobody || !connection_can_encrypt(st)) {
    return g.smb_encrypt == EncryptPolicy::Required ? NtStatus::AccessDenied : NtStatus::Success;
  }
  s.encrypt_data = true;
  s.reject_unencrypted = g.smb_encrypt == EncryptPolicy::Required;
  session_flags |= smb2::session_flag::kEncryptData;
  return NtStatus::Success;
}

NtStatus apply_share_policy(const ConnectionState& st, const ShareConfig& share, const Session& s,
                            TreeConnect& t, uint32_t& share_flags) {
  const bool wanted =
      share.smb_encrypt == EncryptPolicy::Desired || share.smb_encrypt == EncryptPolicy::Required;
  if (!wanted) return NtStatus::Success;
  const bool can = connection_can_encrypt(st) && !s.guest && !s.anonymous && !s.session_key.empty();
  if (!can) {
    if (share.smb_encrypt == EncryptPolicy::Required) {
      log::info("tree connect to [", share.name, "] refused: it requires encryption");
      return NtStatus::AccessDenied;
    }
    return NtStatus::Success;
  }
  share_flags |= smb2::share_flag::kEncryptData;
  t.encrypt_data = true;
  t.reject_unencrypted = share.smb_encrypt == EncryptPolicy::Required;
  return NtStatus::Success;
}

NtStatus check_request_policy(const Session& s, uint32_t tree_id, smb2::Command command,
                              bool encrypted) {
  using C = smb2::Command;
  if (s.expires_at && std::chrono::steady_clock::now() >= *s.expires_at && command != C::Logoff &&
      command != C::Close && command != C::Lock && command != C::SessionSetup) {
    return NtStatus::NetworkSessionExpired;
  }
  if (encrypted || command == C::SessionSetup || command == C::Negotiate) return NtStatus::Success;
  if (s.encrypt_data && s.reject_unencrypted) return NtStatus::AccessDenied;
  if (command == C::TreeConnect || command == C::Logoff) return NtStatus::Success;
  auto it = s.trees.find(tree_id);
  if (it != s.trees.end() && it->second.reject_unencrypted) return NtStatus::AccessDenied;
  return NtStatus::Success;
}

}  // namespace lwsmb::server
