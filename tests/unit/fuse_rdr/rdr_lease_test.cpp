// rdr_lease: the decoder of break notifications (well-formed, truncated, oversized, garbage),
// what a CREATE asks for, and how a lease state is reported as an oplock level.
#include "rdr/rdr_lease.hpp"

#include <gtest/gtest.h>

#include <random>

#include "rdr/rdr_wire.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::fuse_rdr;
namespace smb2 = lwsmb::proto::smb2;

smb2::Header break_header() {
  smb2::Header h;
  h.command = smb2::Command::OplockBreak;
  h.flags = smb2::header_flag::kServerToRedir;
  h.message_id = kBreakMessageId;
  return h;
}

template <class Body>
std::vector<std::byte> message(const smb2::Header& h, const Body& b) {
  std::vector<std::byte> out;
  EXPECT_EQ(smb2::append_message(h, b, out), NtStatus::Success);
  return out;
}

smb2::LeaseBreakNotification sample_lease_break() {
  smb2::LeaseBreakNotification n;
  n.new_epoch = 3;
  n.flags = smb2::lease_break_flag::kAckRequired;
  for (int i = 0; i < 16; ++i) n.lease_key[i] = std::byte(i + 1);
  n.current_lease_state = kRequestedLeaseState;
  n.new_lease_state = smb2::lease_state::kRead | smb2::lease_state::kHandle;
  return n;
}

TEST(RdrLease, DecodesOplockAndLeaseBreaks) {
  auto ob =
      decode_break(message(break_header(), smb2::OplockBreak{smb2::oplock_level::kII, {7, 9}}));
  ASSERT_TRUE(ob.ok());
  EXPECT_EQ(ob->kind, RdrBreak::Kind::Oplock);
  EXPECT_EQ(ob->oplock.oplock_level, smb2::oplock_level::kII);
  EXPECT_EQ(ob->oplock.file_id, (smb2::FileId{7, 9}));

  auto n = sample_lease_break();
  auto lb = decode_break(message(break_header(), n));
  ASSERT_TRUE(lb.ok());
  EXPECT_EQ(lb->kind, RdrBreak::Kind::Lease);
  EXPECT_EQ(lb->lease, n);
  // Padding to 8 bytes after the body is allowed.
  auto padded = message(break_header(), n);
  padded.resize(padded.size() + 4);
  EXPECT_TRUE(decode_break(padded).ok());
}

TEST(RdrLease, TruncatedBreaksAreRejected) {
  for (auto msg : {message(break_header(), smb2::OplockBreak{}),
                   message(break_header(), sample_lease_break())}) {
    for (size_t n = 0; n < msg.size(); ++n) {
      EXPECT_FALSE(decode_break(std::span(msg).first(n)).ok()) << n << " of " << msg.size();
    }
  }
}

TEST(RdrLease, OversizedAndOtherFormsAreRejected) {
  auto big = message(break_header(), sample_lease_break());
  big.resize(big.size() + 64);
  EXPECT_FALSE(decode_break(big).ok());
  // The acknowledgment form (36 bytes) is not a notification.
  EXPECT_FALSE(decode_break(message(break_header(), smb2::LeaseBreakAck{})).ok());
  // A request (no SERVER_TO_REDIR), another command, another message id.
  auto h = break_header();
  h.flags = 0;
  EXPECT_FALSE(decode_break(message(h, smb2::OplockBreak{})).ok());
  h = break_header();
  h.command = smb2::Command::Read;
  EXPECT_FALSE(decode_break(message(h, smb2::OplockBreak{})).ok());
  h = break_header();
  h.message_id = 5;
  EXPECT_FALSE(decode_break(message(h, smb2::OplockBreak{})).ok());
}

TEST(RdrLease, GarbageIsRejectedWithoutCrashing) {
  std::mt19937 rng(42);
  auto good = message(break_header(), sample_lease_break());
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::byte> m(rng() % 140);
    for (auto& b : m) b = std::byte(rng());
    (void)decode_break(m);  // must not crash or read out of bounds (ASan)
    auto mutated = good;
    mutated[rng() % mutated.size()] = std::byte(rng());
    (void)decode_break(mutated);
  }
  std::vector<std::byte> zeros(108);
  EXPECT_FALSE(decode_break(zeros).ok());
}

CreateArgs open_args(uint32_t access, uint32_t options = 0,
                     CreateDisposition disp = CreateDisposition::Open) {
  CreateArgs a;
  a.desired_access = access;
  a.create_options = options;
  a.disposition = disp;
  return a;
}

TEST(RdrLease, WhatACreateAsksFor) {
  const auto read = open_args(access::kFileGenericRead);
  const auto write = open_args(access::kFileGenericWrite | access::kReadAttributes);
  const uint32_t leasing = smb2::capability::kLeasing;
  // Leasing servers: v2 on 3.x, v1 on 2.1, whatever the access.
  auto r = decide_cache_request(smb2::dialect::kSmb311, leasing, false, read);
  EXPECT_EQ(r.oplock_level, smb2::oplock_level::kLease);
  EXPECT_TRUE(r.lease);
  EXPECT_TRUE(r.lease_v2);
  r = decide_cache_request(smb2::dialect::kSmb210, leasing, false, write);
  EXPECT_TRUE(r.lease);
  EXPECT_FALSE(r.lease_v2);
  // No leasing (or 2.0.2, which has none): Batch when writing, Level II when reading.
  r = decide_cache_request(smb2::dialect::kSmb300, 0, false, write);
  EXPECT_FALSE(r.lease);
  EXPECT_EQ(r.oplock_level, smb2::oplock_level::kBatch);
  r = decide_cache_request(smb2::dialect::kSmb202, leasing, false, read);
  EXPECT_FALSE(r.lease);
  EXPECT_EQ(r.oplock_level, smb2::oplock_level::kII);
  r = decide_cache_request(smb2::dialect::kSmb202, 0, false,
                           open_args(access::kFileGenericRead, 0, CreateDisposition::OverwriteIf));
  EXPECT_EQ(r.oplock_level, smb2::oplock_level::kBatch);
  // Nothing for directories, attribute-only opens and pipes.
  for (auto a :
       {open_args(access::kFileGenericRead, create_option::kDirectoryFile),
        open_args(access::kReadAttributes), open_args(access::kDelete | access::kReadAttributes)}) {
    r = decide_cache_request(smb2::dialect::kSmb311, leasing, false, a);
    EXPECT_EQ(r.oplock_level, smb2::oplock_level::kNone);
    EXPECT_FALSE(r.lease);
  }
  r = decide_cache_request(smb2::dialect::kSmb311, leasing, true, read);
  EXPECT_EQ(r.oplock_level, smb2::oplock_level::kNone);
}

TEST(RdrLease, LeaseStatesAsOplockLevels) {
  namespace ls = smb2::lease_state;
  EXPECT_EQ(oplock_equivalent(ls::kRead | ls::kWrite | ls::kHandle), smb2::oplock_level::kBatch);
  EXPECT_EQ(oplock_equivalent(ls::kRead | ls::kWrite), smb2::oplock_level::kExclusive);
  EXPECT_EQ(oplock_equivalent(ls::kRead | ls::kHandle), smb2::oplock_level::kII);
  EXPECT_EQ(oplock_equivalent(ls::kRead), smb2::oplock_level::kII);
  EXPECT_EQ(oplock_equivalent(ls::kHandle), smb2::oplock_level::kNone);
  EXPECT_EQ(oplock_equivalent(0), smb2::oplock_level::kNone);
}

}  // namespace
