// NEGOTIATE (MS-SMB2 3.3.5.3, 3.3.5.4) and the answer to an SMB1 multi-protocol negotiate.
#include <openssl/rand.h>

#include <chrono>

#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

constexpr uint32_t kMaxIo = 8 * 1024 * 1024;  // multi-credit reads and writes up to 8 MiB
constexpr uint32_t kMaxIo202 = 64 * 1024;

uint64_t filetime_now() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return static_cast<uint64_t>(
      proto::fscc::filetime_from_unix(ns / 1'000'000'000, ns % 1'000'000'000));
}

smb2::NegotiateResponse base_response(SmbConnection& conn, uint16_t dialect) {
  const auto& g = conn.server().config().global;
  smb2::NegotiateResponse r;
  r.security_mode = smb2::security_mode::kSigningEnabled;
  if (g.server_signing == SigningPolicy::Mandatory) {
    r.security_mode |= smb2::security_mode::kSigningRequired;
  }
  r.dialect_revision = dialect;
  r.server_guid = conn.server().server_guid();
  r.capabilities = dialect >= smb2::dialect::kSmb210 ? smb2::capability::kLargeMtu : 0;
  const uint32_t max = dialect == smb2::dialect::kSmb202 ? kMaxIo202 : kMaxIo;
  r.max_transact_size = max;
  r.max_read_size = max;
  r.max_write_size = max;
  r.system_time = filetime_now();
  r.server_start_time = 0;
  return r;
}

}  // namespace

std::vector<std::byte> smb1_negotiate_answer(SmbConnection& conn,
                                             const std::vector<std::string>& dialects, bool* ok) {
  auto& st = conn.state();
  const auto& g = conn.server().config().global;
  bool wildcard = false, d202 = false;
  for (const auto& d : dialects) {
    if (d == "SMB 2.???") wildcard = true;
    if (d == "SMB 2.002") d202 = true;
  }
  uint16_t dialect = 0;
  if (wildcard && g.server_max_protocol >= smb2::dialect::kSmb210) {
    dialect = smb2::dialect::kWildcard;
  } else if (d202 && g.server_min_protocol <= smb2::dialect::kSmb202) {
    dialect = smb2::dialect::kSmb202;
  }
  *ok = dialect != 0;
  if (!*ok) return {};
  // The SMB1 negotiate used message id 0 (MS-SMB2 3.3.5.3.1); the client continues at 1.
  st.credit_low = 1;
  st.credits_granted = 1;
  if (dialect == smb2::dialect::kSmb202) {
    st.negotiated = true;
    st.dialect = dialect;
    st.signing_algorithm = auth::SigningAlgorithm::HmacSha256;
  }
  auto resp = base_response(conn, dialect);
  auto token = auth::SpnegoServer::negotiate_token(!g.kerberos_keytab.empty());
  resp.security_buffer = token;
  smb2::Header h;
  h.command = smb2::Command::Negotiate;
  h.flags = smb2::header_flag::kServerToRedir;
  h.credit_request_response = 1;
  std::vector<std::byte> out;
  if (smb2::append_message(h, resp, out) != NtStatus::Success) *ok = false;
  return out;
}

Task<NtStatus> handle_negotiate(SmbRequest& req) {
  auto& conn = req.conn;
  auto& st = conn.state();
  const auto& g = conn.server().config().global;
  if (st.negotiated) {
    // A second NEGOTIATE on a connection ends it (MS-SMB2 3.3.5.3).
    conn.close();
    co_return NtStatus::InvalidParameter;
  }
  auto r = smb2::decode_negotiate_request(req.msg);
  if (!r) co_return r.status();
  uint16_t dialect = 0;
  for (uint16_t d : r->dialects) {
    if (d >= g.server_min_protocol && d <= g.server_max_protocol && d > dialect &&
        (d == smb2::dialect::kSmb202 || d == smb2::dialect::kSmb210 ||
         d == smb2::dialect::kSmb300 || d == smb2::dialect::kSmb302 ||
         d == smb2::dialect::kSmb311)) {
      dialect = d;
    }
  }
  if (dialect == 0) {
    log::info("connection ", conn.id(), ": no common dialect");
    co_return NtStatus::NotSupported;
  }
  auto resp = base_response(conn, dialect);
  uint16_t cipher = 0;
  // "server smb encrypt = off": no cipher, so no encrypted session can exist.
  const bool offer_encryption = g.smb_encrypt != EncryptPolicy::Off;
  if ((dialect == smb2::dialect::kSmb300 || dialect == smb2::dialect::kSmb302) &&
      offer_encryption && (r->capabilities & smb2::capability::kEncryption)) {
    // 3.0 and 3.0.2 know AES-128-CCM only, announced by capability (MS-SMB2 3.3.5.4).
    resp.capabilities |= smb2::capability::kEncryption;
    cipher = static_cast<uint16_t>(auth::SmbCipher::Aes128Ccm);
  }
  auth::SigningAlgorithm signing = dialect >= smb2::dialect::kSmb300
                                       ? auth::SigningAlgorithm::AesCmac
                                       : auth::SigningAlgorithm::HmacSha256;
  if (dialect == smb2::dialect::kSmb311) {
    // MS-SMB2 3.3.5.4: SHA-512 preauth integrity is mandatory.
    const auto* pc =
        smb2::find_context(r->contexts, smb2::negotiate_context::kPreauthIntegrityCapabilities);
    if (!pc) co_return NtStatus::InvalidParameter;
    auto pre = smb2::decode_preauth_integrity(pc->data);
    if (!pre) co_return NtStatus::InvalidParameter;
    bool sha512 = false;
    for (auto a : pre->hash_algorithms) sha512 |= a == smb2::hash_algorithm::kSha512;
    if (!sha512) co_return NtStatus::NotSupported;
    smb2::PreauthIntegrityCapabilities mine;
    mine.hash_algorithms = {smb2::hash_algorithm::kSha512};
    mine.salt.resize(32);
    RAND_bytes(reinterpret_cast<unsigned char*>(mine.salt.data()), 32);
    resp.contexts.push_back(smb2::to_context(mine));
    if (const auto* ec =
            smb2::find_context(r->contexts, smb2::negotiate_context::kEncryptionCapabilities)) {
      auto enc = smb2::decode_encryption_capabilities(ec->data);
      if (!enc) co_return NtStatus::InvalidParameter;
      // MS-SMB2 3.3.5.4: one cipher out of the client's list (its first we know), or 0 for none
      // in common.
      for (auto c : enc->ciphers) {
        if (offer_encryption && auth::is_known_cipher(c)) {
          cipher = c;
          break;
        }
      }
      resp.contexts.push_back(smb2::to_context(smb2::EncryptionCapabilities{{cipher}}));
    }
    if (const auto* sc =
            smb2::find_context(r->contexts, smb2::negotiate_context::kSigningCapabilities)) {
      auto caps = smb2::decode_signing_capabilities(sc->data);
      if (!caps) co_return NtStatus::InvalidParameter;
      // MS-SMB2 3.3.5.4: the first algorithm in the client's order that we support; AES-CMAC
      // when there is none in common (clients may offer a single one, HMAC-SHA256 included).
      uint16_t pick = smb2::signing_algorithm::kAesCmac;
      for (auto a : caps->algorithms) {
        if (a == smb2::signing_algorithm::kHmacSha256 || a == smb2::signing_algorithm::kAesCmac ||
            a == smb2::signing_algorithm::kAesGmac) {
          pick = a;
          break;
        }
      }
      signing = static_cast<auth::SigningAlgorithm>(pick);
      resp.contexts.push_back(smb2::to_context(smb2::SigningCapabilities{{pick}}));
    }
    st.preauth.update(req.msg);
    req.after_response_hook = [&st](std::span<const std::byte> m) { st.preauth.update(m); };
  }
  st.negotiated = true;
  st.dialect = dialect;
  st.signing_algorithm = signing;
  st.cipher = cipher;
  st.server_capabilities = resp.capabilities;
  log::info("connection ", conn.id(), ": dialect ", dialect, " client capabilities ",
            r->capabilities, " cipher ", cipher, " signing ", static_cast<int>(signing));
  st.client_capabilities = r->capabilities;
  st.client_security_mode = r->security_mode;
  st.client_guid = r->client_guid;
  st.client_dialects = r->dialects;
  // security_buffer is a view: the token must outlive the encoding below.
  static const auto ntlm_only = auth::SpnegoServer::negotiate_token(false);
  static const auto with_krb5 = auth::SpnegoServer::negotiate_token(true);
  resp.security_buffer = g.kerberos_keytab.empty() ? ntlm_only : with_krb5;
  co_return smb2::encode_body(resp, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
