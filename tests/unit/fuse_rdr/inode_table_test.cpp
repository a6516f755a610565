#include "fuse/inode_table.hpp"

#include <gtest/gtest.h>

namespace {

using lwsmb::fuse_rdr::InodeTable;

TEST(InodeTable, LookupGivesStableNodesAndPaths) {
  InodeTable t;
  EXPECT_EQ(t.path(InodeTable::kRoot), "");
  auto a = t.lookup(InodeTable::kRoot, "a");
  auto b = t.lookup(a, "b");
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, a);
  EXPECT_EQ(t.lookup(InodeTable::kRoot, "a"), a);
  EXPECT_EQ(t.lookups(a), 2u);
  EXPECT_EQ(t.path(b), "a\\b");
  EXPECT_EQ(t.child_path(b, "c"), "a\\b\\c");
  EXPECT_EQ(t.child_path(InodeTable::kRoot, "x"), "x");
  EXPECT_EQ(t.lookup(12345, "x"), 0u);  // unknown parent
}

TEST(InodeTable, ForgetKeepsParentsOfLiveChildren) {
  InodeTable t;
  auto a = t.lookup(InodeTable::kRoot, "a");
  auto b = t.lookup(a, "b");
  t.forget(a, 1);
  EXPECT_EQ(t.path(b), "a\\b");  // a stays: b refers to it
  t.forget(b, 1);
  EXPECT_FALSE(t.path(b));
  EXPECT_FALSE(t.path(a));  // and goes with its last child
  EXPECT_EQ(t.size(), 1u);
  t.forget(InodeTable::kRoot, 100);
  EXPECT_EQ(t.path(InodeTable::kRoot), "");
}

TEST(InodeTable, RenameMovesSubtree) {
  InodeTable t;
  auto a = t.lookup(InodeTable::kRoot, "a");
  auto b = t.lookup(a, "b");
  auto d = t.lookup(InodeTable::kRoot, "d");
  t.rename(InodeTable::kRoot, "a", d, "z");
  EXPECT_EQ(t.path(a), "d\\z");
  EXPECT_EQ(t.path(b), "d\\z\\b");
  auto found = t.find("d\\z\\b");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ino, b);
  EXPECT_EQ(found->parent, a);
  EXPECT_EQ(found->name, "b");
  EXPECT_FALSE(t.find("a\\b"));
}

TEST(InodeTable, RenameOverDetachesTarget) {
  InodeTable t;
  auto x = t.lookup(InodeTable::kRoot, "x");
  auto y = t.lookup(InodeTable::kRoot, "y");
  t.rename(InodeTable::kRoot, "x", InodeTable::kRoot, "y");
  EXPECT_EQ(t.path(x), "y");
  EXPECT_FALSE(t.path(y));  // the replaced file is gone from the name space
  EXPECT_EQ(t.lookup(InodeTable::kRoot, "y"), x);
  t.forget(y, 1);
  EXPECT_EQ(t.path(x), "y");
}

TEST(InodeTable, RemoveDetaches) {
  InodeTable t;
  auto f = t.lookup(InodeTable::kRoot, "f");
  t.remove(InodeTable::kRoot, "f");
  EXPECT_FALSE(t.path(f));
  auto g = t.lookup(InodeTable::kRoot, "f");
  EXPECT_NE(g, f);  // a new file of the old name is a new node
  t.forget(f, 1);
  EXPECT_EQ(t.path(g), "f");
  EXPECT_FALSE(t.find("nope"));
  auto root = t.find("");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->ino, InodeTable::kRoot);
}

}  // namespace
