#include "workloads.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "lwsmb/proto/fscc.hpp"
#include "pipeline.hpp"

namespace lwsmb::bench {

namespace {

namespace fscc = lwsmb::proto::fscc;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

const char* kSeqFile = "seq.bin";
const char* kSeqWriteFile = "seqw.bin";
const char* kRandFile = "rand.bin";
constexpr uint64_t kRandIo = 4096;

std::string meta_dir(unsigned d) {
  return "meta\\d" + std::to_string(d);
}
std::string meta_file(const Params& p, uint64_t i) {
  return meta_dir(static_cast<unsigned>(i % p.meta_dirs)) + "\\f" + std::to_string(i);
}
std::string list_entry(uint64_t i) {
  return "list\\e" + std::to_string(i);
}

// Writes (or reads) the whole of `path` with the pipeline; returns seconds taken.
double stream_file(Target& t, const std::string& path, bool write, uint64_t size, uint64_t io,
                   unsigned qd) {
  const uint64_t count = size / io;
  auto t0 = Clock::now();
  FileHandle f = write ? t.open(path, access::kFileGenericWrite, CreateDisposition::OverwriteIf,
                                create_option::kNonDirectoryFile)
                       : t.open(path, access::kFileGenericRead, CreateDisposition::Open,
                                create_option::kNonDirectoryFile);
  Pipeline pipe(t.io(), f, write, io, qd, count, [io](uint64_t i) { return i * io; });
  auto st = pipe.run();
  if (!nt_success(st)) fail_status(t.label() + ": " + (write ? "write " : "read ") + path, st);
  t.close(std::move(f), path);
  return seconds_since(t0);
}

// Setup writes the random-I/O file in requests of up to 1 MiB, so its size is a multiple of it.
uint64_t rand_setup_io(const Params& p) {
  return std::min<uint64_t>(p.rand_file_size, 1u << 20);
}
uint64_t rand_file_bytes(const Params& p) {
  return p.rand_file_size / rand_setup_io(p) * rand_setup_io(p);
}

// The same pseudo-random offsets for every target and round, 4 KiB aligned.
std::vector<uint64_t> random_offsets(const Params& p) {
  std::mt19937_64 rng(0x5eed);
  const uint64_t blocks = std::max<uint64_t>(rand_file_bytes(p) / kRandIo, 1);
  std::vector<uint64_t> v(p.rand_ops);
  for (auto& o : v) o = (rng() % blocks) * kRandIo;
  return v;
}

double run_random(Target& t, const Params& p, bool write) {
  static const std::vector<uint64_t> offsets = random_offsets(p);
  const std::string path = t.work(kRandFile);
  FileHandle f = t.open(path, access::kFileGenericRead | access::kFileGenericWrite,
                        CreateDisposition::Open, create_option::kNonDirectoryFile);
  auto t0 = Clock::now();
  Pipeline pipe(t.io(), f, write, kRandIo, p.rand_qd, offsets.size(),
                [](uint64_t i) { return offsets[i]; });
  auto st = pipe.run();
  const double secs = seconds_since(t0);
  if (!nt_success(st)) fail_status(t.label() + ": random I/O on " + path, st);
  t.close(std::move(f), path);
  return static_cast<double>(offsets.size()) / secs;
}

// meta: per file create+write 4 KiB+close, open+query FileAllInformation+close, delete.
// Counts 5 operations per file: create, write, close, stat, delete.
double run_meta(Target& t, const Params& p) {
  std::array<std::byte, kRandIo> data{};
  std::array<std::byte, 4096> info{};
  auto& io = t.io();
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < p.meta_files; ++i) {
    const std::string path = t.work(meta_file(p, i));
    FileHandle f = t.open(path, access::kFileGenericWrite, CreateDisposition::Create,
                          create_option::kNonDirectoryFile);
    auto w = io.write_file(f, data, 0);
    if (!nt_success(w.status)) fail_status(t.label() + ": write " + path, w.status);
    t.close(std::move(f), path);
    FileHandle s =
        t.open(path, access::kReadAttributes | access::kSynchronize, CreateDisposition::Open, 0);
    auto q = io.query_information(s, FileInfoClass::All, info);
    if (!nt_success(q.status)) fail_status(t.label() + ": stat " + path, q.status);
    auto all = fscc::decode_all(std::span(info).first(q.information));
    if (!all || all->standard.end_of_file != static_cast<int64_t>(kRandIo))
      throw BenchError(t.label() + ": stat " + path + ": size is not 4096");
    t.close(std::move(s), path);
    t.remove(path, false);
  }
  return static_cast<double>(p.meta_files * 5) / seconds_since(t0);
}

// One full listing of the 10k-entry directory per pass; ops = entries returned.
double run_listdir(Target& t, const Params& p) {
  std::vector<std::byte> buf(64 * 1024);
  auto& io = t.io();
  uint64_t entries = 0;
  auto t0 = Clock::now();
  for (unsigned pass = 0; pass < p.listdir_passes; ++pass) {
    const std::string path = t.work("list");
    FileHandle d = t.open(path, access::kReadData | access::kReadAttributes | access::kSynchronize,
                          CreateDisposition::Open, create_option::kDirectoryFile);
    uint8_t flags = query_directory_flag::kRestartScans;
    uint64_t seen = 0;
    for (;;) {
      auto st = io.query_directory(d, FileInfoClass::IdBothDirectory, "*", flags, buf);
      flags = 0;
      if (st.status == NtStatus::NoMoreFiles) break;
      if (!nt_success(st.status)) fail_status(t.label() + ": list " + path, st.status);
      auto list = fscc::decode_directory(FileInfoClass::IdBothDirectory,
                                         std::span(buf).first(st.information));
      if (!list) fail_status(t.label() + ": decode listing of " + path, list.status());
      seen += list->size();
    }
    t.close(std::move(d), path);
    if (seen < p.listdir_entries)
      throw BenchError(t.label() + ": list " + path + ": " + std::to_string(seen) +
                       " entries, expected at least " + std::to_string(p.listdir_entries));
    entries += seen;
  }
  return static_cast<double>(entries) / seconds_since(t0);
}

// Per iteration a new rdr driver (so a new TCP connection, NEGOTIATE, SESSION_SETUP, TREE_CONNECT),
// an open and close of the share root, and the driver's shutdown.
double run_connect(Target& t, const Params& p) {
  static std::atomic<uint64_t> serial{0};
  auto& io = t.io();
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < p.connect_count; ++i) {
    const std::string prefix = "\\c" + std::to_string(serial++);
    auto driver = fuse_rdr::make_rdr_driver(t.spec().rdr);
    auto st = io.register_driver(prefix, driver);
    if (!nt_success(st)) fail_status("register " + prefix, st);
    const std::string root = t.share_path(prefix);
    auto f = io.create_file(make_create(root, access::kReadAttributes | access::kSynchronize,
                                        CreateDisposition::Open, create_option::kDirectoryFile,
                                        share::kAll));
    if (!f) fail_status(t.label() + ": connect " + root, f.status());
    auto c = io.close_file(std::move(*f));
    if (!nt_success(c.status)) fail_status(t.label() + ": close " + root, c.status);
    driver->shutdown();
    io.unregister_driver(prefix);
  }
  return static_cast<double>(p.connect_count) / seconds_since(t0);
}

// C clients, each with its own driver and connection, read client_bytes of the seqread file
// (wrapping) in io_size requests, one at a time, all at once. MB/s over all of them, timed
// from when every client has its file open.
double run_concurrency(Target& t, const Params& p) {
  static std::atomic<uint64_t> serial{0};
  auto& io = t.io();
  struct Client {
    std::string prefix;
    std::shared_ptr<Driver> driver;
    FileHandle file;
  };
  std::vector<Client> clients(p.clients);
  const std::string rel = t.work(kSeqFile).substr(t.share_path().size());
  for (auto& c : clients) {
    c.prefix = "\\k" + std::to_string(serial++);
    c.driver = fuse_rdr::make_rdr_driver(t.spec().rdr);
    auto st = io.register_driver(c.prefix, c.driver);
    if (!nt_success(st)) fail_status("register " + c.prefix, st);
    c.file = t.open(t.share_path(c.prefix) + rel, access::kFileGenericRead, CreateDisposition::Open,
                    create_option::kNonDirectoryFile, share::kAll);
  }
  const uint64_t per_file = std::max<uint64_t>(p.file_size / p.io_size, 1);
  const uint64_t requests = std::max<uint64_t>(p.client_bytes / p.io_size, 1);
  std::vector<NtStatus> result(clients.size(), NtStatus::Success);
  std::atomic<size_t> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (size_t k = 0; k < clients.size(); ++k) {
    threads.emplace_back([&, k] {
      std::vector<std::byte> buf(p.io_size);
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (uint64_t i = 0; i < requests; ++i) {
        const uint64_t off = ((k * 7 + i) % per_file) * p.io_size;
        auto st = io.read_file(clients[k].file, buf, off);
        if (!nt_success(st.status) || st.information != p.io_size) {
          result[k] = nt_success(st.status) ? NtStatus::EndOfFile : st.status;
          return;
        }
      }
    });
  }
  while (ready.load() < clients.size()) std::this_thread::yield();
  auto t0 = Clock::now();
  go = true;
  for (auto& th : threads) th.join();
  const double secs = seconds_since(t0);
  for (auto& c : clients) {
    t.close(std::move(c.file), c.prefix);
    c.driver->shutdown();
    io.unregister_driver(c.prefix);
  }
  for (auto st : result)
    if (!nt_success(st)) fail_status(t.label() + ": concurrent read", st);
  return static_cast<double>(requests * p.io_size * clients.size()) / 1e6 / secs;
}

bool wants(const std::set<std::string>& chosen, std::initializer_list<const char*> names) {
  for (auto* n : names)
    if (chosen.count(n)) return true;
  return false;
}

}  // namespace

const std::vector<Workload>& all_workloads() {
  static const std::vector<Workload> w = {
      {"seqread", "MB/s", "read a --file-size file in --io-size requests, --qd in flight (async)"},
      {"seqwrite", "MB/s",
       "write (overwrite) a --file-size file in --io-size requests, --qd in flight"},
      {"randread", "ops/s",
       "--rand-ops 4 KiB reads at random aligned offsets of a --rand-file-size file, --rand-qd in "
       "flight"},
      {"randwrite", "ops/s", "as randread, writing"},
      {"meta", "ops/s",
       "--meta-files files across --meta-dirs directories: create, write 4 KiB, close, stat, "
       "delete (5 ops per file)"},
      {"listdir", "ops/s",
       "list a directory of --listdir-entries files (made in setup) --listdir-passes times; "
       "ops = entries"},
      {"connect", "ops/s",
       "--connect-count times a new driver and connection: negotiate, session setup, tree "
       "connect, open and close the root; ops = sessions"},
      {"concurrency", "MB/s",
       "--clients clients, each on its own connection, read --client-bytes of the seqread "
       "file in --io-size requests at once"},
  };
  return w;
}

const Workload& workload(const std::string& name) {
  for (const auto& w : all_workloads())
    if (name == w.name) return w;
  throw BenchError("no workload " + name);
}

void setup(Target& t, const Params& p, const std::set<std::string>& chosen) {
  t.mkdir(t.work());
  if (wants(chosen, {"seqread", "concurrency"}))
    stream_file(t, t.work(kSeqFile), true, p.file_size, p.io_size, p.qd);
  if (wants(chosen, {"randread", "randwrite"})) {
    stream_file(t, t.work(kRandFile), true, rand_file_bytes(p), rand_setup_io(p), 4);
  }
  if (wants(chosen, {"meta"})) {
    t.mkdir(t.work("meta"));
    for (unsigned d = 0; d < p.meta_dirs; ++d) t.mkdir(t.work(meta_dir(d)));
  }
  if (wants(chosen, {"listdir"})) {
    t.mkdir(t.work("list"));
    for (uint64_t i = 0; i < p.listdir_entries; ++i) {
      const std::string path = t.work(list_entry(i));
      t.close(t.open(path, access::kFileGenericWrite, CreateDisposition::OverwriteIf,
                     create_option::kNonDirectoryFile),
              path);
    }
  }
}

double run(Target& t, const Params& p, const std::string& name) {
  if (name == "seqread") {
    const uint64_t bytes = p.file_size / p.io_size * p.io_size;
    return static_cast<double>(bytes) / 1e6 /
           stream_file(t, t.work(kSeqFile), false, bytes, p.io_size, p.qd);
  }
  if (name == "seqwrite") {
    const uint64_t bytes = p.file_size / p.io_size * p.io_size;
    return static_cast<double>(bytes) / 1e6 /
           stream_file(t, t.work(kSeqWriteFile), true, bytes, p.io_size, p.qd);
  }
  if (name == "randread") return run_random(t, p, false);
  if (name == "randwrite") return run_random(t, p, true);
  if (name == "meta") return run_meta(t, p);
  if (name == "listdir") return run_listdir(t, p);
  if (name == "connect") return run_connect(t, p);
  if (name == "concurrency") return run_concurrency(t, p);
  throw BenchError("no workload " + name);
}

void cleanup(Target& t, const Params& p, const std::set<std::string>& chosen) {
  // Not there (setup never reached the server): nothing to do, and no point in trying every
  // file of a failed setup one by one.
  try {
    t.close(t.open(t.work(), access::kReadAttributes | access::kSynchronize,
                   CreateDisposition::Open, create_option::kDirectoryFile),
            t.work());
  } catch (const BenchError& e) {
    std::fprintf(stderr, "lwbench: cleanup: %s\n", e.what());
    return;
  }
  auto quietly = [&](const std::string& rel, bool dir) {
    try {
      t.remove(t.work(rel), dir);
    } catch (const BenchError&) {
      // Missing because its workload never ran or failed half way: nothing to remove.
    }
  };
  if (wants(chosen, {"seqread", "concurrency"})) quietly(kSeqFile, false);
  if (wants(chosen, {"seqwrite"})) quietly(kSeqWriteFile, false);
  if (wants(chosen, {"randread", "randwrite"})) quietly(kRandFile, false);
  if (wants(chosen, {"meta"})) {
    for (unsigned d = 0; d < p.meta_dirs; ++d) quietly(meta_dir(d), true);
    quietly("meta", true);
  }
  if (wants(chosen, {"listdir"})) {
    for (uint64_t i = 0; i < p.listdir_entries; ++i) quietly(list_entry(i), false);
    quietly("list", true);
  }
  try {
    t.remove(t.work(), true);
  } catch (const BenchError& e) {
    std::fprintf(stderr, "lwbench: cleanup: %s\n", e.what());
  }
}

}  // namespace lwsmb::bench
