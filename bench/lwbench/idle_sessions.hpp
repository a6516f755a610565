// lwbench idle: the cost of idle sessions. Opens N TCP connections, each with its own
// NEGOTIATE, SESSION_SETUP and TREE_CONNECT (built directly on the codec: the rdr driver would
// share one connection per server and user), holds them, and meanwhile times ECHO round trips
// on one more connection. With --server-pid it reads the server's resident memory (the process
// and its descendants, from /proc) before and while the sessions are held. At the end every held
// session is ended with TREE_DISCONNECT and LOGOFF, which proves it was still valid.
#pragma once

#include <cstdint>

#include "bench_target.hpp"

namespace lwsmb::bench {

struct IdleParams {
  uint64_t sessions = 100;
  uint64_t echoes = 2000;
  int server_pid = 0;  // 0: no memory figures
};

// Prints the figures on stdout (lines starting with "idle:"); returns the exit code (1 when a
// session could not be set up, an echo failed, or a held session was no longer valid).
int run_idle(const TargetSpec& spec, const IdleParams& p);

}  // namespace lwsmb::bench
