// lwbench's workloads. Each has a setup (run once per target, untimed), a timed run that gives
// one sample (MB/s or ops/s), and a cleanup.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bench_target.hpp"

namespace lwsmb::bench {

struct Params {
  uint64_t file_size = 256ull << 20;  // seqread / seqwrite file
  uint64_t io_size = 1u << 20;        // seqread / seqwrite / concurrency request size
  unsigned qd = 8;                    // seqread / seqwrite requests in flight
  uint64_t rand_file_size = 64ull << 20;
  uint64_t rand_ops = 4000;  // 4 KiB requests per randread / randwrite sample
  unsigned rand_qd = 1;
  uint64_t meta_files = 500;
  unsigned meta_dirs = 10;
  uint64_t listdir_entries = 10000;
  unsigned listdir_passes = 2;
  uint64_t connect_count = 50;
  unsigned clients = 4;
  uint64_t client_bytes = 32ull << 20;  // per concurrency client
};

struct Workload {
  const char* name;
  const char* unit;  // "MB/s" or "ops/s"
  const char* help;
};

const std::vector<Workload>& all_workloads();
const Workload& workload(const std::string& name);

// Creates what the chosen workloads need on the target (files, directories); untimed.
void setup(Target& t, const Params& p, const std::set<std::string>& chosen);
// One timed sample of a workload (MB/s with MB = 10^6 bytes, or ops/s).
double run(Target& t, const Params& p, const std::string& name);
// Removes the scratch directory and everything in it; errors are reported, not thrown.
void cleanup(Target& t, const Params& p, const std::set<std::string>& chosen);

}  // namespace lwsmb::bench
