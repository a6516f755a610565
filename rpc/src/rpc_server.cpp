// RpcServer: pipe instances on npfs, one coroutine each. An instance is created, waits for a
// client (FSCTL_PIPE_LISTEN), hands the listening role to a fresh instance, then reads pipe
// messages, runs them through its RpcAssociation and writes the answers, until the client goes.
#include "lwsmb/rpc/rpc_server.hpp"

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/iocore/task.hpp"

namespace lwsmb::rpc {

struct RpcServer::Shared {
  IoManager* io = nullptr;
  std::shared_ptr<RpcInterfaceRegistry> registry = std::make_shared<RpcInterfaceRegistry>();
  std::atomic<bool> stopped{false};
};

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// A pipe message (one or more PDUs) larger than this ends the connection.
constexpr size_t kMaxMessage = 1024 * 1024;

CreateArgs server_end_args(const std::string& path) {
  CreateArgs a;
  a.path = path;
  a.disposition = CreateDisposition::OpenIf;
  a.named_pipe = NamedPipeCreateParams{};
  return a;
}

Task<void> serve_instance(std::shared_ptr<RpcServer::Shared> sh, std::string path,
                          std::string secondary_address, FileHandle pipe, EventLoop& loop);

// Makes the next listening instance (after a client took the last one).
Task<void> start_instance(std::shared_ptr<RpcServer::Shared> sh, std::string path,
                          std::string secondary_address, EventLoop& loop) {
  auto [iosb, pipe] = co_await CreateAwaitable(*sh->io, server_end_args(path), loop);
  if (!nt_success(iosb.status)) {
    if (!sh->stopped.load()) {
      log::warning("rpc: cannot create an instance of ", path, ": ", ntstatus_name(iosb.status));
    }
    co_return;
  }
  co_await serve_instance(sh, std::move(path), std::move(secondary_address), std::move(pipe), loop);
}

Task<void> serve_instance(std::shared_ptr<RpcServer::Shared> sh, std::string path,
                          std::string secondary_address, FileHandle pipe, EventLoop& loop) {
  co_await loop.schedule();
  IoManager& io = *sh->io;
  auto listen = co_await IrpAwaitable(io, pipe, FsControlArgs{fsctl_pipe::kListen, {}, {}}, loop);
  if (!nt_success(listen.status) && listen.status != NtStatus::PipeConnected) {
    co_await CloseAwaitable(io, std::move(pipe), loop);
    co_return;
  }
  if (!sh->stopped.load()) {
    EventLoop& next = io.next_loop();
    spawn(start_instance(sh, path, secondary_address, next));
  }
  RpcAssociation assoc(sh->registry, secondary_address);
  std::vector<std::byte> buf(kReadChunk);
  std::vector<std::byte> message;
  std::vector<std::vector<std::byte>> out;
  for (;;) {
    auto r = co_await IrpAwaitable(io, pipe, ReadArgs{buf, 0, 0}, loop);
    if (!nt_success(r.status) && r.status != NtStatus::BufferOverflow) break;
    message.insert(message.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(r.information));
    if (message.size() > kMaxMessage) break;
    if (r.status == NtStatus::BufferOverflow) continue;  // the rest of the message follows
    out.clear();
    bool keep = assoc.on_message(message, &out);
    message.clear();
    for (auto& pdu : out) {
      auto w = co_await IrpAwaitable(io, pipe, WriteArgs{pdu, 0, 0}, loop);
      if (!nt_success(w.status)) {
        keep = false;
        break;
      }
    }
    // Closing keeps what was written readable for the client (npfs closing state).
    if (!keep) break;
  }
  co_await CloseAwaitable(io, std::move(pipe), loop);
}

}  // namespace

RpcServer::RpcServer(IoManager& io) : io_(io), shared_(std::make_shared<Shared>()) {
  shared_->io = &io;
}

RpcServer::~RpcServer() {
  stop();
}

void RpcServer::register_interface(std::shared_ptr<RpcInterface> iface) {
  shared_->registry->add(std::move(iface));
}

NtStatus RpcServer::add_endpoint(const std::string& pipe_path,
                                 const std::string& secondary_address) {
  IoStatusBlock iosb;
  auto pipe = io_.create_file(server_end_args(pipe_path), &iosb);
  if (!pipe) return pipe.status();
  spawn(serve_instance(shared_, pipe_path, secondary_address, std::move(*pipe), io_.next_loop()));
  return NtStatus::Success;
}

void RpcServer::stop() {
  shared_->stopped.store(true);
}

}  // namespace lwsmb::rpc
