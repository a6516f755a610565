// Session and share policies that SESSION_SETUP, TREE_CONNECT and the request loop share:
// SMB 3 encryption demands ("smb encrypt", MS-SMB2 3.3.5.5, 3.3.5.7, 3.3.5.2.9, 3.3.5.2.11),
// the Kerberos acceptor configuration and Kerberos session expiry.
#pragma once

#include <cstdint>
#include <optional>

#include "lwsmb/auth/kerberos.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/proto/smb2_header.hpp"
#include "srv/smb_state.hpp"

namespace lwsmb::server {

class SrvServer;

// The Kerberos acceptor config from "kerberos keytab" and "realm", or nullopt when no keytab is
// set. user@REALM maps to the Unix account "user", which must exist (files are created as it);
// a passdb entry is not needed, but a disabled one refuses the logon.
std::optional<auth::KerberosAcceptorConfig> kerberos_config(SrvServer& server);

// Whether the connection can carry encrypted messages at all: SMB 3.x with a negotiated cipher.
bool connection_can_encrypt(const ConnectionState& st);

// Before authentication (MS-SMB2 3.3.5.5 steps 1-2): a global "smb encrypt = required" refuses
// a connection that cannot encrypt with STATUS_ACCESS_DENIED.
NtStatus check_session_setup_allowed(const ConnectionState& st, const GlobalConfig& g);

// After a successful authentication (MS-SMB2 3.3.5.5.3): sets Session.EncryptData and
// SMB2_SESSION_FLAG_ENCRYPT_DATA when the global policy asks for encryption and the session can
// (it has keys); refuses a session that cannot encrypt under "required" (guest, anonymous).
// Also sets or clears the Kerberos expiry from the ticket's lifetime.
NtStatus apply_session_policy(const ConnectionState& st, const GlobalConfig& g, Session& s,
                              const auth::AuthResult& result, uint16_t& session_flags);

// Tree connect (MS-SMB2 3.3.5.7): sets SMB2_SHAREFLAG_ENCRYPT_DATA in share_flags and the
// tree's demand; STATUS_ACCESS_DENIED when the share requires encryption the session cannot do.
NtStatus apply_share_policy(const ConnectionState& st, const ShareConfig& share, const Session& s,
                            TreeConnect& t, uint32_t& share_flags);

// Every request on a valid session (MS-SMB2 3.3.5.2.9, 3.3.5.2.11): an expired Kerberos session
// admits only LOGOFF, CLOSE, LOCK and SESSION_SETUP (STATUS_NETWORK_SESSION_EXPIRED); a session
// or tree that requires encryption refuses unencrypted requests (STATUS_ACCESS_DENIED).
NtStatus check_request_policy(const Session& s, uint32_t tree_id, proto::smb2::Command command,
                              bool encrypted);

}  // namespace lwsmb::server
