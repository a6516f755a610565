// LeaseCache: when the FUSE frontend may keep cached data and trust attributes, from the
// leases and oplocks its opens hold.
#include "fuse/lease_cache.hpp"

#include <gtest/gtest.h>

namespace {

using lwsmb::fuse_rdr::LeaseCache;

const LeaseCache::Stamp kV1{100, 90, 4096};
const LeaseCache::Stamp kV2{200, 190, 4096};  // same size, new times

TEST(LeaseCache, FirstOpenDropsThenASecondOpenUnderTheLeaseKeeps) {
  LeaseCache c;
  EXPECT_FALSE(c.opened(5, true, kV1));  // nothing known yet
  EXPECT_TRUE(c.trusted(5));
  EXPECT_TRUE(c.opened(5, true, kV1));
  // Even when the times moved (our own writes), the lease has been held throughout.
  EXPECT_TRUE(c.opened(5, true, kV2));
  EXPECT_FALSE(c.released(5, true));
  EXPECT_FALSE(c.released(5, true));
  EXPECT_TRUE(c.released(5, true));  // the last caching open
  EXPECT_FALSE(c.trusted(5));
}

TEST(LeaseCache, ABreakEndsEverything) {
  LeaseCache c;
  EXPECT_FALSE(c.opened(5, true, kV1));
  c.invalidate(5);
  EXPECT_FALSE(c.trusted(5));
  EXPECT_FALSE(c.opened(5, true, kV1));  // dropped at this open, valid again after it
  EXPECT_TRUE(c.trusted(5));
  EXPECT_TRUE(c.opened(5, true, kV1));
}

TEST(LeaseCache, AcrossClosesOnlyWhenTheFileIsUnchanged) {
  LeaseCache c;
  EXPECT_FALSE(c.opened(5, true, kV1));
  EXPECT_TRUE(c.released(5, true));
  EXPECT_TRUE(c.opened(5, true, kV1));  // same change time, write time and size
  EXPECT_TRUE(c.released(5, true));
  EXPECT_FALSE(c.opened(5, true, kV2));  // changed while nobody here held a lease
  EXPECT_TRUE(c.released(5, true));
  EXPECT_TRUE(c.opened(5, true, kV2));
}

TEST(LeaseCache, OpensWithoutALeaseNeverKeepAndSpoilTheNextOne) {
  LeaseCache c;
  EXPECT_FALSE(c.opened(5, true, kV1));
  EXPECT_FALSE(c.opened(5, false, kV1));
  EXPECT_FALSE(c.released(5, false));
  EXPECT_FALSE(c.trusted(5));
  EXPECT_FALSE(c.opened(5, true, kV1));
  EXPECT_EQ(c.released(7, true), false);  // unknown node
}

TEST(LeaseCache, ForgetKeepsNodesWithCachingOpens) {
  LeaseCache c;
  EXPECT_FALSE(c.opened(5, true, kV1));
  c.forget(5);
  EXPECT_TRUE(c.trusted(5));
  EXPECT_TRUE(c.released(5, true));
  c.forget(5);
  EXPECT_FALSE(c.opened(5, true, kV1));  // forgotten: nothing known
}

TEST(LeaseCache, NamesOnlyWithHandleCaching) {
  LeaseCache c;
  EXPECT_FALSE(c.opened(5, true, kV1, false));  // Level II / R lease: attributes only
  EXPECT_TRUE(c.trusted(5));
  EXPECT_FALSE(c.name_trusted(5));
  EXPECT_TRUE(c.opened(5, true, kV1, true));  // Batch / R+W+H
  EXPECT_TRUE(c.name_trusted(5));
  c.invalidate(5);
  EXPECT_FALSE(c.name_trusted(5));
  EXPECT_FALSE(c.opened(5, true, kV1, false));
  EXPECT_TRUE(c.trusted(5));
  EXPECT_FALSE(c.name_trusted(5));  // the break may have taken handle caching away
  EXPECT_TRUE(c.opened(5, true, kV1, true));
  EXPECT_TRUE(c.name_trusted(5));
  EXPECT_FALSE(c.released(5, true, true));
  EXPECT_FALSE(c.released(5, true, true));
  EXPECT_FALSE(c.name_trusted(5));
}

}  // namespace
