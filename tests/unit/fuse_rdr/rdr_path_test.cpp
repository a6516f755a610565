#include "rdr/rdr_path.hpp"

#include <gtest/gtest.h>

namespace {

using lwsmb::NtStatus;
using lwsmb::fuse_rdr::parse_rdr_path;

TEST(RdrPath, ServerShareAndPath) {
  auto p = parse_rdr_path("srv\\share\\a\\b.txt");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->server, "srv");
  EXPECT_EQ(p->port, 0);
  EXPECT_EQ(p->share, "share");
  EXPECT_EQ(p->path, "a\\b.txt");
}

TEST(RdrPath, PortAndShareRoot) {
  auto p = parse_rdr_path("127.0.0.1:4455\\data");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->server, "127.0.0.1");
  EXPECT_EQ(p->port, 4455);
  EXPECT_EQ(p->share, "data");
  EXPECT_EQ(p->path, "");
  auto q = parse_rdr_path("h:1\\s\\dir\\");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->path, "dir");
}

TEST(RdrPath, BracketedIpv6) {
  auto p = parse_rdr_path("[::1]:445\\s\\f");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->server, "::1");
  EXPECT_EQ(p->port, 445);
  auto q = parse_rdr_path("[fe80::1]\\s");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->server, "fe80::1");
  EXPECT_EQ(q->port, 0);
}

TEST(RdrPath, Malformed) {
  for (const char* bad :
       {"", "\\", "srv", "srv\\", ":445\\s", "srv:\\s", "srv:0\\s", "srv:65536\\s", "srv:12a\\s",
        "srv:1234567\\s", "[::1\\s", "[::1]x\\s", "[::1]:\\s", "[]\\s"}) {
    auto p = parse_rdr_path(bad);
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status(), NtStatus::ObjectPathSyntaxBad) << bad;
  }
}

}  // namespace
