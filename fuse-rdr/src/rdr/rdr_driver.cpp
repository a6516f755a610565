// The \rdr driver: routes CREATE to a shared connection per (server, port, user) and every
// other IRP to the open's connection loop (rdr.hpp).
#include <chrono>
#include <future>
#include <map>
#include <mutex>

#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/io_manager.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_file.hpp"
#include "rdr/rdr_path.hpp"

namespace lwsmb::fuse_rdr {

namespace {

// A CREATE on its connection; the connection may go idle once no CREATE is under way.
Task<void> create_on(std::shared_ptr<RdrConnection> conn, IrpPtr irp, RdrPath path) {
  co_await rdr_create(conn, irp, std::move(path));
  --conn->creates;
  conn->note_activity();
}

Task<void> shut_down(std::shared_ptr<RdrConnection> conn,
                     std::shared_ptr<std::promise<void>> done) {
  co_await conn->shutdown_gracefully();
  done->set_value();
}

// How long driver shutdown waits for LOGOFF and friends before it drops the sockets.
constexpr std::chrono::seconds kShutdownWait{3};

class RdrDriver : public Driver, public std::enable_shared_from_this<RdrDriver> {
 public:
  explicit RdrDriver(RdrOptions options) : options_(std::move(options)) {}

  void attach(IoManager& io) override { io_ = &io; }

  void dispatch(const IrpPtr& irp) override {
    if (irp->type() == IrpType::Create) {
      auto path = parse_rdr_path(irp->args_as<CreateArgs>().path);
      if (!path) {
        irp->complete(path.status());
        return;
      }
      if (!io_) {
        irp->complete(NtStatus::InvalidDeviceState);
        return;
      }
      if (path->port == 0) path->port = options_.default_port;
      auto conn = connection_for(*path);
      if (!conn) {
        irp->complete(NtStatus::InvalidDeviceState);
        return;
      }
      irp->mark_pending();
      conn->loop().post(
          [conn, irp, p = std::move(*path)] { spawn(create_on(conn, irp, std::move(p))); });
      return;
    }
    auto* f = irp->file().context<RdrFile>();
    if (!f || !f->conn) {
      irp->complete(NtStatus::InvalidHandle);
      return;
    }
    irp->mark_pending();
    auto conn = f->conn;
    conn->loop().post([conn, irp] { spawn(rdr_file_irp(conn, irp)); });
  }

  void shutdown() override {
    std::map<std::string, std::shared_ptr<RdrConnection>> all;
    {
      std::lock_guard lock(mutex_);
      all.swap(conns_);
      shut_ = true;
    }
    // Close, TREE_DISCONNECT and LOGOFF on every connection at once, bounded in time.
    std::vector<std::pair<std::shared_ptr<RdrConnection>, std::future<void>>> waits;
    for (auto& [key, c] : all) {
      auto done = std::make_shared<std::promise<void>>();
      waits.emplace_back(c, done->get_future());
      c->loop().post([c, done] { spawn(shut_down(c, done)); });
    }
    const auto deadline = std::chrono::steady_clock::now() + kShutdownWait;
    for (auto& [c, f] : waits) {
      if (f.wait_until(deadline) != std::future_status::ready) {
        c->loop().post([c] { c->close(NtStatus::ConnectionDisconnected); });
      }
    }
  }

 private:
  std::shared_ptr<RdrConnection> connection_for(const RdrPath& p) {
    const std::string key =
        rdr_lower(p.server) + "\n" + std::to_string(p.port) + "\n" + options_.credentials.user;
    std::lock_guard lock(mutex_);
    if (shut_) return nullptr;
    auto it = conns_.find(key);
    if (it != conns_.end() && !it->second->dead()) {
      ++it->second->creates;
      return it->second;
    }
    auto conn = std::make_shared<RdrConnection>(io_->next_loop(), p.server, p.port, options_);
    std::weak_ptr<RdrDriver> weak = weak_from_this();
    std::weak_ptr<RdrConnection> weak_conn = conn;
    conn->set_on_dead([weak, weak_conn, key] {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mutex_);
      auto it = self->conns_.find(key);
      if (it != self->conns_.end() && it->second == weak_conn.lock()) self->conns_.erase(it);
    });
    // Idle: forgotten here first, under the lock, unless a CREATE was routed to it meanwhile.
    conn->set_on_idle([weak, weak_conn, key] {
      auto self = weak.lock();
      auto c = weak_conn.lock();
      if (!self || !c) return false;
      std::lock_guard lock(self->mutex_);
      if (c->creates != 0) return false;
      auto it = self->conns_.find(key);
      if (it != self->conns_.end() && it->second == c) self->conns_.erase(it);
      return true;
    });
    conns_[key] = conn;
    ++conn->creates;
    return conn;
  }

  RdrOptions options_;
  IoManager* io_ = nullptr;
  std::mutex mutex_;
  bool shut_ = false;
  std::map<std::string, std::shared_ptr<RdrConnection>> conns_;
};

}  // namespace

std::shared_ptr<Driver> make_rdr_driver(RdrOptions options) {
  return std::make_shared<RdrDriver>(std::move(options));
}

}  // namespace lwsmb::fuse_rdr
