// format_config prints the effective config; parsing it again gives the same config.
#include <gtest/gtest.h>

#include <string>

#include "lwsmb/server/config.hpp"
#include "test_util.hpp"

namespace lwsmb::server {
namespace {

using lwsmb::test::TempDir;

ServerConfig reparse(const ServerConfig& c) {
  auto load = parse_config(format_config(c), "formatted");
  for (const auto& m : load.messages)
    if (m.error) ADD_FAILURE() << format_message(m) << "\n" << format_config(c);
  EXPECT_TRUE(load.config);
  return load.config.value_or(ServerConfig{});
}

TEST(ConfigFormat, DefaultsRoundTrip) {
  auto load = parse_config("", "f");
  ASSERT_TRUE(load.config);
  auto again = reparse(*load.config);
  EXPECT_EQ(again.global, load.config->global);
  EXPECT_EQ(again.shares, load.config->shares);
}

TEST(ConfigFormat, EverythingSetRoundTrips) {
  TempDir dir;
  auto load = parse_config(
      "[global]\n"
      "smb ports = 4455 1445\n"
      "interfaces = 127.0.0.1 lo\n"
      "bind interfaces only = yes\n"
      "passdb = " +
          (dir.path() / "pw").string() +
          "\n"
          "server min protocol = SMB2_10\n"
          "server max protocol = SMB3_02\n"
          "server signing = disabled\n"
          "map to guest = bad password\n"
          "log level = 4\n"
          "log file = /tmp/lw.log\n"
          "netbios name = BOX\n"
          "workgroup = HOME\n"
          "server string = Box of files\n"
          "[Public]\n"
          "path = " +
          dir.path().string() +
          "\n"
          "comment = open to all\n"
          "writable = yes\n"
          "browseable = no\n"
          "valid users = alice \"carol smith\" @staff\n"
          "invalid users = root, daemon\n"
          "guest ok = yes\n"
          "force user = nobody\n"
          "create mask = 0600\n"
          "directory mask = 0700\n"
          "[private]\n"
          "path = " +
          dir.path().string() + "\n",
      "f");
  ASSERT_TRUE(load.config);
  auto again = reparse(*load.config);
  EXPECT_EQ(again.global, load.config->global);
  EXPECT_EQ(again.shares, load.config->shares);
}

TEST(ConfigFormat, PrintsEveryKeyInSmbConfSyntax) {
  TempDir dir;
  auto load = parse_config("[data]\npath = " + dir.path().string() + "\nread only = no\n", "f");
  ASSERT_TRUE(load.config);
  auto text = format_config(*load.config);
  EXPECT_TRUE(text.starts_with("# Global parameters\n[global]\n")) << text;
  for (const char* line :
       {"\tsmb ports = 445\n", "\tserver min protocol = SMB2_02\n",
        "\tserver max protocol = SMB3_11\n", "\tserver signing = auto\n",
        "\tmap to guest = Never\n", "\tbind interfaces only = No\n", "\tlog level = 1\n",
        "\tpassdb = /var/lib/lwsmb/smbpasswd\n", "\n[data]\n", "\tread only = No\n",
        "\tcreate mask = 0744\n", "\tdirectory mask = 0755\n", "\n[IPC$]\n",
        "\tcomment = IPC Service (lwsmb server)\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(ConfigFormat, ProtocolNamesAndMessages) {
  EXPECT_EQ(protocol_name(0x0202), "SMB2_02");
  EXPECT_EQ(protocol_name(0x0210), "SMB2_10");
  EXPECT_EQ(protocol_name(0x0300), "SMB3_00");
  EXPECT_EQ(protocol_name(0x0302), "SMB3_02");
  EXPECT_EQ(protocol_name(0x0311), "SMB3_11");
  EXPECT_EQ(format_message({true, "a.conf", 7, "bad"}), "a.conf:7: error: bad");
  EXPECT_EQ(format_message({false, "a.conf", 0, "meh"}), "a.conf: warning: meh");
}

}  // namespace
}  // namespace lwsmb::server
