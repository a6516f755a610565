#include "rdr/credit_window.hpp"

#include <algorithm>

namespace lwsmb::fuse_rdr {

namespace {
// More than any server grants; stops a hostile peer from overflowing the counter.
constexpr uint32_t kMaxCredits = 65535;
}  // namespace

std::optional<uint64_t> CreditWindow::take(uint32_t charge) {
  if (charge == 0) charge = 1;
  if (available_ < charge) return std::nullopt;
  available_ -= charge;
  uint64_t id = next_id_;
  next_id_ += charge;
  return id;
}

void CreditWindow::grant(uint32_t credits) {
  available_ = std::min<uint32_t>(kMaxCredits, available_ + std::min(credits, kMaxCredits));
}

void CreditWindow::give_back(uint32_t charge) {
  grant(charge == 0 ? 1 : charge);
}

uint16_t CreditWindow::request_for(uint32_t charge, uint32_t target) const {
  if (charge == 0) charge = 1;
  uint32_t want = charge;
  if (available_ < target) want += std::min<uint32_t>(target - available_, 256);
  return static_cast<uint16_t>(std::min<uint32_t>(want, 8192));
}

uint32_t CreditWindow::charge_for(uint64_t bytes) {
  if (bytes == 0) return 1;
  return static_cast<uint32_t>(1 + (bytes - 1) / 65536);
}

}  // namespace lwsmb::fuse_rdr
