// The wire structures npfs reads and writes: FILE_PIPE_WAIT_FOR_BUFFER (MS-FSCC 2.3.49), the
// pipe information classes (MS-FSCC 2.4.29, 2.4.30) and the few file classes a pipe answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/info_class.hpp"
#include "lwsmb/iocore/nt_constants.hpp"
#include "lwsmb/iocore/result.hpp"

namespace lwsmb::server::npfs {

struct PipeWaitRequest {
  int64_t timeout = 0;  // 100 ns units; negative: relative
  bool timeout_specified = false;
  std::string name;  // UTF-8, as sent (no "\PIPE\" prefix)
};

// STATUS_INVALID_PARAMETER for a short buffer, a NameLength past its end or odd, an empty or
// non-UTF-16 name.
Result<PipeWaitRequest> decode_pipe_wait(std::span<const std::byte> in);
std::vector<std::byte> encode_pipe_wait(const PipeWaitRequest& req);

// What a query on a pipe end (or the npfs root, is_pipe = false) reports.
struct PipeFacts {
  bool is_pipe = false;
  uint32_t pipe_type = pipe_value::kMessageType;
  uint32_t read_mode = pipe_value::kMessageMode;
  uint32_t completion_mode = pipe_value::kQueueOperation;
  uint32_t max_instances = 0xFFFFFFFF;
  uint32_t current_instances = 0;
  uint32_t inbound_quota = 0;
  uint32_t outbound_quota = 0;
  uint32_t read_data_available = 0;
  uint32_t write_quota_available = 0;
  uint32_t state = 0;
  uint32_t end = pipe_value::kClientEnd;
  uint64_t file_id = 0;
};

// FilePipe, FilePipeLocal, and Basic/Standard/Internal/NetworkOpen for a pipe. The buffer must
// hold the fixed size (STATUS_INFO_LENGTH_MISMATCH); other classes: STATUS_INVALID_PARAMETER.
NtStatus encode_pipe_info(FileInfoClass cls, const PipeFacts& f, std::span<std::byte> out,
                          uint64_t* written);

// FILE_PIPE_INFORMATION for SET_INFO: 8 bytes, values 0 or 1.
NtStatus decode_pipe_information(std::span<const std::byte> in, uint32_t* read_mode,
                                 uint32_t* completion_mode);

}  // namespace lwsmb::server::npfs
