// Share modes (MS-FSA 2.1.5.1.2.2) and delete-pending bookkeeping.
#include "pvfs/share_access.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "lwsmb/iocore/nt_constants.hpp"

namespace lwsmb::server::pvfs {
namespace {

// The oracle, written from the spec's six conditions in another shape: each right the new
// open wants must be shared by the existing open, and each right the existing open holds must
// be shared by the new one; opens without data or delete rights stand outside the check.
enum Right { kR, kW, kD };

std::array<bool, 3> rights_of(uint32_t a) {
  return {(a & 0x01) || (a & 0x20),  // FILE_READ_DATA, FILE_EXECUTE
          (a & 0x02) || (a & 0x04),  // FILE_WRITE_DATA, FILE_APPEND_DATA
          (a & 0x00010000u) != 0};   // DELETE
}

std::array<bool, 3> shares_of(uint32_t s) {
  return {(s & 1) != 0, (s & 2) != 0, (s & 4) != 0};
}

bool oracle_conflict(uint32_t a1, uint32_t s1, uint32_t a2, uint32_t s2) {
  const auto r1 = rights_of(a1);
  const auto r2 = rights_of(a2);
  const bool takes_part1 = r1[kR] || r1[kW] || r1[kD];
  const bool takes_part2 = r2[kR] || r2[kW] || r2[kD];
  if (!takes_part1 || !takes_part2) return false;
  const auto sh1 = shares_of(s1);
  const auto sh2 = shares_of(s2);
  for (int r : {kR, kW, kD}) {
    if (r1[r] && !sh2[r]) return true;
    if (r2[r] && !sh1[r]) return true;
  }
  return false;
}

const std::array<uint32_t, 6> kSingleAccess = {access::kReadData,   access::kWriteData,
                                               access::kAppendData, access::kExecute,
                                               access::kDelete,     access::kReadAttributes};

TEST(ShareAccess, FullMatrixOfSingleRightsThroughTheTable) {
  int conflicts = 0;
  int cases = 0;
  for (uint32_t a1 : kSingleAccess) {
    for (uint32_t s1 = 0; s1 < 8; ++s1) {
      for (uint32_t a2 : kSingleAccess) {
        for (uint32_t s2 = 0; s2 < 8; ++s2) {
          const bool conflict = oracle_conflict(a1, s1, a2, s2);
          EXPECT_EQ(share_compatible(a2, s2, a1, s1), !conflict)
              << std::hex << "first " << a1 << "/" << s1 << " second " << a2 << "/" << s2;
          ShareModeTable table;
          const FileKey key{1, 2};
          uint64_t t1 = 0;
          uint64_t t2 = 0;
          ASSERT_EQ(table.add(key, a1, s1, &t1), NtStatus::Success);
          EXPECT_EQ(table.add(key, a2, s2, &t2),
                    conflict ? NtStatus::SharingViolation : NtStatus::Success)
              << std::hex << "first " << a1 << "/" << s1 << " second " << a2 << "/" << s2;
          EXPECT_EQ(table.open_count(key), conflict ? 1u : 2u);
          conflicts += conflict;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 6 * 8 * 6 * 8);
  EXPECT_GT(conflicts, 0);
  EXPECT_LT(conflicts, cases);
}

TEST(ShareAccess, EveryCombinationOfRightsIsSymmetricAndMatchesOracle) {
  // All 64 subsets of the six rights on each side, all share modes.
  for (uint32_t m1 = 0; m1 < 64; ++m1) {
    uint32_t a1 = 0;
    for (int b = 0; b < 6; ++b) a1 |= (m1 >> b & 1) ? kSingleAccess[b] : 0;
    for (uint32_t m2 = 0; m2 < 64; ++m2) {
      uint32_t a2 = 0;
      for (int b = 0; b < 6; ++b) a2 |= (m2 >> b & 1) ? kSingleAccess[b] : 0;
      for (uint32_t s1 = 0; s1 < 8; ++s1) {
        for (uint32_t s2 = 0; s2 < 8; ++s2) {
          const bool ok = share_compatible(a1, s1, a2, s2);
          ASSERT_EQ(ok, !oracle_conflict(a1, s1, a2, s2))
              << std::hex << a1 << "/" << s1 << " vs " << a2 << "/" << s2;
          ASSERT_EQ(ok, share_compatible(a2, s2, a1, s1));
        }
      }
    }
  }
}

TEST(ShareAccess, AttributeOnlyOpensNeverConflict) {
  const uint32_t attr_only[] = {access::kReadAttributes, access::kSynchronize,
                                access::kReadAttributes | access::kSynchronize,
                                access::kReadControl | access::kWriteAttributes, 0};
  const uint32_t data[] = {access::kFileAllAccess, access::kFileGenericRead,
                           access::kFileGenericWrite, access::kDelete, access::kExecute};
  for (uint32_t a : attr_only) {
    for (uint32_t d : data) {
      EXPECT_TRUE(share_compatible(a, 0, d, 0));
      EXPECT_TRUE(share_compatible(d, 0, a, 0));
      ShareModeTable table;
      const FileKey key{7, 7};
      uint64_t t = 0;
      ASSERT_EQ(table.add(key, d, 0, &t), NtStatus::Success);
      EXPECT_EQ(table.add(key, a, 0, &t), NtStatus::Success);
      EXPECT_EQ(table.add(key, a, 0, &t), NtStatus::Success);
      EXPECT_EQ(table.open_count(key), 3u);
    }
  }
  // Exclusive data opens still exclude each other.
  EXPECT_FALSE(share_compatible(access::kFileGenericRead, 0, access::kFileGenericRead, 0));
  EXPECT_TRUE(share_compatible(access::kFileGenericRead, share::kRead, access::kFileGenericRead,
                               share::kRead));
}

TEST(ShareAccess, FilesAreIndependent) {
  ShareModeTable table;
  uint64_t t = 0;
  ASSERT_EQ(table.add({1, 1}, access::kReadData, 0, &t), NtStatus::Success);
  EXPECT_EQ(table.add({1, 2}, access::kReadData, 0, &t), NtStatus::Success);
  EXPECT_EQ(table.add({2, 1}, access::kReadData, 0, &t), NtStatus::Success);
  EXPECT_EQ(table.add({1, 1}, access::kReadData, 0, &t), NtStatus::SharingViolation);
}

TEST(ShareAccess, RemoveReportsTheLastOpen) {
  ShareModeTable table;
  const FileKey key{3, 4};
  uint64_t a = 0;
  uint64_t b = 0;
  ASSERT_EQ(table.add(key, access::kReadData, share::kAll, &a), NtStatus::Success);
  ASSERT_EQ(table.add(key, access::kReadData, share::kAll, &b), NtStatus::Success);
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);
  bool del = true;
  EXPECT_FALSE(table.remove(key, a, &del));
  EXPECT_FALSE(del);
  EXPECT_FALSE(table.remove(key, a, &del));  // already gone
  EXPECT_EQ(table.open_count(key), 1u);
  EXPECT_TRUE(table.remove(key, b, &del));
  EXPECT_FALSE(del);
  EXPECT_EQ(table.open_count(key), 0u);
  EXPECT_FALSE(table.remove(key, b, nullptr));
  EXPECT_FALSE(table.remove({9, 9}, 1, nullptr));
}

TEST(ShareAccess, RemovingAnOpenLiftsItsShareMode) {
  ShareModeTable table;
  const FileKey key{5, 6};
  uint64_t a = 0;
  uint64_t b = 0;
  ASSERT_EQ(table.add(key, access::kWriteData, 0, &a), NtStatus::Success);
  EXPECT_EQ(table.add(key, access::kReadData, share::kAll, &b), NtStatus::SharingViolation);
  table.remove(key, a, nullptr);
  EXPECT_EQ(table.add(key, access::kReadData, share::kAll, &b), NtStatus::Success);
}

TEST(ShareAccess, DeletePendingBlocksNewOpens) {
  ShareModeTable table;
  const FileKey key{8, 9};
  uint64_t a = 0;
  uint64_t b = 0;
  ASSERT_EQ(table.add(key, access::kDelete, share::kAll, &a), NtStatus::Success);
  EXPECT_FALSE(table.delete_pending(key));
  table.set_delete_pending(key, true);
  EXPECT_TRUE(table.delete_pending(key));
  // Even an attribute-only open, and before the share check.
  EXPECT_EQ(table.add(key, access::kReadAttributes, share::kAll, &b), NtStatus::DeletePending);
  EXPECT_EQ(table.add(key, access::kReadData, 0, &b), NtStatus::DeletePending);
  EXPECT_EQ(table.open_count(key), 1u);
  // FileDispositionInformation can undo it while the file is open.
  table.set_delete_pending(key, false);
  EXPECT_EQ(table.add(key, access::kReadAttributes, share::kAll, &b), NtStatus::Success);
  table.set_delete_pending(key, true);
  bool del = false;
  EXPECT_FALSE(table.remove(key, a, &del));
  EXPECT_FALSE(del);
  EXPECT_TRUE(table.remove(key, b, &del));
  EXPECT_TRUE(del);
  // The state goes with the last open: a new file with the same identity starts clean.
  EXPECT_FALSE(table.delete_pending(key));
  EXPECT_EQ(table.add(key, access::kReadData, 0, &a), NtStatus::Success);
  // No state for a file nobody has open.
  table.set_delete_pending({77, 77}, true);
  EXPECT_FALSE(table.delete_pending({77, 77}));
}

TEST(ShareAccess, DeleteOnCloseDeletesOnLastClose) {
  ShareModeTable table;
  const FileKey key{10, 11};
  uint64_t a = 0;
  uint64_t b = 0;
  uint64_t c = 0;
  ASSERT_EQ(table.add(key, access::kDelete | access::kReadData, share::kAll, &a),
            NtStatus::Success);
  ASSERT_EQ(table.add(key, access::kReadData, share::kAll, &b), NtStatus::Success);
  table.set_delete_on_close(key, a);
  EXPECT_TRUE(table.delete_on_close(key, a));
  EXPECT_FALSE(table.delete_on_close(key, b));
  EXPECT_FALSE(table.delete_pending(key));  // not until that open closes
  ASSERT_EQ(table.add(key, access::kReadData, share::kAll, &c), NtStatus::Success);
  bool del = true;
  EXPECT_FALSE(table.remove(key, a, &del));
  EXPECT_FALSE(del);
  EXPECT_TRUE(table.delete_pending(key));
  EXPECT_EQ(table.add(key, access::kReadData, share::kAll, &a), NtStatus::DeletePending);
  EXPECT_FALSE(table.remove(key, b, &del));
  EXPECT_FALSE(del);
  EXPECT_TRUE(table.remove(key, c, &del));
  EXPECT_TRUE(del);

  // A lone delete-on-close open deletes on its own close.
  ASSERT_EQ(table.add(key, access::kDelete, 0, &a), NtStatus::Success);
  table.set_delete_on_close(key, a);
  EXPECT_TRUE(table.remove(key, a, &del));
  EXPECT_TRUE(del);
}

TEST(ShareAccess, ConcurrentAddRemove) {
  ShareModeTable table;
  const FileKey shared_key{20, 20};
  const FileKey exclusive_key{21, 21};
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::atomic<int> holders{0};
  std::atomic<int> max_holders{0};
  std::atomic<int> exclusive_wins{0};
  std::vector<std::vector<uint64_t>> tokens(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        uint64_t tok = 0;
        if (table.add(shared_key, access::kReadData, share::kAll, &tok) == NtStatus::Success) {
          tokens[t].push_back(tok);
          table.remove(shared_key, tok, nullptr);
        }
        uint64_t ex = 0;
        if (table.add(exclusive_key, access::kWriteData, 0, &ex) == NtStatus::Success) {
          const int now = ++holders;
          int seen = max_holders.load();
          while (now > seen && !max_holders.compare_exchange_weak(seen, now)) {
          }
          ++exclusive_wins;
          --holders;
          bool del = false;
          EXPECT_TRUE(table.remove(exclusive_key, ex, &del));
          EXPECT_FALSE(del);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(table.open_count(shared_key), 0u);
  EXPECT_EQ(table.open_count(exclusive_key), 0u);
  EXPECT_EQ(max_holders.load(), 1);  // the exclusive open was never held twice
  EXPECT_GT(exclusive_wins.load(), 0);
  std::set<uint64_t> unique;
  size_t total = 0;
  for (const auto& v : tokens) {
    unique.insert(v.begin(), v.end());
    total += v.size();
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kRounds));  // shared opens never conflict
  EXPECT_EQ(unique.size(), total);                            // tokens are unique
}

}  // namespace
}  // namespace lwsmb::server::pvfs
