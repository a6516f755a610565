#include "pipeline.hpp"

#include <algorithm>

namespace lwsmb::bench {

Pipeline::Pipeline(IoManager& io, const FileHandle& f, bool write, uint64_t io_size, unsigned depth,
                   uint64_t count, std::function<uint64_t(uint64_t)> offset_of)
    : io_(io),
      file_(f),
      write_(write),
      io_size_(io_size),
      count_(count),
      offset_of_(std::move(offset_of)) {
  const size_t slots = static_cast<size_t>(std::min<uint64_t>(std::max(depth, 1u), count));
  buffers_.resize(slots);
  for (size_t i = 0; i < slots; ++i) {
    buffers_[i].resize(io_size);
    // Data that does not compress to nothing, different per slot.
    for (size_t j = 0; j < io_size; j += 64) buffers_[i][j] = std::byte(uint8_t(i * 131 + j / 64));
  }
}

NtStatus Pipeline::run() {
  {
    std::lock_guard lock(mutex_);
    in_flight_ = buffers_.size();
  }
  for (size_t slot = 0; slot < buffers_.size(); ++slot) issue(slot);
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return in_flight_ == 0; });
  return error_;
}

void Pipeline::issue(size_t slot) {
  uint64_t index;
  {
    std::lock_guard lock(mutex_);
    if (error_ != NtStatus::Success || next_ >= count_) {
      if (--in_flight_ == 0) idle_.notify_all();
      return;
    }
    index = next_++;
  }
  const uint64_t offset = offset_of_(index);
  auto& buf = buffers_[slot];
  IrpArgs args;
  if (write_) {
    args = WriteArgs{.buffer = std::span<const std::byte>(buf), .offset = offset};
  } else {
    args = ReadArgs{.buffer = std::span<std::byte>(buf), .offset = offset};
  }
  io_.call(file_, std::move(args), [this, slot](Irp& irp) { done(slot, irp.status_block()); });
}

void Pipeline::done(size_t slot, const IoStatusBlock& iosb) {
  {
    std::lock_guard lock(mutex_);
    if (!nt_success(iosb.status)) {
      if (error_ == NtStatus::Success) error_ = iosb.status;
    } else if (iosb.information != io_size_) {
      if (error_ == NtStatus::Success) error_ = NtStatus::EndOfFile;
    }
  }
  issue(slot);
}

}  // namespace lwsmb::bench
