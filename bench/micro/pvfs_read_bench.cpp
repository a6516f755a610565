// BM_PvfsRead1MiB: one synchronous 1 MiB read at offset 0 through the I/O manager and pvfs
// (IRP -> pvfs -> io_uring read into the caller's buffer -> completion), page cache warm.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/server/pvfs_driver.hpp"

namespace {

constexpr size_t kFileSize = 1 << 20;

// A temporary share holding one 1 MiB file; removed afterwards.
class BenchShare {
 public:
  BenchShare() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/lwsmb-bench-XXXXXX";
    if (mkdtemp(templ.data())) path_ = templ;
    std::ofstream out(path_ / "file.bin", std::ios::binary);
    std::vector<char> data(kFileSize);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  ~BenchShare() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void BM_PvfsRead1MiB(benchmark::State& state) {
  BenchShare share;
  lwsmb::IoManager io;
  lwsmb::server::PvfsOptions opts;
  opts.root = share.path().string();
  io.register_driver("\\pvfs", lwsmb::server::make_pvfs_driver(opts));
  lwsmb::CreateArgs args;
  args.path = "\\pvfs\\file.bin";
  args.desired_access = lwsmb::access::kGenericRead;
  args.share_access = lwsmb::share::kAll;
  args.disposition = lwsmb::CreateDisposition::Open;
  auto file = io.create_file(args);
  if (!file) {
    state.SkipWithError("create failed");
    return;
  }
  std::vector<std::byte> buf(kFileSize);
  for (auto _ : state) {
    auto sb = io.read_file(*file, buf, 0);
    if (sb.status != lwsmb::NtStatus::Success || sb.information != kFileSize) {
      state.SkipWithError("short or failed read");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kFileSize));
  io.close_file(std::move(*file));
}
BENCHMARK(BM_PvfsRead1MiB)->UseRealTime();

}  // namespace
