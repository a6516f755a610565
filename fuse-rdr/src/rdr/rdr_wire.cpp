#include "rdr/rdr_wire.hpp"

#include <algorithm>

#include "lwsmb/auth/smb_encryption.hpp"
#include "lwsmb/auth/smb_transform.hpp"

namespace lwsmb::fuse_rdr {

namespace {

constexpr uint16_t kAllDialects[] = {smb2::dialect::kSmb202, smb2::dialect::kSmb210,
                                     smb2::dialect::kSmb300, smb2::dialect::kSmb302,
                                     smb2::dialect::kSmb311};

}  // namespace

std::vector<uint16_t> offered_dialects(uint16_t min_dialect, uint16_t max_dialect) {
  std::vector<uint16_t> out;
  for (uint16_t d : kAllDialects) {
    if (d >= min_dialect && d <= max_dialect) out.push_back(d);
  }
  return out;
}

Result<smb2::NegotiateRequest> build_negotiate_request(const NegotiateOffer& offer) {
  smb2::NegotiateRequest r;
  r.dialects = offered_dialects(offer.min_dialect, offer.max_dialect);
  if (r.dialects.empty()) return NtStatus::InvalidParameter;
  r.security_mode = smb2::security_mode::kSigningEnabled;
  if (offer.require_signing) r.security_mode |= smb2::security_mode::kSigningRequired;
  r.client_guid = offer.client_guid;
  if (offer.max_dialect >= smb2::dialect::kSmb210) r.capabilities |= smb2::capability::kLargeMtu;
  if (offer.max_dialect >= smb2::dialect::kSmb300) {
    r.capabilities |= smb2::capability::kEncryption;
    r.capabilities |= smb2::capability::kLeasing;  // rdr_lease.cpp
  }
  if (std::find(r.dialects.begin(), r.dialects.end(), smb2::dialect::kSmb311) != r.dialects.end()) {
    smb2::PreauthIntegrityCapabilities pre;
    pre.hash_algorithms = {smb2::hash_algorithm::kSha512};
    pre.salt = offer.salt;
    if (pre.salt.empty()) pre.salt.resize(32);
    r.contexts.push_back(smb2::to_context(pre));
    // Our order of preference; the server picks (MS-SMB2 3.3.5.4).
    r.contexts.push_back(smb2::to_context(
        smb2::EncryptionCapabilities{{smb2::cipher::kAes128Gcm, smb2::cipher::kAes128Ccm,
                                      smb2::cipher::kAes256Gcm, smb2::cipher::kAes256Ccm}}));
    r.contexts.push_back(smb2::to_context(smb2::SigningCapabilities{
        {smb2::signing_algorithm::kAesGmac, smb2::signing_algorithm::kAesCmac,
         smb2::signing_algorithm::kHmacSha256}}));
  }
  return r;
}

Result<Negotiated> accept_negotiate_response(std::span<const std::byte> msg,
                                             const NegotiateOffer& offer) {
  auto h = smb2::decode_header(msg);
  if (!h || !h->is_response() || h->command != smb2::Command::Negotiate) {
    return NtStatus::InvalidNetworkResponse;
  }
  if (h->status != 0) {
    auto st = static_cast<NtStatus>(h->status);
    return nt_success(st) ? NtStatus::InvalidNetworkResponse : st;
  }
  auto r = smb2::decode_negotiate_response(msg);
  if (!r) return NtStatus::InvalidNetworkResponse;
  auto offered = offered_dialects(offer.min_dialect, offer.max_dialect);
  if (std::find(offered.begin(), offered.end(), r->dialect_revision) == offered.end()) {
    return NtStatus::InvalidNetworkResponse;
  }
  Negotiated n;
  n.dialect = r->dialect_revision;
  n.security_mode = r->security_mode;
  n.server_guid = r->server_guid;
  n.capabilities = r->capabilities;
  n.max_transact_size = r->max_transact_size;
  n.max_read_size = r->max_read_size;
  n.max_write_size = r->max_write_size;
  if (n.max_read_size < 4096 || n.max_write_size < 4096 || n.max_transact_size < 4096) {
    return NtStatus::InvalidNetworkResponse;
  }
  n.security_buffer.assign(r->security_buffer.begin(), r->security_buffer.end());
  n.signing = n.dialect >= smb2::dialect::kSmb300 ? auth::SigningAlgorithm::AesCmac
                                                  : auth::SigningAlgorithm::HmacSha256;
  if (n.dialect == smb2::dialect::kSmb300 || n.dialect == smb2::dialect::kSmb302) {
    if (n.capabilities & smb2::capability::kEncryption) n.cipher = smb2::cipher::kAes128Ccm;
  }
  if (n.dialect == smb2::dialect::kSmb311) {
    const auto* pc =
        smb2::find_context(r->contexts, smb2::negotiate_context::kPreauthIntegrityCapabilities);
    if (!pc) return NtStatus::InvalidNetworkResponse;
    auto pre = smb2::decode_preauth_integrity(pc->data);
    if (!pre || pre->hash_algorithms.size() != 1 ||
        pre->hash_algorithms[0] != smb2::hash_algorithm::kSha512) {
      return NtStatus::InvalidNetworkResponse;
    }
    if (const auto* ec =
            smb2::find_context(r->contexts, smb2::negotiate_context::kEncryptionCapabilities)) {
      auto enc = smb2::decode_encryption_capabilities(ec->data);
      if (!enc || enc->ciphers.size() != 1) return NtStatus::InvalidNetworkResponse;
      if (enc->ciphers[0] != 0 && !auth::is_known_cipher(enc->ciphers[0])) {
        return NtStatus::InvalidNetworkResponse;
      }
      n.cipher = enc->ciphers[0];
    }
    if (const auto* sc =
            smb2::find_context(r->contexts, smb2::negotiate_context::kSigningCapabilities)) {
      auto caps = smb2::decode_signing_capabilities(sc->data);
      if (!caps || caps->algorithms.size() != 1 ||
          caps->algorithms[0] > smb2::signing_algorithm::kAesGmac) {
        return NtStatus::InvalidNetworkResponse;
      }
      n.signing = static_cast<auth::SigningAlgorithm>(caps->algorithms[0]);
    }
  }
  return n;
}

std::vector<std::byte> validate_negotiate_payload(const NegotiateOffer& offer) {
  auto req = build_negotiate_request(offer);
  smb2::ValidateNegotiateInfoRequest v;
  if (req) {
    v.capabilities = req->capabilities;
    v.guid = req->client_guid;
    v.security_mode = req->security_mode;
    v.dialects = req->dialects;
  }
  return smb2::encode_validate_negotiate_info_request(v);
}

NtStatus check_validate_negotiate(std::span<const std::byte> output, const Negotiated& n) {
  auto v = smb2::decode_validate_negotiate_info_response(output);
  if (!v) return NtStatus::AccessDenied;
  if (v->capabilities != n.capabilities || v->guid != n.server_guid ||
      v->security_mode != n.security_mode || v->dialect != n.dialect) {
    return NtStatus::AccessDenied;
  }
  return NtStatus::Success;
}

Result<std::vector<std::byte>> encrypt_message(uint16_t cipher, std::span<const std::byte> key,
                                               uint64_t session_id,
                                               std::span<const std::byte> plain) {
  if (!auth::is_known_cipher(cipher) || plain.size() < smb2::kHeaderSize) {
    return NtStatus::InvalidParameter;
  }
  return auth::seal_message(static_cast<auth::SmbCipher>(cipher), key, session_id, plain);
}

Result<std::vector<std::byte>> decrypt_message(
    uint16_t cipher, std::span<const std::byte> frame,
    const std::function<std::span<const std::byte>(uint64_t session_id)>& key_for) {
  if (!auth::is_known_cipher(cipher)) return NtStatus::InvalidNetworkResponse;
  auto sid = auth::transform_session_id(frame);
  if (!sid) return NtStatus::InvalidNetworkResponse;
  auto key = key_for(*sid);
  if (key.empty()) return NtStatus::InvalidNetworkResponse;
  auto plain = auth::open_message(static_cast<auth::SmbCipher>(cipher), key, frame);
  if (!plain) {
    return plain.status() == NtStatus::InvalidParameter ? NtStatus::InvalidNetworkResponse
                                                        : NtStatus::AccessDenied;
  }
  return plain;
}

Result<std::vector<IncomingMessage>> split_responses(std::span<const std::byte> frame) {
  auto parts = smb2::split_compound(frame);
  if (!parts) return NtStatus::InvalidNetworkResponse;
  std::vector<IncomingMessage> out;
  out.reserve(parts->size());
  for (auto part : *parts) {
    auto h = smb2::decode_header(part);
    if (!h || !h->is_response()) return NtStatus::InvalidNetworkResponse;
    out.push_back(IncomingMessage{*h, part});
  }
  return out;
}

}  // namespace lwsmb::fuse_rdr
