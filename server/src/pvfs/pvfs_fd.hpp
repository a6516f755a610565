// RAII for file descriptors and the few raw syscalls pvfs makes outside the ring.
#pragma once

#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace lwsmb::server::pvfs {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Every lookup below the share root resolves with these: no "..", no absolute symlink, no
// symlink leaving the root, no /proc magic links.
inline constexpr uint64_t kResolveBeneath = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

// openat2(2) without the ring, for the synchronous slow paths. Returns the fd or -errno.
inline int sys_openat2(int dirfd, const std::string& path, uint64_t flags, uint64_t mode = 0,
                       uint64_t resolve = kResolveBeneath) {
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  for (;;) {
    long r = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (r >= 0) return static_cast<int>(r);
    if (errno != EINTR) return -errno;
  }
}

}  // namespace lwsmb::server::pvfs
