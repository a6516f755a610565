// npfs file system controls: FSCTL_PIPE_LISTEN, _DISCONNECT, _TRANSCEIVE, _PEEK and _WAIT
// (MS-FSCC 2.3.31 - 2.3.53).
#include "npfs/npfs_driver.hpp"
#include "npfs/npfs_info.hpp"

namespace lwsmb::server::npfs {

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

}  // namespace lwsmb::server::npfs
