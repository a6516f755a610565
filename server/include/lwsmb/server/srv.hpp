// srv: the SMB2/3 protocol head. Runs the server for a loaded configuration.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "lwsmb/server/config.hpp"

namespace lwsmb::server {

struct SrvRunOptions {
  std::optional<uint16_t> port;  // overrides "smb ports"
  unsigned workers = 2;          // I/O manager event loops
  // Set to request a clean stop (the signal handler of lwserver sets it); may be null.
  std::atomic<bool>* stop = nullptr;
  // Called once the listeners are up, with the port actually bound (useful with port 0).
  std::function<void(uint16_t port)> on_listening;
};

// Serves until *stop becomes true. Returns a process exit code (0 on a clean stop) and logs
// the reason for any other.
int run_srv(const ServerConfig& config, const SrvRunOptions& options);

}  // namespace lwsmb::server
