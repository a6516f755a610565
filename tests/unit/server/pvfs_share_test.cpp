// pvfs share modes through real opens (MS-FSA 2.1.5.1.2.2).
#include "pvfs_fixture.hpp"

namespace lwsmb::test {
namespace {

using CD = CreateDisposition;
using PvfsShare = PvfsTest;

struct Right {
  const char* name;
  uint32_t access;
  uint32_t share_bit;  // the share bit another open needs to allow it
};
constexpr Right kRights[] = {
    {"read", access::kReadData, share::kRead},      {"write", access::kWriteData, share::kWrite},
    {"append", access::kAppendData, share::kWrite}, {"execute", access::kExecute, share::kRead},
    {"delete", access::kDelete, share::kDelete},
};

// An existing open with (first, share mode) against a new open asking for `second` with full
// sharing, and the reverse roles: every combination of share bits.
TEST_F(PvfsShare, ConflictMatrix) {
  put("f", "x");
  for (const auto& first : kRights) {
    for (uint32_t mode = 0; mode <= share::kAll; ++mode) {
      for (const auto& second : kRights) {
        const bool allowed = (mode & second.share_bit) != 0;
        const NtStatus want = allowed ? NtStatus::Success : NtStatus::SharingViolation;
        {
          auto a = open("f", first.access, CD::Open, 0, mode);
          ASSERT_EQ(a.status(), NtStatus::Success);
          auto b = open("f", second.access, CD::Open, 0, share::kAll);
          EXPECT_EQ(b.status(), want)
              << first.name << " shared " << mode << " then " << second.name;
          close(std::move(b.handle));
          close(std::move(a.handle));
        }
        {
          auto a = open("f", second.access, CD::Open, 0, share::kAll);
          ASSERT_EQ(a.status(), NtStatus::Success);
          auto b = open("f", first.access, CD::Open, 0, mode);
          // The new open's share mode must allow the existing open's access.
          const bool ok = (mode & second.share_bit) != 0;
          EXPECT_EQ(b.status(), ok ? NtStatus::Success : NtStatus::SharingViolation)
              << second.name << " then " << first.name << " sharing " << mode;
          close(std::move(b.handle));
          close(std::move(a.handle));
        }
      }
    }
  }
}

TEST_F(PvfsShare, AttributeOnlyOpensDoNotConflict) {
  put("f", "x");
  auto a = open("f", access::kGenericAll, CD::Open, 0, 0);  // exclusive
  ASSERT_EQ(a.status(), NtStatus::Success);
  EXPECT_EQ(open("f", access::kReadAttributes, CD::Open, 0, share::kAll).status(),
            NtStatus::Success);
  EXPECT_EQ(open("f", access::kGenericRead, CD::Open, 0, share::kAll).status(),
            NtStatus::SharingViolation);
}

TEST_F(PvfsShare, ReleasedOnClose) {
  put("f", "x");
  auto a = open("f", access::kGenericRead, CD::Open, 0, 0);
  ASSERT_EQ(a.status(), NtStatus::Success);
  EXPECT_EQ(open("f", access::kGenericRead, CD::Open).status(), NtStatus::SharingViolation);
  close(std::move(a.handle));
  EXPECT_EQ(open("f", access::kGenericRead, CD::Open).status(), NtStatus::Success);
}

TEST_F(PvfsShare, OverwriteChecksSharingBeforeTruncating) {
  put("f", "keep me");
  auto a = open("f", access::kGenericRead, CD::Open, 0, share::kRead);
  ASSERT_EQ(a.status(), NtStatus::Success);
  EXPECT_EQ(open("f", access::kGenericWrite, CD::OverwriteIf).status(), NtStatus::SharingViolation);
  EXPECT_EQ(get("f"), "keep me");
}

TEST_F(PvfsShare, SharedAcrossCaseVariants) {
  put("Name.txt", "x");
  auto a = open("Name.txt", access::kGenericRead, CD::Open, 0, 0);
  ASSERT_EQ(a.status(), NtStatus::Success);
  EXPECT_EQ(open("NAME.TXT", access::kGenericRead, CD::Open).status(), NtStatus::SharingViolation);
}

}  // namespace
}  // namespace lwsmb::test
