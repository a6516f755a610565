// lwsmb shares: the target parser, the rdr pipe path and the smbclient-style table.
#include "lwsmb/fuse_rdr/share_listing.hpp"

#include <gtest/gtest.h>

namespace {

using namespace lwsmb;
using namespace lwsmb::fuse_rdr;

TEST(ShareListing, ParsesServerNames) {
  auto h = parse_unc_host("//server");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "server");
  EXPECT_EQ(h->port, 0);
  h = parse_unc_host("\\\\127.0.0.1:4450\\");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "127.0.0.1");
  EXPECT_EQ(h->port, 4450);
  h = parse_unc_host("plainhost/");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "plainhost");
  h = parse_unc_host("//[::1]:445");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "::1");
  EXPECT_EQ(h->port, 445);
  h = parse_unc_host("//[fe80::1]");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "fe80::1");
  h = parse_unc_host("fe80::2");  // bare IPv6: no port can be told apart
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "fe80::2");
  EXPECT_EQ(h->port, 0);
}

TEST(ShareListing, RejectsBadServerNames) {
  for (const char* bad :
       {"", "//", "\\\\", "/", "//host/share", "//host/share/x", "//:445", "//host:", "//host:0",
        "//host:65536", "//host:12x", "//host:-1", "//[::1", "//[]", "//[::1]x",
        "//[::1]:", "//host:99999999999999999999"}) {
    auto h = parse_unc_host(bad);
    EXPECT_FALSE(h.ok()) << bad;
    if (!h.ok()) {
      EXPECT_EQ(h.status(), NtStatus::ObjectPathSyntaxBad) << bad;
    }
  }
  // Garbage bytes (a NUL, high bytes) are no port either.
  EXPECT_FALSE(parse_unc_host(std::string_view("//h:4\0"
                                               "5",
                                               6))
                   .ok());
  EXPECT_FALSE(parse_unc_host("//h:\xff\xfe").ok());
}

TEST(ShareListing, PipePath) {
  EXPECT_EQ(rdr_pipe_path(UncHost{"srv", 0}, 4450, "srvsvc"), "\\rdr\\srv:4450\\IPC$\\srvsvc");
  EXPECT_EQ(rdr_pipe_path(UncHost{"srv", 0}, 0, "srvsvc"), "\\rdr\\srv\\IPC$\\srvsvc");
  EXPECT_EQ(rdr_pipe_path(UncHost{"::1", 0}, 445, "srvsvc"), "\\rdr\\[::1]:445\\IPC$\\srvsvc");
}

TEST(ShareListing, TypeNames) {
  EXPECT_EQ(share_type_name(rpc::share_type::kDiskTree), "Disk");
  EXPECT_EQ(share_type_name(rpc::share_type::kIpc | rpc::share_type::kSpecial), "IPC");
  EXPECT_EQ(share_type_name(1), "Printer");
  EXPECT_EQ(share_type_name(0x80000000u), "Disk");  // C$-style administrative share
  EXPECT_EQ(share_type_name(0x40000002u), "Device");
  EXPECT_EQ(share_type_name(0x0000ffffu), "Unknown");
}

TEST(ShareListing, TableLikeSmbclient) {
  std::vector<rpc::RpcShare> shares(3);
  shares[0].name = "share";
  shares[1].name = "docs";
  shares[1].comment = "Team documents";
  shares[2].name = "IPC$";
  shares[2].type = rpc::share_type::kIpc | rpc::share_type::kSpecial;
  shares[2].comment = "IPC Service";
  EXPECT_EQ(format_share_table(shares, false),
            "\n"
            "\tSharename       Type      Comment\n"
            "\t---------       ----      -------\n"
            "\tshare           Disk\n"
            "\tdocs            Disk      Team documents\n"
            "\tIPC$            IPC       IPC Service\n");
  // A long name widens the first column; --long adds the path.
  shares.resize(1);
  shares[0].name = "a-share-name-of-20ch";
  shares[0].path = "C:\\srv\\x";
  EXPECT_EQ(format_share_table(shares, true),
            "\n"
            "\tSharename            Type      Path                     Comment\n"
            "\t---------            ----      ----                     -------\n"
            "\ta-share-name-of-20ch Disk      C:\\srv\\x\n");
  EXPECT_EQ(format_share_table({}, false),
            "\n\tSharename       Type      Comment\n\t---------       ----      -------\n");
}

TEST(ShareListing, PlainReasons) {
  EXPECT_STREQ(plain_reason(NtStatus::ConnectionRefused), "connection refused");
  EXPECT_STREQ(plain_reason(NtStatus::LogonFailure), "logon failure (wrong user name or password)");
  EXPECT_EQ(plain_reason(NtStatus::Success), nullptr);
}

}  // namespace
