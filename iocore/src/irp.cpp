// Exactly-once completion and the cancel handshake between caller and driver.
#include "lwsmb/iocore/irp.hpp"

namespace lwsmb {

Irp::Irp(IrpArgs args, FileObjectPtr file, IrpCompletion on_complete)
    : args_(std::move(args)), file_(std::move(file)), on_complete_(std::move(on_complete)) {}

void Irp::mark_pending() {
  pending_.store(true, std::memory_order_release);
}

bool Irp::set_cancel_routine(CancelRoutine routine) {
  std::lock_guard lock(cancel_mutex_);
  if (cancel_requested_.load(std::memory_order_relaxed)) return false;
  // After completion the routine would never run; storing it could only leak whatever it
  // captures (often this IRP: a reference cycle).
  if (claimed_.load(std::memory_order_acquire)) return true;
  cancel_routine_ = std::move(routine);
  return true;
}

bool Irp::clear_cancel_routine() {
  CancelRoutine dropped;  // destroyed outside the lock: it may own the last IrpPtr
  std::lock_guard lock(cancel_mutex_);
  if (cancel_routine_) {
    dropped = std::move(cancel_routine_);
    cancel_routine_ = nullptr;
    return true;
  }
  return !cancel_requested_.load(std::memory_order_relaxed);
}

bool Irp::complete(NtStatus status, uint64_t information) {
  if (claimed_.exchange(true, std::memory_order_acq_rel)) return false;
  // The callback may drop the caller's last reference; keep ourselves alive until we return.
  auto self = weak_from_this().lock();
  iosb_.status = status;
  iosb_.information = information;
  CancelRoutine dropped;
  {
    std::lock_guard lock(cancel_mutex_);
    dropped = std::move(cancel_routine_);
    cancel_routine_ = nullptr;
  }
  completed_.store(true, std::memory_order_release);
  // Only the winner touches on_complete_; releasing it breaks cycles through its captures.
  IrpCompletion done = std::move(on_complete_);
  on_complete_ = nullptr;
  if (done) done(*this);
  return true;
}

void Irp::cancel() {
  auto self = weak_from_this().lock();
  CancelRoutine routine;
  {
    std::lock_guard lock(cancel_mutex_);
    if (cancel_requested_.exchange(true, std::memory_order_acq_rel)) return;
    routine = std::move(cancel_routine_);
    cancel_routine_ = nullptr;
  }
  // Outside the lock: the routine usually calls complete(), which takes the lock again. Once
  // taken it always runs, so a driver whose clear_cancel_routine() failed can rely on it.
  if (routine) routine(*this);
}

}  // namespace lwsmb
