// Oplock requests of pvfs: the FsControl codes a protocol head uses (waiting for a break,
// acknowledging one) and the bounded wait of a CREATE for a break (MS-SMB2 3.3.4.6 timer).
#include <linux/time_types.h>

#include <atomic>

#include "pvfs/pvfs_driver.hpp"
#include "pvfs/pvfs_oplock_wait.hpp"

namespace lwsmb::server::pvfs {

bool PvfsDriver::oplock_fs_control(const IrpPtr& irp, PvfsCcb& ccb) {
  auto& a = irp->args_as<FsControlArgs>();
  switch (a.control_code) {
    case oplock_fsctl::kWaitForBreak:
      if (a.output.empty()) {
        irp->complete(NtStatus::BufferTooSmall);
      } else {
        oplocks_.wait_for_break(ccb.key, ccb.token, irp);
      }
      return true;
    case oplock_fsctl::kAcknowledge: {
      if (a.input.size() != 1 || a.output.empty()) {
        irp->complete(NtStatus::InvalidParameter);
        return true;
      }
      uint8_t held = oplock_level::kNone;
      NtStatus st =
          oplocks_.acknowledge(ccb.key, ccb.token, std::to_integer<uint8_t>(a.input[0]), &held);
      a.output[0] = static_cast<std::byte>(held);
      irp->complete(st, nt_success(st) ? 1 : 0);
      return true;
    }
    default:
      return false;
  }
}

struct OplockBreakWait::State {
  explicit State(EventLoop& l) : loop(l) {}
  EventLoop& loop;
  std::coroutine_handle<> handle;
  std::atomic<bool> fired{false};
  __kernel_timespec timeout{};
  EventLoop::OpId timer = 0;
  bool has_timer = false;

  void fire() {
    if (fired.exchange(true, std::memory_order_acq_rel)) return;
    auto h = handle;
    loop.post([h] { h.resume(); });
  }
};

bool OplockBreakWait::await_suspend(std::coroutine_handle<> h) {
  state_ = std::make_shared<State>(loop_);
  state_->handle = h;
  uint64_t waiter = 0;
  auto st = state_;
  const bool conflict = drv_->shares().check(key_, access_, share_) != NtStatus::Success;
  if (!drv_->oplocks().break_for_open(
          key_, access_, overwrite_, conflict, [st] { st->fire(); }, &waiter)) {
    state_.reset();
    return false;
  }
  // Wake-ups are posted to this loop, so the resumption cannot run before the timer is armed.
  const uint32_t ms = drv_->options().oplock_break_timeout_ms;
  st->timeout.tv_sec = ms / 1000;
  st->timeout.tv_nsec = static_cast<long long>(ms % 1000) * 1000000;
  st->has_timer = true;
  st->timer =
      loop_.submit([st](io_uring_sqe* sqe) { io_uring_prep_timeout(sqe, &st->timeout, 0, 0); },
                   [st, drv = drv_, key = key_, waiter](int res) {
                     if (res == -ECANCELED || st->fired.load(std::memory_order_acquire)) return;
                     drv->oplocks().expire(key, waiter);  // wakes every waiter, this one included
                     st->fire();
                   });
  return true;
}

bool OplockBreakWait::await_resume() {
  if (!state_) return false;
  if (state_->has_timer) loop_.cancel_op(state_->timer);
  state_.reset();
  return true;
}

}  // namespace lwsmb::server::pvfs
