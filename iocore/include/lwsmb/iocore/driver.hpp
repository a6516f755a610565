// What a driver implements. The I/O manager routes to drivers by namespace prefix.
#pragma once

#include <memory>

#include "lwsmb/iocore/irp.hpp"

namespace lwsmb {

class IoManager;

// Per-open state a driver hangs on a FileObject (its CCB in Likewise terms).
class DriverFileContext {
 public:
  virtual ~DriverFileContext() = default;
};

class Driver {
 public:
  virtual ~Driver() = default;
  // Called once when registered.
  virtual void attach(IoManager& /*io*/) {}
  // Handles one IRP. Must complete it exactly once, now or later (irp->mark_pending() first).
  // Never throws. Called on the thread that issued the request (a caller thread or a loop).
  virtual void dispatch(const IrpPtr& irp) = 0;
  // Called once before the I/O manager stops its loops.
  virtual void shutdown() {}
};

}  // namespace lwsmb
