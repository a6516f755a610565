#include "srv/srv_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/rpc/srvsvc.hpp"
#include "lwsmb/server/npfs_driver.hpp"
#include "lwsmb/server/pvfs_driver.hpp"
#include "srv/smb_connection.hpp"

namespace lwsmb::server {

namespace {

// Addresses to listen on: "interfaces" entries that parse as IPv4 addresses (optionally with a
// /prefix), or every address when none is given or bind interfaces only is off.
std::vector<in_addr> listen_addresses(const GlobalConfig& g) {
  std::vector<in_addr> out;
  if (g.bind_interfaces_only) {
    for (const auto& itf : g.interfaces) {
      std::string a = itf.substr(0, itf.find('/'));
      if (a == "lo" || a == "localhost") a = "127.0.0.1";
      in_addr addr{};
      if (inet_pton(AF_INET, a.c_str(), &addr) == 1) {
        out.push_back(addr);
      } else {
        log::warning("interfaces: '", itf, "' is not an IPv4 address; skipped");
      }
    }
  }
  if (out.empty()) {
    in_addr any{};
    any.s_addr = htonl(INADDR_ANY);
    out.push_back(any);
  }
  return out;
}

bool s_has_ipc(const std::vector<rpc::RpcShare>& shares) {
  return std::any_of(shares.begin(), shares.end(), [](const auto& s) { return s.name == "IPC$"; });
}

}  // namespace

SrvServer::SrvServer(const ServerConfig& config, const SrvRunOptions& options)
    : config_(config),
      options_(options),
      io_(IoManagerOptions{.workers = options.workers == 0 ? 1u : options.workers}) {
  RAND_bytes(reinterpret_cast<unsigned char*>(server_guid_.data()), server_guid_.size());
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  start_time_ = proto::fscc::filetime_from_unix(ns / 1'000'000'000, ns % 1'000'000'000);
  int n = 0;
  for (const auto& share : config_.shares) {
    SrvShare s;
    s.config = &share;
    s.ipc = share.name == "IPC$" || share.ipc;
    if (!s.ipc) {
      s.prefix = "\\pvfs" + std::to_string(++n);
      auto st = io_.register_driver(
          s.prefix,
          make_pvfs_driver({.root = share.path,
                            .create_mask = share.create_mask,
                            .directory_mask = share.directory_mask,
                            .oplock_break_timeout_ms = config_.global.oplock_break_timeout_ms}));
      if (!nt_success(st)) {
        log::error("share [", share.name, "]: cannot register pvfs: ", ntstatus_name(st));
        continue;
      }
    }
    shares_.push_back(s);
  }
  start_rpc();
}

void SrvServer::start_rpc() {
  auto st = io_.register_driver("\\npfs", make_npfs_driver());
  if (!nt_success(st)) {
    log::error("cannot register npfs: ", ntstatus_name(st));
    return;
  }
  const auto& g = config_.global;
  auto info = std::make_shared<rpc::RpcServerInfo>();
  info->netbios_name = g.netbios_name;
  info->workgroup = g.workgroup;
  info->comment = g.server_string;
  for (const auto& s : shares_) {
    rpc::RpcShare r;
    r.name = s.config->name;
    r.comment = s.config->comment;
    r.path = s.config->path;
    r.type = s.ipc ? rpc::share_type::kIpc | rpc::share_type::kSpecial : rpc::share_type::kDiskTree;
    r.browseable = s.config->browseable;
    info->shares.push_back(std::move(r));
  }
  if (!s_has_ipc(info->shares)) {
    info->shares.push_back(
        {"IPC$", "IPC Service", "", rpc::share_type::kIpc | rpc::share_type::kSpecial, true});
  }
  rpc_ = std::make_unique<rpc::RpcServer>(io_);
  rpc_->register_interface(rpc::make_srvsvc_interface(info));
  rpc_->register_interface(rpc::make_wkssvc_interface(info));
  for (const char* pipe : {"srvsvc", "wkssvc"}) {
    auto est = rpc_->add_endpoint(std::string("\\npfs\\") + pipe, std::string("\\PIPE\\") + pipe);
    if (!nt_success(est)) log::error("rpc endpoint ", pipe, ": ", ntstatus_name(est));
  }
}

SrvServer::~SrvServer() {
  stop();
}

const SrvShare* SrvServer::find_share(std::string_view name) const {
  for (const auto& s : shares_) {
    const auto& n = s.config->name;
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &s;
    }
  }
  return nullptr;
}

std::optional<PassDbEntry> SrvServer::lookup_user(std::string_view name) {
  std::lock_guard lock(mutex_);
  struct stat st {};
  int64_t mtime = -1;
  if (::stat(config_.global.passdb.c_str(), &st) == 0) {
    mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  if (!passdb_ || mtime != passdb_mtime_) {
    auto db = PassDb::load(config_.global.passdb);
    if (!db) {
      log::error("passdb ", config_.global.passdb, ": ", ntstatus_name(db.status()));
      return std::nullopt;
    }
    passdb_ = std::move(*db);
    passdb_mtime_ = mtime;
  }
  const PassDbEntry* e = passdb_->find(name);
  if (!e) return std::nullopt;
  return *e;
}

bool SrvServer::start() {
  std::vector<uint16_t> ports = config_.global.smb_ports;
  if (options_.port) ports = {*options_.port};
  for (const auto& addr : listen_addresses(config_.global)) {
    for (uint16_t port : ports) {
      UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!fd) {
        log::error("socket: ", std::strerror(errno));
        return false;
      }
      int one = 1;
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_addr = addr;
      sa.sin_port = htons(port);
      char text[INET_ADDRSTRLEN] = "?";
      inet_ntop(AF_INET, &addr, text, sizeof text);
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        log::error("cannot listen on ", text, ":", port, ": ", std::strerror(errno));
        return false;
      }
      if (::listen(fd.get(), 128) != 0) {
        log::error("listen on ", text, ":", port, ": ", std::strerror(errno));
        return false;
      }
      socklen_t len = sizeof sa;
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
      bound_port_ = ntohs(sa.sin_port);
      log::info("listening on ", text, ":", bound_port_);
      listeners_.push_back(std::move(fd));
    }
  }
  for (size_t i = 0; i < listeners_.size(); ++i) post_accept(i);
  return !listeners_.empty();
}

void SrvServer::post_accept(size_t index) {
  int lfd = listeners_[index].get();
  io_.loop(0).accept(lfd, [this, index](int res) {
    if (stopping_.load()) {
      if (res >= 0) ::close(res);
      return;
    }
    if (res >= 0) {
      int one = 1;
      ::setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::shared_ptr<SmbConnection> conn;
      {
        std::lock_guard lock(mutex_);
        uint64_t id = next_connection_id_++;
        conn = std::make_shared<SmbConnection>(*this, io_.next_loop(), UniqueFd(res), id);
        connections_[id] = conn;
      }
      conn->start();
    } else if (res != -EAGAIN && res != -EINTR && res != -ECONNABORTED) {
      log::warning("accept: ", std::strerror(-res));
      if (res == -EMFILE || res == -ENFILE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    post_accept(index);
  });
}

void SrvServer::forget(uint64_t connection_id) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection_id);
}

void SrvServer::stop() {
  if (stopping_.exchange(true)) return;
  if (rpc_) rpc_->stop();
  std::map<uint64_t, std::shared_ptr<SmbConnection>> conns;
  {
    std::lock_guard lock(mutex_);
    conns.swap(connections_);
  }
  for (auto& [id, c] : conns) {
    c->loop().post([c] { c->close(); });
  }
  for (auto& l : listeners_) ::shutdown(l.get(), SHUT_RDWR);
}

int run_srv(const ServerConfig& config, const SrvRunOptions& options) {
  SrvServer server(config, options);
  if (!server.start()) return 1;
  if (options.on_listening) options.on_listening(server.bound_port());
  while (!(options.stop && options.stop->load())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  log::notice("stopping");
  server.stop();
  // Give connections a moment to send what they queued and drop their opens.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

}  // namespace lwsmb::server
