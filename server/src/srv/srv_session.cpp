// SESSION_SETUP, LOGOFF (MS-SMB2 3.3.5.5, 3.3.5.6) and ECHO.
#include <openssl/rand.h>

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_async.hpp"
#include "srv/srv_file_util.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"
#include "srv/srv_session_policy.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

std::u16string to_u16(std::string_view s) {
  return proto::fscc::utf8_to_utf16(s).value_or(std::u16string());
}

// The Unix identity files are created with: the account of the same name, else the passdb uid.
std::shared_ptr<const SecurityContext> unix_identity(const std::string& user, uint32_t fallback) {
  if (auto ctx = lookup_unix_identity(user)) return ctx;
  auto ctx = std::make_shared<SecurityContext>();
  ctx->uid = fallback;
  ctx->gid = fallback;
  return ctx;
}

std::shared_ptr<const SecurityContext> guest_identity() {
  return unix_identity("nobody", 65534);
}

auth::NtlmServerConfig ntlm_config(SmbConnection& conn) {
  const auto& g = conn.server().config().global;
  auth::NtlmServerConfig c;
  c.netbios_domain = to_u16(g.workgroup);
  c.netbios_computer = to_u16(g.netbios_name);
  c.dns_domain = to_u16("localdomain");
  c.dns_computer = to_u16(g.netbios_name);
  c.allow_guest = g.map_to_guest == MapToGuest::BadUser;
  // Null sessions log on as Samba allows them; shares still refuse them unless "guest ok".
  c.allow_anonymous = true;
  SrvServer* server = &conn.server();
  c.lookup_nt_hash = [server](std::u16string_view user,
                              std::u16string_view) -> std::optional<auth::NtHash> {
    auto name = proto::fscc::utf16_to_utf8(user);
    if (!name) return std::nullopt;
    auto e = server->lookup_user(*name);
    if (!e || e->disabled() || !e->nt_hash) return std::nullopt;
    return *e->nt_hash;
  };
  return c;
}

uint64_t new_session_id(ConnectionState& st) {
  for (;;) {
    uint64_t id = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id);
    id &= 0x0000FFFFFFFFFFFFull;  // keep clear of the all-ones "related" value
    if (id != 0 && !st.sessions.count(id)) return id;
  }
}

void log_security_buffer(std::span<const std::byte> buf) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (auto b : buf) {
    hex += digits[std::to_integer<int>(b) >> 4];
    hex += digits[std::to_integer<int>(b) & 15];
  }
  log::emit(log::Level::Trace, "security buffer: ", hex);
}

// Ends a session and closes its opens (their handles close through RAII).
void drop_session(ConnectionState& st, uint64_t sid) {
  for (auto it = st.opens.begin(); it != st.opens.end();) {
    it = it->second->session_id == sid ? st.opens.erase(it) : std::next(it);
  }
  st.sessions.erase(sid);
}

}  // namespace

Task<NtStatus> handle_session_setup(SmbRequest& req) {
  auto& conn = req.conn;
  auto& st = conn.state();
  const auto& g = conn.server().config().global;
  auto r = smb2::decode_session_setup_request(req.msg);
  if (!r) co_return r.status();
  if (r->flags & smb2::session_setup_flag::kBinding) co_return NtStatus::RequestNotAccepted;
  if (auto e = check_session_setup_allowed(st, g); e != NtStatus::Success) co_return e;

  Session* s = nullptr;
  if (req.session_id == 0) {
    auto fresh = std::make_unique<Session>();
    fresh->session_id = new_session_id(st);
    fresh->preauth = st.preauth;
    s = fresh.get();
    st.sessions[s->session_id] = std::move(fresh);
  } else {
    auto it = st.sessions.find(req.session_id);
    if (it == st.sessions.end()) co_return NtStatus::UserSessionDeleted;
    s = it->second.get();
  }
  // Re-authentication (MS-SMB2 3.3.5.5.2): a fresh exchange on a live session, which keeps
  // serving requests meanwhile and keeps its keys; the preauth hash only feeds key derivation.
  const bool reauth = s->phase != Session::Phase::InProgress;
  const uint64_t sid = s->session_id;
  req.session_id = sid;
  req.response_session_id = sid;
  if (!s->auth) {
    s->auth =
        std::make_unique<auth::SpnegoServer>(ntlm_config(conn), kerberos_config(conn.server()));
  }
  const bool hash = st.dialect == smb2::dialect::kSmb311 && !reauth;
  if (hash) s->preauth.update(req.msg);

  auto step = s->auth->step(r->security_buffer);
  // A failed authentication ends the session, a re-authenticated one included (MS-SMB2
  // 3.3.5.5.3); its opens close with it.
  auto fail = [&](NtStatus status) {
    drop_session(st, sid);
    return status;
  };
  if (!step) {
    NtStatus status = step.status();
    log::info("connection ", conn.id(), ": authentication failed: ", ntstatus_name(status));
    if (log::enabled(log::Level::Trace)) log_security_buffer(r->security_buffer);
    if (status != NtStatus::LogonFailure && status != NtStatus::InvalidParameter) {
      status = NtStatus::LogonFailure;
    }
    co_return fail(status);
  }
  smb2::SessionSetupResponse resp;
  resp.security_buffer = step->output;
  if (!step->done) {
    if (hash) {
      req.after_response_hook = [&st, sid](std::span<const std::byte> m) {
        auto it = st.sessions.find(sid);
        if (it != st.sessions.end()) it->second->preauth.update(m);
      };
    }
    auto e = smb2::encode_body(resp, req.out(), req.msg_start);
    if (e != NtStatus::Success) co_return fail(e);
    co_return NtStatus::MoreProcessingRequired;
  }

  const auto& result = *step->result;
  const bool nobody = result.guest || result.anonymous;
  auto user = proto::fscc::utf16_to_utf8(result.user).value_or("");
  if (reauth && !nobody && !s->user.empty() && user != s->user) {
    // A re-authentication may drop to guest/anonymous but not switch to another account.
    log::info("connection ", conn.id(), ": re-authentication as '", user, "' on a session of '",
              s->user, "' refused");
    co_return fail(NtStatus::AccessDenied);
  }
  if (g.server_signing == SigningPolicy::Mandatory && nobody && !reauth) {
    co_return fail(NtStatus::AccessDenied);
  }
  if (auto e = apply_session_policy(st, g, *s, result, resp.session_flags);
      e != NtStatus::Success) {
    co_return fail(e);
  }
  s->guest = result.guest;
  s->anonymous = result.anonymous;
  if (nobody) {
    s->identity = guest_identity();
    resp.session_flags = result.guest ? smb2::session_flag::kIsGuest : smb2::session_flag::kIsNull;
  } else {
    s->user = user;
    s->domain = proto::fscc::utf16_to_utf8(result.domain).value_or("");
    auto e = conn.server().lookup_user(user);
    s->identity = unix_identity(user, e ? e->uid : 65534);
  }
  if (!reauth && !nobody) {
    s->session_key.assign(result.session_key.begin(), result.session_key.end());
    if (st.dialect >= smb2::dialect::kSmb300) {
      const auto cipher = static_cast<auth::SmbCipher>(st.cipher);
      const auto bits = st.cipher != 0 && auth::cipher_key_size(cipher) == 32
                            ? auth::SmbCipherKeyBits::Aes256
                            : auth::SmbCipherKeyBits::Aes128;
      auto keys = auth::derive_smb3_keys(s->session_key, st.dialect, s->preauth.value(), bits);
      if (!keys) co_return fail(NtStatus::InternalError);
      s->signing_key = keys->signing;
      if (st.cipher != 0) {
        s->encryption_key = keys->server_to_client;
        s->decryption_key = keys->client_to_server;
      }
    } else {
      s->signing_key = s->session_key;
    }
    s->signing_required = g.server_signing == SigningPolicy::Mandatory ||
                          (r->security_mode & smb2::security_mode::kSigningRequired) != 0 ||
                          (st.client_security_mode & smb2::security_mode::kSigningRequired) != 0;
    if (g.server_signing == SigningPolicy::Disabled &&
        !(st.client_security_mode & smb2::security_mode::kSigningRequired)) {
      s->signing_required = false;
    }
    // The final response proves the key to the client (MS-SMB2 3.3.5.5.3).
    req.sign_response = st.dialect >= smb2::dialect::kSmb300 || s->signing_required;
  }
  // A re-authentication's final response is signed too, with the session's unchanged keys
  // (MS-SMB2 3.3.5.5.3); clients insist on it after NETWORK_SESSION_EXPIRED.
  if (reauth && !nobody && st.dialect >= smb2::dialect::kSmb300 && !s->signing_key.empty()) {
    req.sign_response = true;
  }
  s->auth.reset();
  s->phase = Session::Phase::Valid;
  log::info("connection ", conn.id(),
            reauth ? ": session re-authenticated for '" : ": session for '",
            nobody ? std::string(result.guest ? "guest" : "anonymous") : s->user, "'",
            s->signing_required ? " signed" : "");
  co_return smb2::encode_body(resp, req.out(), req.msg_start);
}

Task<NtStatus> handle_logoff(SmbRequest& req) {
  auto r = smb2::decode_logoff_request(req.msg);
  if (!r) co_return r.status();
  co_await cancel_session_requests(req.conn, req.session_id);
  drop_session(req.conn.state(), req.session_id);
  log::debug("connection ", req.conn.id(), ": LOGOFF of session ", req.session_id);
  co_return smb2::encode_body(smb2::LogoffResponse{}, req.out(), req.msg_start);
}

Task<NtStatus> handle_echo(SmbRequest& req) {
  auto r = smb2::decode_echo_request(req.msg);
  if (!r) co_return r.status();
  co_return smb2::encode_body(smb2::EchoResponse{}, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
