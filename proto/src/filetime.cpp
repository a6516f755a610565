// Unix time <-> Windows FILETIME (MS-DTYP 2.3.3: 100 ns intervals since 1601-01-01 UTC).
#include <limits>

#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::proto::fscc {
namespace {

constexpr int64_t kEpochDeltaSeconds = 11644473600;  // 1601-01-01 .. 1970-01-01
constexpr int64_t kTicksPerSecond = 10'000'000;
constexpr int64_t kNanosPerTick = 100;

}  // namespace

int64_t filetime_from_unix(int64_t seconds, uint32_t nanoseconds) {
  // 128-bit intermediate: seconds near the int64 limits saturate instead of overflowing.
  const __int128 ticks = (static_cast<__int128>(seconds) + kEpochDeltaSeconds) * kTicksPerSecond +
                         nanoseconds / kNanosPerTick;
  if (ticks > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (ticks < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ticks);
}

void unix_from_filetime(int64_t filetime, int64_t* seconds, uint32_t* nanoseconds) {
  // Floor division so that times before 1970 keep 0 <= nanoseconds < 1e9: one tick before
  // the epoch is -1 s + 999999900 ns.
  int64_t q = filetime / kTicksPerSecond;
  int64_t r = filetime % kTicksPerSecond;
  if (r < 0) {
    --q;
    r += kTicksPerSecond;
  }
  if (seconds) *seconds = q - kEpochDeltaSeconds;
  if (nanoseconds) *nanoseconds = static_cast<uint32_t>(r * kNanosPerTick);
}

}  // namespace lwsmb::proto::fscc
