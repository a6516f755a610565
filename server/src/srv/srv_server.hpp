// The server: listeners, the I/O manager with one pvfs driver per disk share, the user
// database, and the live connections.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/rpc/rpc_server.hpp"
#include "lwsmb/server/config.hpp"
#include "lwsmb/server/passdb.hpp"
#include "lwsmb/server/srv.hpp"
#include "srv/unique_fd.hpp"

namespace lwsmb::server {

class SmbConnection;

struct SrvShare {
  const ShareConfig* config = nullptr;
  std::string prefix;  // the I/O manager namespace of its pvfs driver, e.g. "\pvfs1"
  bool ipc = false;
};

class SrvServer {
 public:
  SrvServer(const ServerConfig& config, const SrvRunOptions& options);
  ~SrvServer();

  // Binds and listens; false (after logging why) when no listener could be set up.
  bool start();
  void stop();
  uint16_t bound_port() const { return bound_port_; }

  const ServerConfig& config() const { return config_; }
  IoManager& io() { return io_; }
  const SrvShare* find_share(std::string_view name) const;
  const std::array<std::byte, 16>& server_guid() const { return server_guid_; }
  int64_t start_time() const { return start_time_; }
  // The user database, re-read when the passdb file changes (lwserver user add while running).
  std::optional<PassDbEntry> lookup_user(std::string_view name);

  void forget(uint64_t connection_id);

 private:
  void post_accept(size_t listener);
  // npfs and the srvsvc / wkssvc endpoints on it (IPC$).
  void start_rpc();

  const ServerConfig& config_;
  SrvRunOptions options_;
  IoManager io_;
  std::vector<SrvShare> shares_;
  std::unique_ptr<rpc::RpcServer> rpc_;
  std::vector<UniqueFd> listeners_;
  uint16_t bound_port_ = 0;
  std::array<std::byte, 16> server_guid_{};
  int64_t start_time_ = 0;

  std::mutex mutex_;  // guards connections_ and passdb state
  std::map<uint64_t, std::shared_ptr<SmbConnection>> connections_;
  uint64_t next_connection_id_ = 1;
  std::atomic<bool> stopping_{false};
  int64_t passdb_mtime_ = -1;
  std::optional<PassDb> passdb_;
};

}  // namespace lwsmb::server
