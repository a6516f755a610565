// A pipe that carries READ data from the file to the socket without a copy: pvfs splices file
// pages into it (ReadArgs::splice_pipe), and the connection splices them on into the socket.
// Pipes are kept in a small pool per thread, each sized to the READ it was made for (1 MiB at
// least) as far as the kernel allows.
#pragma once

#include <cstddef>
#include <memory>

#include "srv/unique_fd.hpp"

namespace lwsmb::server {

struct SplicePipe {
  UniqueFd read_end;
  UniqueFd write_end;
  size_t capacity = 0;  // bytes it holds before a splice into it would block
};

// The end of a response that waits in a pipe: `length` bytes still to go to the socket.
struct SpliceTail {
  std::unique_ptr<SplicePipe> pipe;
  size_t length = 0;
};

// An empty pipe of at least `length` bytes' capacity from this thread's pool (or a new one);
// null when none can be had (too long, out of descriptors): read into a buffer then.
std::unique_ptr<SplicePipe> take_splice_pipe(size_t length);
// Gives back a pipe that is empty again; one still holding data (a failed send) is closed.
void return_splice_pipe(std::unique_ptr<SplicePipe> pipe, bool empty);

}  // namespace lwsmb::server
