#include "rdr/credit_window.hpp"

#include <gtest/gtest.h>

namespace {

using lwsmb::fuse_rdr::CreditWindow;

TEST(CreditWindow, StartsWithOneCreditForNegotiate) {
  CreditWindow w;
  EXPECT_EQ(w.available(), 1u);
  auto id = w.take(1);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, 0u);
  EXPECT_FALSE(w.take(1).has_value());
  EXPECT_EQ(w.next_message_id(), 1u);
}

TEST(CreditWindow, MultiCreditTakesConsecutiveIds) {
  CreditWindow w;
  ASSERT_TRUE(w.take(1));
  w.grant(100);
  auto a = w.take(16);  // a 1 MiB READ
  auto b = w.take(0);   // charge 0 counts as one credit
  auto c = w.take(64);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, 1u);
  EXPECT_EQ(*b, 17u);
  EXPECT_EQ(*c, 18u);
  EXPECT_EQ(w.available(), 100u - 16 - 1 - 64);
  EXPECT_FALSE(w.take(20).has_value());  // 19 left
  EXPECT_EQ(w.next_message_id(), 82u);   // a failed take burns nothing
  auto d = w.take(19);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, 82u);
  EXPECT_EQ(w.available(), 0u);
}

TEST(CreditWindow, GrantAndGiveBack) {
  CreditWindow w;
  ASSERT_TRUE(w.take(1));
  w.grant(0);  // a response may grant nothing
  EXPECT_EQ(w.available(), 0u);
  w.give_back(0);
  EXPECT_EQ(w.available(), 1u);
  w.grant(0xFFFFFFFFu);  // hostile grant: clamped, never wraps
  EXPECT_EQ(w.available(), 65535u);
  w.grant(10);
  EXPECT_EQ(w.available(), 65535u);
}

TEST(CreditWindow, RequestKeepsWindowNearTarget) {
  CreditWindow w;
  // Far below the target: ask for the charge plus at most 256 more.
  EXPECT_EQ(w.request_for(1, 512), 1 + 256);
  EXPECT_EQ(w.request_for(0, 512), 1 + 256);
  w.grant(600);
  EXPECT_EQ(w.request_for(16, 512), 16);  // at the target: just replace what is used
  EXPECT_EQ(w.request_for(10000, 512), 8192);
}

TEST(CreditWindow, ChargeFor) {
  EXPECT_EQ(CreditWindow::charge_for(0), 1u);
  EXPECT_EQ(CreditWindow::charge_for(1), 1u);
  EXPECT_EQ(CreditWindow::charge_for(65536), 1u);
  EXPECT_EQ(CreditWindow::charge_for(65537), 2u);
  EXPECT_EQ(CreditWindow::charge_for(1u << 20), 16u);
  EXPECT_EQ(CreditWindow::charge_for(8u << 20), 128u);
}

}  // namespace
