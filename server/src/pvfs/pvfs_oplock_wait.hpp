// The CREATE side of oplock breaks: an awaitable that starts the breaks a new open needs
// (OplockTable::break_for_open) and suspends the create until they resolve or time out.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>

#include "lwsmb/iocore/event_loop.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

class PvfsDriver;

class OplockBreakWait {
 public:
  // Runs on `loop`'s thread (the create's), where the create resumes.
  // `share` is the open's share access: the share check decides what may be broken.
  OplockBreakWait(std::shared_ptr<PvfsDriver> drv, const FileKey& key, uint32_t access,
                  uint32_t share, bool overwrite, EventLoop& loop)
      : drv_(std::move(drv)),
        key_(key),
        access_(access),
        share_(share),
        overwrite_(overwrite),
        loop_(loop) {}
  bool await_ready() const noexcept { return false; }
  // False (no suspension) when nothing has to be waited for.
  bool await_suspend(std::coroutine_handle<> h);
  // True when the create waited: it must look again (another break may be due now).
  bool await_resume();

 private:
  struct State;
  std::shared_ptr<PvfsDriver> drv_;
  FileKey key_;
  uint32_t access_;
  uint32_t share_;
  bool overwrite_;
  EventLoop& loop_;
  std::shared_ptr<State> state_;
};

}  // namespace lwsmb::server::pvfs
