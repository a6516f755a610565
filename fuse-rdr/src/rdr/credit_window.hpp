// The client's credit window (MS-SMB2 3.2.4.1.5, 3.2.5.1.4): message ids are handed out in
// order, each request consumes CreditCharge credits (at least one) and every response grants
// CreditResponse more. Pure bookkeeping; the connection parks requests that do not fit.
#pragma once

#include <cstdint>
#include <optional>

namespace lwsmb::fuse_rdr {

class CreditWindow {
 public:
  // A fresh connection holds one credit (for NEGOTIATE, message id 0).
  CreditWindow() = default;

  // Takes `charge` credits (0 counts as 1) and returns the first of `charge` consecutive
  // message ids, or nullopt when the window is too small now.
  std::optional<uint64_t> take(uint32_t charge);
  // Credits granted by a response (interim ones included).
  void grant(uint32_t credits);
  // A request that was never sent gives its credits back (its ids are burnt).
  void give_back(uint32_t charge);

  uint32_t available() const { return available_; }
  uint64_t next_message_id() const { return next_id_; }

  // Credits a request charged `charge` should ask for to keep about `target` credits in hand.
  uint16_t request_for(uint32_t charge, uint32_t target) const;

  // MS-SMB2 3.2.4.1.5: CreditCharge for a READ/WRITE/... payload of `bytes` with multi-credit
  // support: 1 + (bytes - 1) / 65536 (at least 1).
  static uint32_t charge_for(uint64_t bytes);

 private:
  uint64_t next_id_ = 0;
  uint32_t available_ = 1;
};

}  // namespace lwsmb::fuse_rdr
