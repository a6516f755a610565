// What one IRP costs to build, route and complete: synchronously through a driver that
// completes at once, and asynchronously through a driver that pends and completes on its loop.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>

#include "lwsmb/iocore/io_manager.hpp"

namespace {

using namespace lwsmb;

class NullDriver : public Driver {
 public:
  void dispatch(const IrpPtr& irp) override { irp->complete(NtStatus::Success); }
};

// Pends every IRP and completes it from the file's event loop, like a driver waiting on I/O.
class PostingDriver : public Driver {
 public:
  void dispatch(const IrpPtr& irp) override {
    if (irp->type() == IrpType::Create || irp->type() == IrpType::Close) {
      irp->complete(NtStatus::Success);
      return;
    }
    irp->mark_pending();
    irp->file().loop().post([irp] { irp->complete(NtStatus::Success); });
  }
};

FileHandle open_or_skip(IoManager& io, const char* path, benchmark::State& state) {
  CreateArgs args;
  args.path = path;
  auto handle = io.create_file(std::move(args));
  if (!handle) {
    state.SkipWithError("create failed");
    return {};
  }
  return std::move(handle.value());
}

void BM_IrpDispatchNullDriver(benchmark::State& state) {
  IoManager io;
  io.register_driver("\\null", std::make_shared<NullDriver>());
  FileHandle file = open_or_skip(io, "\\null\\f", state);
  if (!file) return;
  for (auto _ : state) {
    IoStatusBlock sb = io.call(file, FlushArgs{});
    if (sb.status != NtStatus::Success) {
      state.SkipWithError("flush failed");
      break;
    }
    benchmark::DoNotOptimize(sb);
  }
  (void)io.close_file(std::move(file));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("sync FLUSH IRP, driver completes inline");
}
BENCHMARK(BM_IrpDispatchNullDriver);

void BM_IrpDispatchAsyncPending(benchmark::State& state) {
  IoManager io;
  io.register_driver("\\post", std::make_shared<PostingDriver>());
  FileHandle file = open_or_skip(io, "\\post\\f", state);
  if (!file) return;
  std::atomic<bool> done{false};
  for (auto _ : state) {
    done.store(false, std::memory_order_relaxed);
    IrpPtr irp = io.call(file, FlushArgs{}, [&done](Irp&) {
      done.store(true, std::memory_order_release);
      done.notify_one();
    });
    done.wait(false, std::memory_order_acquire);
    benchmark::DoNotOptimize(irp);
  }
  (void)io.close_file(std::move(file));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("async FLUSH IRP, pended, completed on the loop thread");
}
BENCHMARK(BM_IrpDispatchAsyncPending);

}  // namespace
