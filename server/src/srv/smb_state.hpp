// SMB2 server state per MS-SMB2 3.3.1: connection, sessions, tree connects and opens.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/server/config.hpp"

namespace lwsmb::server {

struct SrvShare;
struct AsyncRequest;  // srv_async.hpp

struct Open {
  uint64_t persistent_id = 0;
  uint64_t volatile_id = 0;
  uint32_t tree_id = 0;
  uint64_t session_id = 0;
  FileHandle handle;
  std::string path;  // share-relative, as the client named it
  uint32_t granted_access = 0;
  bool is_directory = false;
  // MS-SMB2 3.3.1.10 Open.OplockLevel and Open.OplockState (Breaking: an acknowledgment is
  // due); srv_oplock.cpp.
  uint8_t oplock_level = 0;
  bool oplock_breaking = false;
  bool is_pipe = false;  // an npfs open on IPC$ (srv_ipc.cpp)
};

struct TreeConnect {
  uint32_t tree_id = 0;
  const SrvShare* share = nullptr;
  bool is_ipc = false;
  uint32_t maximal_access = 0;
  bool reject_unencrypted = false;  // "smb encrypt = required" share (MS-SMB2 3.3.5.2.11)
  bool encrypt_data = false;        // TreeConnect.EncryptData: the share asks for encryption
};

struct Session {
  enum class Phase { InProgress, Valid, Expired };
  uint64_t session_id = 0;
  Phase phase = Phase::InProgress;
  std::unique_ptr<auth::SpnegoServer> auth;
  std::string user;  // UTF-8 account name
  std::string domain;
  bool guest = false;
  bool anonymous = false;
  std::shared_ptr<const SecurityContext> identity;
  std::vector<std::byte> session_key;     // 16 bytes
  std::vector<std::byte> signing_key;     // HMAC key (2.x) or derived key (3.x)
  std::vector<std::byte> encryption_key;  // ServerOut: responses (3.x with a cipher)
  std::vector<std::byte> decryption_key;  // ServerIn: requests
  bool signing_required = false;
  bool encrypt_data = false;        // Session.EncryptData (MS-SMB2 3.3.1.8)
  bool reject_unencrypted = false;  // global "smb encrypt = required"
  // Kerberos sessions end with their ticket (MS-SMB2 3.3.5.5.3 Session.ExpirationTime).
  std::optional<std::chrono::steady_clock::time_point> expires_at;
  auth::PreauthHash preauth;  // 3.1.1
  std::map<uint32_t, TreeConnect> trees;
  uint32_t next_tree_id = 1;
};

struct ConnectionState {
  bool negotiated = false;
  uint16_t dialect = 0;
  uint32_t client_capabilities = 0;
  uint16_t client_security_mode = 0;
  std::array<std::byte, 16> client_guid{};
  std::vector<uint16_t> client_dialects;
  bool signing_required = false;  // server side requirement
  auth::SigningAlgorithm signing_algorithm = auth::SigningAlgorithm::HmacSha256;
  uint16_t cipher = 0;               // Connection.CipherId (MS-SMB2 3.3.1.2); 0: no encryption
  uint32_t server_capabilities = 0;  // as sent in the NEGOTIATE response (for validation)
  auth::PreauthHash preauth;         // connection-level hash after NEGOTIATE (3.1.1)
  std::map<uint64_t, std::unique_ptr<Session>> sessions;
  std::map<uint64_t, std::unique_ptr<Open>> opens;  // by volatile id
  uint64_t next_volatile_id = 1;
  // Credits (MS-SMB2 3.3.1.1): the lowest message id not yet used and how many are granted.
  uint64_t credit_low = 0;
  uint64_t credits_granted = 1;
  std::map<uint64_t, uint64_t> used_ids_above_low;  // sparse window of consumed ids
  uint64_t next_async_id = 1;
  // Requests a CANCEL may reach (MS-SMB2 3.3.5.16): by MessageId, and by AsyncId once an
  // interim response went out (Connection.AsyncCommandList, 3.3.4.2). See srv_async.hpp.
  std::map<uint64_t, std::shared_ptr<AsyncRequest>> cancellable_by_message_id;
  std::map<uint64_t, std::shared_ptr<AsyncRequest>> cancellable_by_async_id;
  // Extra bytes between the READ response body and its data (Samba's smbtorture test hook
  // FSCTL_SMBTORTURE_GLOBAL_READ_RESPONSE_BODY_PADDING8): 0 or 8.
  uint8_t read_body_padding = 0;
};

}  // namespace lwsmb::server
