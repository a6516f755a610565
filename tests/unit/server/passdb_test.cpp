// The smbpasswd file: Samba's line format, load/save, lookups.
#include "lwsmb/server/passdb.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "test_util.hpp"

namespace lwsmb::server {
namespace {

using lwsmb::test::TempDir;

// MD4(UTF-16LE("password")), as `pdbedit -L -w` prints it.
constexpr const char* kAliceLine =
    "alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:"
    "[U          ]:LCT-5F5E0F00:";

NtHash hash_of(std::initializer_list<int> bytes) {
  NtHash h{};
  size_t i = 0;
  for (int b : bytes) h[i++] = static_cast<std::byte>(b);
  return h;
}

const NtHash kPasswordHash = hash_of({0x88, 0x46, 0xF7, 0xEA, 0xEE, 0x8F, 0xB1, 0x17, 0xAD, 0x06,
                                      0xBD, 0xD8, 0x30, 0xB7, 0x58, 0x6C});

TEST(PassDb, ParsesPdbeditLine) {
  auto e = PassDb::parse_line(kAliceLine);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, "alice");
  EXPECT_EQ(e->uid, 1000u);
  EXPECT_FALSE(e->lm_hash);
  ASSERT_TRUE(e->nt_hash);
  EXPECT_EQ(*e->nt_hash, kPasswordHash);
  EXPECT_EQ(e->flags, "U");
  EXPECT_EQ(e->last_change, 0x5F5E0F00u);
  EXPECT_FALSE(e->disabled());
  EXPECT_EQ(PassDb::format_line(*e), kAliceLine);
}

TEST(PassDb, ParsesFlagsAndHashVariants) {
  auto d = PassDb::parse_line(
      "bob:1001:AAD3B435B51404EEAAD3B435B51404EE:31d6cfe0d16ae931b73c59d7e0c089c0:[DUX        ]:"
      "LCT-00000001:");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->lm_hash);
  EXPECT_TRUE(d->disabled());
  EXPECT_TRUE(d->has_flag('X'));
  // Lowercase hex is read; it is written back uppercase.
  EXPECT_EQ(PassDb::format_line(*d),
            "bob:1001:AAD3B435B51404EEAAD3B435B51404EE:31D6CFE0D16AE931B73C59D7E0C089C0:"
            "[DUX        ]:LCT-00000001:");

  auto n = PassDb::parse_line(
      "guest:65534:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:"
      "NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:[NU         ]:LCT-00000000:");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->password_not_required());
  EXPECT_FALSE(n->nt_hash);

  // Old format: no flags field, Unix-style trailing fields.
  auto old = PassDb::parse_line(
      "carol:1002:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:Carol:/home:");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->flags, "U");
}

TEST(PassDb, RejectsMalformedLines) {
  for (const char* line :
       {"", "alice", "alice:1000", "alice:x:XX:YY:[U]:",
        ":1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:",
        "alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B758:"
        "[U          ]:LCT-0:",
        "alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586G:"
        "[U          ]:LCT-0:",
        "alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:"
        "[U    :LCT-0:",
        "alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:"
        "[U          ]:LCT-zz:"})
    EXPECT_FALSE(PassDb::parse_line(line)) << line;
}

TEST(PassDb, MissingFileIsEmpty) {
  TempDir dir;
  auto db = PassDb::load((dir.path() / "none").string());
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->entries().empty());
}

TEST(PassDb, LoadSkipsMalformedLinesAndKeepsThem) {
  TempDir dir;
  dir.write("smbpasswd", std::string("# comment\n") + kAliceLine + "\ngarbage line\n\n" +
                             "BOB:1001:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
                             "31D6CFE0D16AE931B73C59D7E0C089C0:[U          ]:LCT-00000002:\n");
  auto path = (dir.path() / "smbpasswd").string();
  auto db = PassDb::load(path);
  ASSERT_TRUE(db);
  ASSERT_EQ(db->entries().size(), 2u);
  ASSERT_EQ(db->save(), NtStatus::Success);
  auto text = dir.read("smbpasswd");
  EXPECT_NE(text.find("garbage line\n"), std::string::npos);
  EXPECT_NE(text.find("# comment\n"), std::string::npos);
}

TEST(PassDb, FindIsCaseInsensitive) {
  TempDir dir;
  dir.write("smbpasswd", std::string(kAliceLine) + "\n");
  auto db = PassDb::load((dir.path() / "smbpasswd").string());
  ASSERT_TRUE(db);
  ASSERT_NE(db->find("ALICE"), nullptr);
  EXPECT_EQ(db->find("Alice")->uid, 1000u);
  EXPECT_EQ(db->find("alic"), nullptr);
  EXPECT_EQ(db->find("alicex"), nullptr);
}

TEST(PassDb, SaveLoadRoundTripMode0600) {
  TempDir dir;
  auto path = (dir.path() / "new/sub/smbpasswd").string();
  PassDb db(path);
  EXPECT_TRUE(db.set("alice", 1000, kPasswordHash));
  EXPECT_TRUE(db.set("bob", 1001, hash_of({1, 2, 3})));
  ASSERT_EQ(db.save(), NtStatus::Success);

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((dir.path() / "new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  auto loaded = PassDb::load(path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->entries(), db.entries());
  EXPECT_EQ(*loaded->find("alice")->nt_hash, kPasswordHash);
  EXPECT_GT(loaded->find("alice")->last_change, 0u);

  // No temp files are left beside it.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path() / "new/sub"))
    ++files;
  EXPECT_EQ(files, 1u);
}

TEST(PassDb, SaveTightensAnExistingLooseFile) {
  TempDir dir;
  dir.write("smbpasswd", std::string(kAliceLine) + "\n");
  auto path = (dir.path() / "smbpasswd").string();
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto db = PassDb::load(path);
  ASSERT_TRUE(db);
  ASSERT_EQ(db->save(), NtStatus::Success);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(dir.read("smbpasswd"), std::string(kAliceLine) + "\n");
}

TEST(PassDb, ReplaceKeepsFlagsAndDropsLmHash) {
  TempDir dir;
  dir.write("smbpasswd",
            "alice:1000:AAD3B435B51404EEAAD3B435B51404EE:31D6CFE0D16AE931B73C59D7E0C089C0:"
            "[NUX        ]:LCT-00000001:\n");
  auto db = PassDb::load((dir.path() / "smbpasswd").string());
  ASSERT_TRUE(db);
  EXPECT_FALSE(db->set("ALICE", 1005, kPasswordHash));
  ASSERT_EQ(db->entries().size(), 1u);
  const auto* e = db->find("alice");
  EXPECT_EQ(e->name, "alice");
  EXPECT_EQ(e->uid, 1005u);
  EXPECT_EQ(*e->nt_hash, kPasswordHash);
  EXPECT_FALSE(e->lm_hash);
  EXPECT_EQ(e->flags, "UX");  // 'N' (no password required) goes with a password set
  EXPECT_GT(e->last_change, 1u);
}

TEST(PassDb, Remove) {
  PassDb db;
  db.set("alice", 1000, kPasswordHash);
  db.set("bob", 1001, kPasswordHash);
  EXPECT_TRUE(db.remove("ALICE"));
  EXPECT_FALSE(db.remove("alice"));
  EXPECT_EQ(db.find("alice"), nullptr);
  EXPECT_NE(db.find("bob"), nullptr);
}

TEST(PassDb, UnixUid) {
  EXPECT_EQ(PassDb::unix_uid("root"), 0u);
  EXPECT_FALSE(PassDb::unix_uid("no-such-user-lwsmb-test"));
}

}  // namespace
}  // namespace lwsmb::server
