// The DCE/RPC client runtime over any open pipe handle of the I/O manager (\npfs locally, \rdr
// remotely): bind, then calls as request fragments out and response fragments back, through
// write + read or FSCTL_PIPE_TRANSCEIVE. Synchronous: call from a thread that is no I/O manager
// loop.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/rpc/dcerpc_pdu.hpp"

namespace lwsmb::rpc {

class RpcClient {
 public:
  RpcClient(IoManager& io, const FileHandle& pipe, bool use_transceive = true)
      : io_(io), pipe_(pipe), use_transceive_(use_transceive) {}

  // Binds context 0 to the interface over NDR 2.0. RPC_NT_UNKNOWN_IF when the server rejects
  // the context, RPC_NT_PROTOCOL_ERROR for a bind_nak or an answer that does not parse.
  NtStatus bind(const SyntaxId& abstract_syntax);
  // One call: the request stub in, the response stub out. RPC_NT_CALL_FAILED on a fault
  // (last_fault() says which).
  Result<std::vector<std::byte>> call(uint16_t opnum, std::span<const std::byte> stub);

  uint32_t last_fault() const { return last_fault_; }
  uint16_t max_xmit_frag() const { return max_xmit_; }
  uint16_t max_recv_frag() const { return max_recv_; }
  uint16_t bind_nak_reason() const { return nak_reason_; }

 private:
  // Sends one PDU; with expect_answer, reads the first PDU of the answer too.
  Result<std::vector<std::byte>> send(std::span<const std::byte> pdu, bool expect_answer);
  // The next whole PDU from the pipe.
  Result<std::vector<std::byte>> next_pdu();

  IoManager& io_;
  const FileHandle& pipe_;
  bool use_transceive_;
  uint32_t next_call_id_ = 1;
  uint16_t max_xmit_ = kMinFragSize;
  uint16_t max_recv_ = 4280;
  uint32_t last_fault_ = 0;
  uint16_t nak_reason_ = 0;
  bool bound_ = false;
  std::vector<std::byte> inbox_;  // bytes read but not yet taken as PDUs
};

}  // namespace lwsmb::rpc
