// npfs internals: pipes, their instances and ends, and the driver class. One mutex guards every
// pipe; IRPs are completed only after it is released (a completion may run the peer's code,
// which calls straight back into npfs).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "lwsmb/iocore/driver.hpp"
#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb::server::npfs {

constexpr int kClient = 0;
constexpr int kServer = 1;
// Bytes one end may have queued for the other before writes fail (a reader that never reads
// must not eat the server's memory).
constexpr size_t kMaxQueuedBytes = 8 * 1024 * 1024;
// FSCTL_PIPE_WAIT without a timeout waits this long (the Windows default pipe timeout);
// longer requests are capped.
constexpr int64_t kDefaultWaitMs = 50;
constexpr int64_t kMaxWaitMs = 10'000;

struct Completion {
  IrpPtr irp;
  NtStatus status;
  uint64_t information = 0;
};
using Completions = std::vector<Completion>;

inline void run(Completions& done) {
  for (auto& c : done) c.irp->complete(c.status, c.information);
  done.clear();
}

struct Message {
  std::vector<std::byte> data;
  size_t offset = 0;  // bytes of it already read
};

struct PipeEnd {
  bool open = false;
  uint32_t read_mode = pipe_value::kMessageMode;
  uint32_t completion_mode = pipe_value::kQueueOperation;
  std::deque<Message> inbound;  // written by the other end, for this end to read
  size_t queued = 0;            // unread bytes in inbound
  std::deque<IrpPtr> reads;     // pending reads and transceives, oldest first
};

struct Pipe;

struct Instance {
  std::shared_ptr<Pipe> pipe;  // the cycle through Pipe::instances ends when both ends close
  uint32_t state = pipe_value::kListeningState;
  PipeEnd ends[2];
  std::deque<IrpPtr> listens;
  // Bumped by FSCTL_PIPE_DISCONNECT: the client open from before is cut off for good, and the
  // instance may take a new client.
  uint32_t client_generation = 0;
};

struct Pipe {
  std::string name;  // lower case
  NamedPipeCreateParams params;
  std::vector<std::shared_ptr<Instance>> instances;
};

struct Waiter {
  IrpPtr irp;
  std::string name;
};

struct NpfsCcb : DriverFileContext {
  std::shared_ptr<Instance> instance;  // null: the npfs root (FSCTL_PIPE_WAIT)
  int end = kClient;
  uint32_t generation = 0;  // Instance::client_generation when the client end opened
};

inline std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::span<std::byte> read_buffer(Irp& irp) {
  if (irp.type() == IrpType::Read) return irp.args_as<ReadArgs>().buffer;
  return irp.args_as<FsControlArgs>().output;
}

// Moves queued data into buf. Message mode: at most one message; the rest of a message that
// does not fit stays queued and the read says STATUS_BUFFER_OVERFLOW (MS-FSCC 2.3 pipe reads).
inline NtStatus take_data(PipeEnd& me, std::span<std::byte> buf, uint64_t* n) {
  *n = 0;
  if (me.read_mode == pipe_value::kMessageMode) {
    Message& m = me.inbound.front();
    size_t left = m.data.size() - m.offset;
    size_t k = std::min(left, buf.size());
    if (k) std::memcpy(buf.data(), m.data.data() + m.offset, k);
    m.offset += k;
    me.queued -= k;
    *n = k;
    if (m.offset < m.data.size()) return NtStatus::BufferOverflow;
    me.inbound.pop_front();
    return NtStatus::Success;
  }
  while (!me.inbound.empty() && *n < buf.size()) {
    Message& m = me.inbound.front();
    size_t k = std::min(m.data.size() - m.offset, buf.size() - *n);
    if (k) std::memcpy(buf.data() + *n, m.data.data() + m.offset, k);
    m.offset += k;
    me.queued -= k;
    *n += k;
    if (m.offset == m.data.size()) me.inbound.pop_front();
  }
  return NtStatus::Success;
}

// Satisfies the end's pending reads from its queue.
inline void feed_reads(PipeEnd& me, Completions& done) {
  while (!me.reads.empty() && !me.inbound.empty()) {
    IrpPtr irp = std::move(me.reads.front());
    me.reads.pop_front();
    uint64_t n = 0;
    NtStatus st = take_data(me, read_buffer(*irp), &n);
    done.push_back({std::move(irp), st, n});
  }
}

inline void fail_all(std::deque<IrpPtr>& q, NtStatus st, Completions& done) {
  for (auto& irp : q) done.push_back({std::move(irp), st, 0});
  q.clear();
}

inline void drop(std::deque<IrpPtr>& q, const Irp& irp) {
  auto it = std::find_if(q.begin(), q.end(), [&](const IrpPtr& p) { return p.get() == &irp; });
  if (it != q.end()) q.erase(it);
}

// What an end may do in each state (Windows npfs: listening, disconnected, closing).
inline NtStatus state_error(uint32_t state, bool reading) {
  switch (state) {
    case pipe_value::kListeningState:
      return NtStatus::PipeListening;
    case pipe_value::kDisconnectedState:
      return NtStatus::PipeDisconnected;
    case pipe_value::kClosingState:
      return reading ? NtStatus::PipeBroken : NtStatus::PipeClosing;
    default:
      return NtStatus::Success;
  }
}

class NpfsDriver : public Driver, public std::enable_shared_from_this<NpfsDriver> {
 public:
  void attach(IoManager& io) override { io_ = &io; }
  void dispatch(const IrpPtr& irp) override;
  void shutdown() override;

 private:
  void create(const IrpPtr& irp, Completions& done);
  void close(const IrpPtr& irp, NpfsCcb& ccb, Completions& done);
  void read(const IrpPtr& irp, NpfsCcb& ccb, Completions& done);
  void write(const IrpPtr& irp, NpfsCcb& ccb, Completions& done);
  void fs_control(const IrpPtr& irp, NpfsCcb& ccb, Completions& done);
  void pipe_wait(const IrpPtr& irp, Completions& done);
  void query_info(const IrpPtr& irp, NpfsCcb& ccb, Completions& done);
  void set_info(const IrpPtr& irp, NpfsCcb& ccb, Completions& done);
  // Parks irp on q (under mutex_) with a cancel routine that takes it off again.
  void park(const IrpPtr& irp, std::deque<IrpPtr>& q, const std::shared_ptr<Instance>& owner,
            Completions& done);
  NtStatus deliver(Instance& inst, int to, std::span<const std::byte> data, Completions& done);
  void wake_waiters(const std::string& name, Completions& done);
  void start_wait_timer(const IrpPtr& irp, int64_t ms);

  std::mutex mutex_;
  IoManager* io_ = nullptr;
  std::map<std::string, std::shared_ptr<Pipe>> pipes_;
  std::vector<Waiter> waiters_;
  bool shut_down_ = false;
};

}  // namespace lwsmb::server::npfs
