#include "srv/splice_pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace lwsmb::server {

namespace {

// The largest pipe asked for: a full-size 8 MiB READ (smbclient asks for those; Windows and
// lwbench for 1 MiB). Beyond fs.pipe-max-size (1 MiB by default) the kernel wants
// CAP_SYS_RESOURCE; without it such a READ reads into a buffer.
constexpr size_t kPipeMax = 8 * 1024 * 1024;
// Pipes kept per thread: a client's usual queue of large READs in flight.
constexpr size_t kPoolMax = 16;

thread_local bool pool_gone = false;

struct Pool {
  ~Pool() { pool_gone = true; }
  std::vector<std::unique_ptr<SplicePipe>> free;
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

}  // namespace

std::unique_ptr<SplicePipe> take_splice_pipe(size_t length) {
  if (length > kPipeMax || pool_gone) return nullptr;
  auto& p = pool();
  // The smallest kept pipe that holds the READ.
  size_t best = p.free.size();
  for (size_t i = 0; i < p.free.size(); ++i) {
    if (p.free[i]->capacity >= length &&
        (best == p.free.size() || p.free[i]->capacity < p.free[best]->capacity)) {
      best = i;
    }
  }
  if (best != p.free.size()) {
    auto pipe = std::move(p.free[best]);
    p.free.erase(p.free.begin() + static_cast<std::ptrdiff_t>(best));
    return pipe;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  auto pipe = std::make_unique<SplicePipe>();
  pipe->read_end.reset(fds[0]);
  pipe->write_end.reset(fds[1]);
  // At least 1 MiB, so that pipes made for smaller READs serve the common size too.
  const size_t want = std::max<size_t>(length, 1024 * 1024);
  const int size = ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(want));
  if (size < 0 || static_cast<size_t>(size) < length) return nullptr;
  pipe->capacity = static_cast<size_t>(size);
  return pipe;
}

void return_splice_pipe(std::unique_ptr<SplicePipe> pipe, bool empty) {
  if (!pipe || !empty || pool_gone) return;
  auto& p = pool();
  if (p.free.size() < kPoolMax) p.free.push_back(std::move(pipe));
}

}  // namespace lwsmb::server
