// npfs: named pipes in memory. One mutex guards every pipe; IRPs are completed only after it is
// released (a completion may run the peer's code, which calls straight back into npfs).
// States and statuses follow the Windows named pipe file system (MS-FSCC 2.4.30 NamedPipeState).
#include "lwsmb/server/npfs_driver.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "npfs/npfs_info.hpp"

namespace lwsmb::server::npfs {

namespace {

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

void run(Completions& done) {
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

std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::span<std::byte> read_buffer(Irp& irp) {
  if (irp.type() == IrpType::Read) return irp.args_as<ReadArgs>().buffer;
  return irp.args_as<FsControlArgs>().output;
}

// Moves queued data into buf. Message mode: at most one message; the rest of a message that
// does not fit stays queued and the read says STATUS_BUFFER_OVERFLOW (MS-FSCC 2.3 pipe reads).
NtStatus take_data(PipeEnd& me, std::span<std::byte> buf, uint64_t* n) {
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
void feed_reads(PipeEnd& me, Completions& done) {
  while (!me.reads.empty() && !me.inbound.empty()) {
    IrpPtr irp = std::move(me.reads.front());
    me.reads.pop_front();
    uint64_t n = 0;
    NtStatus st = take_data(me, read_buffer(*irp), &n);
    done.push_back({std::move(irp), st, n});
  }
}

void fail_all(std::deque<IrpPtr>& q, NtStatus st, Completions& done) {
  for (auto& irp : q) done.push_back({std::move(irp), st, 0});
  q.clear();
}

void drop(std::deque<IrpPtr>& q, const Irp& irp) {
  auto it = std::find_if(q.begin(), q.end(), [&](const IrpPtr& p) { return p.get() == &irp; });
  if (it != q.end()) q.erase(it);
}

}  // namespace

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

void NpfsDriver::dispatch(const IrpPtr& irp) {
  Completions done;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) {
      done.push_back({irp, NtStatus::PipeBroken, 0});
    } else if (irp->type() == IrpType::Create) {
      create(irp, done);
    } else if (auto* ccb = irp->file().context<NpfsCcb>(); !ccb) {
      done.push_back(
          {irp, irp->type() == IrpType::Close ? NtStatus::Success : NtStatus::InvalidHandle, 0});
    } else if (ccb->instance && ccb->end == kClient &&
               ccb->generation != ccb->instance->client_generation) {
      // A client end the server disconnected: only CLOSE still works.
      done.push_back(
          {irp, irp->type() == IrpType::Close ? NtStatus::Success : NtStatus::PipeDisconnected, 0});
    } else {
      switch (irp->type()) {
        case IrpType::Close:
          close(irp, *ccb, done);
          break;
        case IrpType::Read:
          read(irp, *ccb, done);
          break;
        case IrpType::Write:
          write(irp, *ccb, done);
          break;
        case IrpType::Flush:
          // Nothing is buffered below npfs.
          done.push_back(
              {irp, ccb->instance ? NtStatus::Success : NtStatus::InvalidDeviceRequest, 0});
          break;
        case IrpType::FsControl:
          fs_control(irp, *ccb, done);
          break;
        case IrpType::QueryInformation:
          query_info(irp, *ccb, done);
          break;
        case IrpType::SetInformation:
          set_info(irp, *ccb, done);
          break;
        default:
          done.push_back({irp, NtStatus::InvalidDeviceRequest, 0});
          break;
      }
    }
  }
  run(done);
}

void NpfsDriver::shutdown() {
  Completions done;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (auto& [name, pipe] : pipes_) {
      for (auto& inst : pipe->instances) {
        fail_all(inst->listens, NtStatus::PipeBroken, done);
        for (auto& e : inst->ends) fail_all(e.reads, NtStatus::PipeBroken, done);
        inst->pipe.reset();
      }
      pipe->instances.clear();
    }
    pipes_.clear();
    for (auto& w : waiters_) done.push_back({std::move(w.irp), NtStatus::PipeBroken, 0});
    waiters_.clear();
  }
  run(done);
}

void NpfsDriver::park(const IrpPtr& irp, std::deque<IrpPtr>& q,
                      const std::shared_ptr<Instance>& owner, Completions& done) {
  irp->mark_pending();
  q.push_back(irp);
  std::weak_ptr<Instance> weak = owner;
  auto self = weak_from_this();
  // The routine finds the queue again through the instance: the deque may move.
  bool armed = irp->set_cancel_routine([weak, self, listen = &q == &owner->listens](Irp& c) {
    auto driver = self.lock();
    auto inst = weak.lock();
    if (!driver || !inst) {
      c.complete(NtStatus::Cancelled);
      return;
    }
    {
      std::lock_guard lock(driver->mutex_);
      auto contains = [&](std::deque<IrpPtr>& d) {
        return std::any_of(d.begin(), d.end(), [&](const IrpPtr& p) { return p.get() == &c; });
      };
      bool found = false;
      if (listen) {
        found = contains(inst->listens);
        drop(inst->listens, c);
      } else {
        for (auto& e : inst->ends) {
          if (contains(e.reads)) {
            found = true;
            drop(e.reads, c);
          }
        }
      }
      // Not queued any more: whoever took it off completes it.
      if (!found) return;
    }
    c.complete(NtStatus::Cancelled);
  });
  if (!armed) {
    drop(q, *irp);
    done.push_back({irp, NtStatus::Cancelled, 0});
  }
}

void NpfsDriver::create(const IrpPtr& irp, Completions& done) {
  auto& a = irp->args_as<CreateArgs>();
  std::string name = ascii_lower(a.path);
  auto ccb = std::make_unique<NpfsCcb>();
  if (name.empty()) {
    if (a.named_pipe) {
      done.push_back({irp, NtStatus::ObjectNameInvalid, 0});
      return;
    }
    irp->file().set_context(std::move(ccb));  // the root: FSCTL_PIPE_WAIT only
    done.push_back({irp, NtStatus::Success, static_cast<uint64_t>(CreateAction::Opened)});
    return;
  }
  auto it = pipes_.find(name);
  if (a.named_pipe) {
    // The server end: a new instance of a new or existing pipe.
    const auto& p = *a.named_pipe;
    if (p.pipe_type > pipe_value::kMessageType || p.read_mode > pipe_value::kMessageMode ||
        (p.pipe_type == pipe_value::kByteStreamType && p.read_mode == pipe_value::kMessageMode) ||
        p.max_instances == 0) {
      done.push_back({irp, NtStatus::InvalidParameter, 0});
      return;
    }
    std::shared_ptr<Pipe> pipe;
    if (it == pipes_.end()) {
      pipe = std::make_shared<Pipe>();
      pipe->name = name;
      pipe->params = p;
      pipes_[name] = pipe;
    } else {
      pipe = it->second;
      if (pipe->instances.size() >= pipe->params.max_instances) {
        done.push_back({irp, NtStatus::InstanceNotAvailable, 0});
        return;
      }
    }
    auto inst = std::make_shared<Instance>();
    inst->pipe = pipe;
    inst->ends[kServer].open = true;
    inst->ends[kServer].read_mode = p.read_mode;
    // Clients of a message pipe read messages (what SMB pipe reads expect).
    inst->ends[kClient].read_mode = p.pipe_type;
    pipe->instances.push_back(inst);
    ccb->instance = inst;
    ccb->end = kServer;
    irp->file().set_context(std::move(ccb));
    done.push_back({irp, NtStatus::Success, static_cast<uint64_t>(CreateAction::Created)});
    wake_waiters(name, done);
    return;
  }
  if (it == pipes_.end()) {
    done.push_back({irp, NtStatus::ObjectNameNotFound, 0});
    return;
  }
  if (a.disposition != CreateDisposition::Open && a.disposition != CreateDisposition::OpenIf) {
    done.push_back({irp, NtStatus::AccessDenied, 0});
    return;
  }
  for (auto& inst : it->second->instances) {
    if (inst->state != pipe_value::kListeningState || inst->ends[kClient].open) continue;
    inst->state = pipe_value::kConnectedState;
    inst->ends[kClient].open = true;
    fail_all(inst->listens, NtStatus::Success, done);
    ccb->instance = inst;
    ccb->end = kClient;
    ccb->generation = inst->client_generation;
    irp->file().set_context(std::move(ccb));
    done.push_back({irp, NtStatus::Success, static_cast<uint64_t>(CreateAction::Opened)});
    return;
  }
  done.push_back({irp, NtStatus::PipeNotAvailable, 0});
}

void NpfsDriver::close(const IrpPtr& irp, NpfsCcb& ccb, Completions& done) {
  // The root's pending waits end with it.
  for (auto w = waiters_.begin(); w != waiters_.end();) {
    if (w->irp->file_ptr().get() == &irp->file()) {
      done.push_back({std::move(w->irp), NtStatus::Cancelled, 0});
      w = waiters_.erase(w);
    } else {
      ++w;
    }
  }
  auto inst = ccb.instance;
  done.push_back({irp, NtStatus::Success, 0});
  if (!inst) return;
  PipeEnd& me = inst->ends[ccb.end];
  PipeEnd& peer = inst->ends[1 - ccb.end];
  me.open = false;
  me.inbound.clear();
  me.queued = 0;
  fail_all(me.reads, NtStatus::PipeBroken, done);
  if (ccb.end == kServer) fail_all(inst->listens, NtStatus::PipeBroken, done);
  if (peer.open && inst->state == pipe_value::kConnectedState) {
    // The other end may still read what is queued, then sees STATUS_PIPE_BROKEN.
    inst->state = pipe_value::kClosingState;
    fail_all(peer.reads, NtStatus::PipeBroken, done);
  }
  if (!peer.open) {
    auto pipe = inst->pipe;
    inst->pipe.reset();
    if (pipe) {
      std::erase(pipe->instances, inst);
      if (pipe->instances.empty()) {
        pipes_.erase(pipe->name);
        for (auto w = waiters_.begin(); w != waiters_.end();) {
          if (w->name == pipe->name) {
            done.push_back({std::move(w->irp), NtStatus::ObjectNameNotFound, 0});
            w = waiters_.erase(w);
          } else {
            ++w;
          }
        }
      }
    }
  }
}

// What an end may do in each state (Windows npfs: listening, disconnected, closing).
static NtStatus state_error(uint32_t state, bool reading) {
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

void NpfsDriver::read(const IrpPtr& irp, NpfsCcb& ccb, Completions& done) {
  if (!ccb.instance) {
    done.push_back({irp, NtStatus::InvalidDeviceRequest, 0});
    return;
  }
  auto& inst = *ccb.instance;
  PipeEnd& me = inst.ends[ccb.end];
  if (inst.state == pipe_value::kListeningState || inst.state == pipe_value::kDisconnectedState) {
    done.push_back({irp, state_error(inst.state, true), 0});
    return;
  }
  if (me.reads.empty() && !me.inbound.empty()) {
    uint64_t n = 0;
    NtStatus st = take_data(me, irp->args_as<ReadArgs>().buffer, &n);
    done.push_back({irp, st, n});
    return;
  }
  if (inst.state == pipe_value::kClosingState) {
    done.push_back({irp, NtStatus::PipeBroken, 0});
    return;
  }
  if (me.completion_mode == pipe_value::kCompleteOperation) {
    done.push_back({irp, NtStatus::PipeEmpty, 0});
    return;
  }
  park(irp, me.reads, ccb.instance, done);
}

NtStatus NpfsDriver::deliver(Instance& inst, int to, std::span<const std::byte> data,
                             Completions& done) {
  NtStatus st = state_error(inst.state, false);
  if (!nt_success(st)) return st;
  PipeEnd& peer = inst.ends[to];
  if (peer.queued + data.size() > kMaxQueuedBytes) return NtStatus::InsufficientResources;
  peer.inbound.push_back(Message{std::vector<std::byte>(data.begin(), data.end()), 0});
  peer.queued += data.size();
  feed_reads(peer, done);
  return NtStatus::Success;
}

void NpfsDriver::write(const IrpPtr& irp, NpfsCcb& ccb, Completions& done) {
  if (!ccb.instance) {
    done.push_back({irp, NtStatus::InvalidDeviceRequest, 0});
    return;
  }
  auto data = irp->args_as<WriteArgs>().buffer;
  NtStatus st = deliver(*ccb.instance, 1 - ccb.end, data, done);
  done.push_back({irp, st, nt_success(st) ? data.size() : 0});
}

void NpfsDriver::fs_control(const IrpPtr& irp, NpfsCcb& ccb, Completions& done) {
  auto& a = irp->args_as<FsControlArgs>();
  if (a.control_code == fsctl_pipe::kWait) {
    pipe_wait(irp, done);
    return;
  }
  if (!ccb.instance) {
    done.push_back({irp, NtStatus::InvalidDeviceRequest, 0});
    return;
  }
  auto& inst = *ccb.instance;
  const bool server = ccb.end == kServer;
  switch (a.control_code) {
    case fsctl_pipe::kListen:
      if (!server) break;
      switch (inst.state) {
        case pipe_value::kConnectedState:
          done.push_back({irp, NtStatus::PipeConnected, 0});
          return;
        case pipe_value::kClosingState:
          done.push_back({irp, NtStatus::PipeClosing, 0});
          return;
        case pipe_value::kDisconnectedState:
          inst.state = pipe_value::kListeningState;
          wake_waiters(inst.pipe ? inst.pipe->name : std::string(), done);
          [[fallthrough]];
        default:
          park(irp, inst.listens, ccb.instance, done);
          return;
      }
    case fsctl_pipe::kDisconnect: {
      if (!server) break;
      PipeEnd& client = inst.ends[kClient];
      client.inbound.clear();
      client.queued = 0;
      inst.ends[kServer].inbound.clear();
      inst.ends[kServer].queued = 0;
      fail_all(client.reads, NtStatus::PipeDisconnected, done);
      fail_all(inst.ends[kServer].reads, NtStatus::PipeDisconnected, done);
      fail_all(inst.listens, NtStatus::PipeDisconnected, done);
      inst.state = pipe_value::kDisconnectedState;
      // A client still holding its handle only gets STATUS_PIPE_DISCONNECTED from now on.
      client.open = false;
      ++inst.client_generation;
      done.push_back({irp, NtStatus::Success, 0});
      return;
    }
    case fsctl_pipe::kTransceive: {
      PipeEnd& me = inst.ends[ccb.end];
      if (me.read_mode != pipe_value::kMessageMode) {
        done.push_back({irp, NtStatus::InvalidPipeState, 0});
        return;
      }
      // MS-FSCC 2.3.51: fails while data is waiting to be read.
      if (!me.inbound.empty() || !me.reads.empty()) {
        done.push_back({irp, NtStatus::PipeBusy, 0});
        return;
      }
      NtStatus st = deliver(inst, 1 - ccb.end, a.input, done);
      if (!nt_success(st)) {
        done.push_back({irp, st, 0});
        return;
      }
      if (!me.inbound.empty()) {
        uint64_t n = 0;
        NtStatus rs = take_data(me, a.output, &n);
        done.push_back({irp, rs, n});
        return;
      }
      park(irp, me.reads, ccb.instance, done);
      return;
    }
    case fsctl_pipe::kPeek: {
      // FILE_PIPE_PEEK_BUFFER (MS-FSCC 2.3.53): state, bytes available, messages, this one.
      if (a.output.size() < 16) {
        done.push_back({irp, NtStatus::BufferTooSmall, 0});
        return;
      }
      PipeEnd& me = inst.ends[ccb.end];
      uint32_t msg_left =
          me.inbound.empty()
              ? 0
              : static_cast<uint32_t>(me.inbound.front().data.size() - me.inbound.front().offset);
      uint32_t vals[4] = {inst.state, static_cast<uint32_t>(me.queued),
                          static_cast<uint32_t>(me.inbound.size()), msg_left};
      std::memcpy(a.output.data(), vals, 16);  // little-endian host (x86-64, arm64)
      size_t k = std::min<size_t>(msg_left, a.output.size() - 16);
      if (k)
        std::memcpy(a.output.data() + 16,
                    me.inbound.front().data.data() + me.inbound.front().offset, k);
      done.push_back({irp, k < msg_left ? NtStatus::BufferOverflow : NtStatus::Success, 16 + k});
      return;
    }
    default:
      break;
  }
  done.push_back({irp, NtStatus::InvalidDeviceRequest, 0});
}

void NpfsDriver::wake_waiters(const std::string& name, Completions& done) {
  for (auto w = waiters_.begin(); w != waiters_.end();) {
    if (w->name == name) {
      done.push_back({std::move(w->irp), NtStatus::Success, 0});
      w = waiters_.erase(w);
    } else {
      ++w;
    }
  }
}

void NpfsDriver::pipe_wait(const IrpPtr& irp, Completions& done) {
  auto& a = irp->args_as<FsControlArgs>();
  auto req = decode_pipe_wait(a.input);
  if (!req) {
    done.push_back({irp, req.status(), 0});
    return;
  }
  std::string name = ascii_lower(req->name);
  auto it = pipes_.find(name);
  if (it == pipes_.end()) {
    done.push_back({irp, NtStatus::ObjectNameNotFound, 0});
    return;
  }
  for (auto& inst : it->second->instances) {
    if (inst->state == pipe_value::kListeningState) {
      done.push_back({irp, NtStatus::Success, 0});
      return;
    }
  }
  int64_t ms = kDefaultWaitMs;
  if (req->timeout_specified) {
    // A negative timeout is relative, in 100 ns units; a positive one is absolute time, which
    // npfs has no clock for: it counts as "now".
    ms = req->timeout < 0 ? -(req->timeout / 10'000) : 0;
  }
  ms = std::min(ms, kMaxWaitMs);
  if (ms == 0) {
    done.push_back({irp, NtStatus::IoTimeout, 0});
    return;
  }
  irp->mark_pending();
  waiters_.push_back({irp, name});
  auto self = weak_from_this();
  bool armed = irp->set_cancel_routine([self](Irp& c) {
    auto driver = self.lock();
    if (!driver) return;
    {
      std::lock_guard lock(driver->mutex_);
      auto w = std::find_if(driver->waiters_.begin(), driver->waiters_.end(),
                            [&](const Waiter& x) { return x.irp.get() == &c; });
      if (w == driver->waiters_.end()) return;
      driver->waiters_.erase(w);
    }
    c.complete(NtStatus::Cancelled);
  });
  if (!armed) {
    waiters_.pop_back();
    done.push_back({irp, NtStatus::Cancelled, 0});
    return;
  }
  start_wait_timer(irp, ms);
}

void NpfsDriver::start_wait_timer(const IrpPtr& irp, int64_t ms) {
  if (!io_) return;  // not attached (unit tests of the bare driver): waits until woken
  auto ts = std::make_shared<__kernel_timespec>();
  ts->tv_sec = ms / 1000;
  ts->tv_nsec = (ms % 1000) * 1'000'000;
  std::weak_ptr<Irp> weak_irp = irp;
  auto self = weak_from_this();
  irp->file().loop().submit([ts](io_uring_sqe* sqe) { io_uring_prep_timeout(sqe, ts.get(), 0, 0); },
                            [ts, weak_irp, self](int) {
                              auto driver = self.lock();
                              auto i = weak_irp.lock();
                              if (!driver || !i) return;
                              {
                                std::lock_guard lock(driver->mutex_);
                                auto& ws = driver->waiters_;
                                auto w = std::find_if(ws.begin(), ws.end(),
                                                      [&](const Waiter& x) { return x.irp == i; });
                                if (w == ws.end()) return;
                                ws.erase(w);
                              }
                              i->complete(NtStatus::IoTimeout);
                            });
}

void NpfsDriver::query_info(const IrpPtr& irp, NpfsCcb& ccb, Completions& done) {
  auto& a = irp->args_as<QueryInformationArgs>();
  PipeFacts f;
  if (ccb.instance) {
    auto& inst = *ccb.instance;
    const PipeEnd& me = inst.ends[ccb.end];
    const PipeEnd& peer = inst.ends[1 - ccb.end];
    f.is_pipe = true;
    if (inst.pipe) {
      f.pipe_type = inst.pipe->params.pipe_type;
      f.max_instances = inst.pipe->params.max_instances;
      f.current_instances = static_cast<uint32_t>(inst.pipe->instances.size());
      f.inbound_quota = inst.pipe->params.inbound_quota;
      f.outbound_quota = inst.pipe->params.outbound_quota;
    }
    f.read_mode = me.read_mode;
    f.completion_mode = me.completion_mode;
    f.read_data_available = static_cast<uint32_t>(me.queued);
    f.write_quota_available =
        peer.queued >= f.outbound_quota ? 0 : static_cast<uint32_t>(f.outbound_quota - peer.queued);
    f.state = inst.state;
    f.end = ccb.end == kServer ? pipe_value::kServerEnd : pipe_value::kClientEnd;
    f.file_id = reinterpret_cast<uintptr_t>(&inst);
  }
  uint64_t n = 0;
  NtStatus st = encode_pipe_info(a.info_class, f, a.buffer, &n);
  done.push_back({irp, st, n});
}

void NpfsDriver::set_info(const IrpPtr& irp, NpfsCcb& ccb, Completions& done) {
  auto& a = irp->args_as<SetInformationArgs>();
  if (!ccb.instance || a.info_class != FileInfoClass::Pipe) {
    done.push_back({irp, NtStatus::InvalidParameter, 0});
    return;
  }
  uint32_t read_mode = 0, completion_mode = 0;
  NtStatus st = decode_pipe_information(a.buffer, &read_mode, &completion_mode);
  if (nt_success(st)) {
    // A byte-stream pipe has no messages to read.
    if (read_mode == pipe_value::kMessageMode && ccb.instance->pipe &&
        ccb.instance->pipe->params.pipe_type == pipe_value::kByteStreamType) {
      st = NtStatus::InvalidParameter;
    } else {
      ccb.instance->ends[ccb.end].read_mode = read_mode;
      ccb.instance->ends[ccb.end].completion_mode = completion_mode;
    }
  }
  done.push_back({irp, st, 0});
}

}  // namespace lwsmb::server::npfs

namespace lwsmb::server {

std::shared_ptr<Driver> make_npfs_driver() {
  return std::make_shared<npfs::NpfsDriver>();
}

}  // namespace lwsmb::server
