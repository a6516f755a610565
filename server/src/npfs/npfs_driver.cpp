// npfs: named pipes in memory (CREATE, CLOSE, READ, WRITE, information classes; the FSCTLs
// are in npfs_fsctl.cpp). States and statuses follow the Windows named pipe file system
// (MS-FSCC 2.4.30 NamedPipeState).
#include "lwsmb/server/npfs_driver.hpp"

#include "npfs/npfs_driver.hpp"
#include "npfs/npfs_info.hpp"

namespace lwsmb::server::npfs {

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
