// rdr: the SMB2/3 client driver (the redirector). It registers under "\rdr" and turns IRPs into
// SMB2 requests on the wire (DESIGN.md, "Data flow", client side).
//
// Paths: "\rdr\SERVER[:PORT]\SHARE[\path\to\file]". "\rdr\SERVER:PORT\SHARE" itself opens the
// share's root directory. SERVER is a host name, an IPv4 address or a bracketed IPv6 address.
// Connections, sessions and tree connects are shared between opens and reference-counted: one
// connection per (server, port, user).
//
// Errors when a connection cannot be made come back as the CREATE's status:
//   host unreachable / no route     -> NtStatus::HostUnreachable
//   connection refused               -> NtStatus::ConnectionRefused
//   name does not resolve            -> NtStatus::BadNetworkPath
//   no answer within connect_timeout -> NtStatus::IoTimeout
//   logon refused                    -> the server's status (LogonFailure, AccountDisabled, ...)
//   no such share                    -> NtStatus::BadNetworkName
// Every later IRP returns the server's NTSTATUS unchanged; a connection lost for good gives
// NtStatus::ConnectionDisconnected (errno EIO at the FUSE edge).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lwsmb/iocore/driver.hpp"

namespace lwsmb::fuse_rdr {

struct RdrCredentials {
  std::string user;  // empty: anonymous
  std::string password;
  std::string domain;  // empty: the server's
  // sec=krb5: SPNEGO with a Kerberos AP-REQ for the service cifs/SERVER (SERVER as written in
  // the path), the ticket taken from the credential cache. With ntlm also set, a missing ticket
  // (or a server without krb5) falls back to NTLMSSP with user/password; without it, that is
  // STATUS_LOGON_FAILURE.
  bool kerberos = false;
  bool ntlm = true;    // sec=ntlmssp (also the fallback when kerberos is set and allowed)
  std::string ccache;  // e.g. "FILE:/tmp/krb5cc_1000"; empty: the default (KRB5CCNAME)
};

struct RdrOptions {
  RdrCredentials credentials;
  uint16_t default_port = 445;
  // Connect to this address (numeric IPv4/IPv6) instead of resolving the path's SERVER name; the
  // name still picks the connection, the Kerberos service principal and the tree connect path
  // (like smbclient -I). Empty: resolve SERVER.
  std::string address;
  uint16_t min_dialect = 0x0202;  // vers=: 2.0 -> 0x0202, 2.1 -> 0x0210, 3.0 -> 0x0300,
  uint16_t max_dialect = 0x0311;  //        3.02 -> 0x0302, 3.1.1 -> 0x0311
  bool sign = false;              // require signing even where the server does not
  bool seal = false;              // require SMB3 encryption
  uint32_t rsize = 4u << 20;      // largest READ/WRITE per request; capped by the server's max
  uint32_t wsize = 4u << 20;
  // Read-ahead window of a sequential reader, per open (mount.cifs rasize=); 0: none.
  uint32_t read_ahead = 0;
  // Write-behind: bytes an open may have written but not yet had answered; a WRITE completes
  // once queued, errors come back from the next WRITE, FLUSH or CLOSE. 0: writes complete
  // when the server answered.
  uint32_t write_behind = 0;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::seconds echo_interval{60};  // keep-alive ECHO; a dead server is noticed by it
  // A connection with nothing open and no CREATE for this long logs off and disconnects; the
  // next CREATE connects again. 0: never.
  std::chrono::milliseconds idle_timeout{60000};
  // Called (on a loop thread) when the server breaks a lease or oplock on PATH (the path
  // after the share, with backslashes) so that a cache above (FUSE) drops what it holds. The
  // break is acknowledged after it returns and the writes in flight on the file finish. Must
  // not block. CreateArgs::granted_oplock tells the opener what it may cache: a lease is
  // reported as its oplock equivalent (R+W+H Batch, R+W Exclusive, R or R+H Level II).
  std::function<void(const std::string& path)> on_cache_invalidate;
};

// One driver serves any number of servers and shares with the same credentials.
std::shared_ptr<Driver> make_rdr_driver(RdrOptions options);

// A plain reason for the errors a user meets when reaching a server through rdr ("connection
// refused", "no such share", "logon failure (wrong user name or password)", ...), or nullptr
// for any other status (file-level errors keep just their NTSTATUS name). Every command-line
// tool words these errors through it.
const char* rdr_error_reason(NtStatus st);

}  // namespace lwsmb::fuse_rdr
