// Keeps up to `depth` READ or WRITE IRPs in flight on one open with the asynchronous
// IoManager::call: each completion (on a loop thread) issues the next request at once, so the
// queue never drains while work remains.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb::bench {

class Pipeline {
 public:
  // offset_of(i): where request i (0 <= i < count) goes; each moves `io_size` bytes.
  Pipeline(IoManager& io, const FileHandle& f, bool write, uint64_t io_size, unsigned depth,
           uint64_t count, std::function<uint64_t(uint64_t)> offset_of);
  // Runs all requests; returns the first failure (or Success) once none is in flight.
  // A short transfer counts as STATUS_END_OF_FILE.
  NtStatus run();

 private:
  void issue(size_t slot);
  void done(size_t slot, const IoStatusBlock& iosb);

  IoManager& io_;
  const FileHandle& file_;
  const bool write_;
  const uint64_t io_size_;
  const uint64_t count_;
  std::function<uint64_t(uint64_t)> offset_of_;
  std::vector<std::vector<std::byte>> buffers_;

  std::mutex mutex_;
  std::condition_variable idle_;
  uint64_t next_ = 0;
  size_t in_flight_ = 0;
  NtStatus error_ = NtStatus::Success;
};

}  // namespace lwsmb::bench
