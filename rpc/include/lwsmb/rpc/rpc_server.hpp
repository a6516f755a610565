// The DCE/RPC server runtime (connection-oriented, ncacn_np). RpcAssociation is the protocol
// state of one pipe connection: bind / alter_context negotiation, request reassembly, response
// fragmentation, faults. RpcServer serves registered interfaces on npfs endpoints: it keeps a
// free pipe instance listening on each endpoint and runs one association per client.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/rpc/dcerpc_pdu.hpp"
#include "lwsmb/rpc/ndr.hpp"

namespace lwsmb::rpc {

// One interface's server stubs.
class RpcInterface {
 public:
  virtual ~RpcInterface() = default;
  virtual SyntaxId syntax() const = 0;
  virtual std::string_view name() const = 0;
  // Runs one call on NDR 2.0 stub data. Returns 0 with the [out] stub in `out`, or a fault
  // status (fault::kOpRangeError for an unknown opnum, fault::kBadStubData when `in` does not
  // decode).
  virtual uint32_t invoke(uint16_t opnum, std::span<const std::byte> in, NdrWriter& out) = 0;
};

// Interfaces by UUID; a bind names the major version exactly and at most our minor version.
class RpcInterfaceRegistry {
 public:
  void add(std::shared_ptr<RpcInterface> iface);
  std::shared_ptr<RpcInterface> find(const SyntaxId& abstract_syntax) const;
  // Whether any version of this UUID is registered (for the rejection reason).
  bool knows(const Uuid& uuid) const;

 private:
  std::vector<std::shared_ptr<RpcInterface>> interfaces_;
};

class RpcAssociation {
 public:
  // The largest fragment we send or take (what Windows offers on named pipes).
  static constexpr uint16_t kMaxFrag = 4280;
  // The largest request stub reassembled from fragments.
  static constexpr size_t kMaxRequestStub = 4 * 1024 * 1024;

  // secondary_address: the bind_ack's port spec, e.g. "\PIPE\srvsvc".
  RpcAssociation(std::shared_ptr<const RpcInterfaceRegistry> registry,
                 std::string secondary_address);

  // One pipe message from the client, holding one or more whole PDUs. Appends the PDUs to send
  // back. Returns false when the connection must end (after sending `out`): a PDU that cannot
  // be parsed, a protocol violation.
  bool on_message(std::span<const std::byte> message, std::vector<std::vector<std::byte>>* out);

  bool bound() const { return !contexts_.empty(); }
  uint16_t max_xmit_frag() const { return max_xmit_; }
  uint16_t max_recv_frag() const { return max_recv_; }

 private:
  bool on_pdu(std::span<const std::byte> pdu, const PduHeader& h,
              std::vector<std::vector<std::byte>>* out);
  void on_bind(std::span<const std::byte> pdu, const PduHeader& h,
               std::vector<std::vector<std::byte>>* out);
  bool on_request(std::span<const std::byte> pdu, const PduHeader& h,
                  std::vector<std::vector<std::byte>>* out);
  void run_call(std::vector<std::vector<std::byte>>* out);

  std::shared_ptr<const RpcInterfaceRegistry> registry_;
  std::string secondary_address_;
  uint16_t max_xmit_ = kMinFragSize;  // until the bind says more
  uint16_t max_recv_ = kMaxFrag;
  uint32_t assoc_group_ = 0;
  std::map<uint16_t, std::shared_ptr<RpcInterface>> contexts_;  // accepted, by context id
  // The request being reassembled.
  bool in_call_ = false;
  uint32_t call_id_ = 0;
  uint16_t call_context_ = 0;
  uint16_t call_opnum_ = 0;
  std::vector<std::byte> call_stub_;
};

// Serves interfaces on named pipes of the I/O manager (normally "\npfs\srvsvc").
class RpcServer {
 public:
  explicit RpcServer(IoManager& io);
  ~RpcServer();  // stop()
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Before add_endpoint: every endpoint serves every registered interface.
  void register_interface(std::shared_ptr<RpcInterface> iface);
  // Starts listening on pipe_path (e.g. "\npfs\srvsvc"), announcing secondary_address (e.g.
  // "\PIPE\srvsvc") in bind_acks. Fails with the status of the first pipe instance CREATE.
  NtStatus add_endpoint(const std::string& pipe_path, const std::string& secondary_address);
  // No new instances after this; connections end when their clients go or npfs shuts down.
  void stop();

  struct Shared;  // what the per-instance coroutines share (outlives this object)

 private:
  IoManager& io_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace lwsmb::rpc
