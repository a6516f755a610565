// Unix time <-> FILETIME conversion, including times before 1970 and before 1601.
#include <gtest/gtest.h>

#include <limits>

#include "lwsmb/proto/fscc.hpp"

namespace lwsmb::proto::fscc {
namespace {

constexpr int64_t kUnixEpochFiletime = 116444736000000000;

TEST(Filetime, KnownValues) {
  EXPECT_EQ(filetime_from_unix(0, 0), kUnixEpochFiletime);
  EXPECT_EQ(filetime_from_unix(946684800, 0), 125911584000000000);            // 2000-01-01
  EXPECT_EQ(filetime_from_unix(-11644473600, 0), 0);                          // 1601-01-01
  EXPECT_EQ(filetime_from_unix(0, 123456789), kUnixEpochFiletime + 1234567);  // 100 ns floor
  EXPECT_EQ(filetime_from_unix(0, 99), kUnixEpochFiletime);
  EXPECT_EQ(filetime_from_unix(-1, 0), kUnixEpochFiletime - 10000000);
  EXPECT_EQ(filetime_from_unix(-1, 500000000), kUnixEpochFiletime - 5000000);
}

TEST(Filetime, ToUnix) {
  int64_t s = 1;
  uint32_t ns = 1;
  unix_from_filetime(kUnixEpochFiletime, &s, &ns);
  EXPECT_EQ(s, 0);
  EXPECT_EQ(ns, 0u);
  unix_from_filetime(125911584000000001, &s, &ns);
  EXPECT_EQ(s, 946684800);
  EXPECT_EQ(ns, 100u);
  // One tick before 1970 is -1 s + 999999900 ns, not 0 s - 100 ns.
  unix_from_filetime(kUnixEpochFiletime - 1, &s, &ns);
  EXPECT_EQ(s, -1);
  EXPECT_EQ(ns, 999999900u);
  unix_from_filetime(0, &s, &ns);
  EXPECT_EQ(s, -11644473600);
  EXPECT_EQ(ns, 0u);
  unix_from_filetime(-1, &s, &ns);  // before 1601
  EXPECT_EQ(s, -11644473601);
  EXPECT_EQ(ns, 999999900u);
  unix_from_filetime(std::numeric_limits<int64_t>::min(), &s, &ns);
  EXPECT_LT(ns, 1000000000u);
  unix_from_filetime(std::numeric_limits<int64_t>::max(), &s, &ns);
  EXPECT_EQ(s, std::numeric_limits<int64_t>::max() / 10000000 - 11644473600);
  // Either output may be omitted.
  unix_from_filetime(kUnixEpochFiletime + 10000001, &s, nullptr);
  EXPECT_EQ(s, 1);
  unix_from_filetime(kUnixEpochFiletime + 10000001, nullptr, &ns);
  EXPECT_EQ(ns, 100u);
}

TEST(Filetime, RoundTrip) {
  const int64_t secs[] = {0, 1, -1, 59, -59, 1700000000, -1700000000, -11644473600, 4102444800};
  const uint32_t nanos[] = {0, 100, 999999900, 500000000};
  for (int64_t s : secs) {
    for (uint32_t n : nanos) {
      int64_t s2 = 0;
      uint32_t n2 = 0;
      unix_from_filetime(filetime_from_unix(s, n), &s2, &n2);
      EXPECT_EQ(s2, s) << s << "." << n;
      EXPECT_EQ(n2, n) << s << "." << n;
    }
  }
}

TEST(Filetime, SaturatesInsteadOfOverflowing) {
  EXPECT_EQ(filetime_from_unix(std::numeric_limits<int64_t>::max(), 0),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(filetime_from_unix(std::numeric_limits<int64_t>::min(), 0),
            std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace lwsmb::proto::fscc
