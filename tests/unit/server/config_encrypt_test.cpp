// smb.conf keys for encryption and Kerberos: "smb encrypt" / "server smb encrypt" with Samba's
// spellings, in [global] (session-wide and the share default) and per share; "kerberos keytab"
// and "realm"; testparm output round trips.
#include <gtest/gtest.h>

#include <string>

#include "lwsmb/server/config.hpp"
#include "test_util.hpp"

namespace lwsmb::server {
namespace {

using lwsmb::test::TempDir;

ServerConfig parse_ok(const std::string& text) {
  auto load = parse_config(text, "smb.conf");
  for (const auto& m : load.messages) ADD_FAILURE() << format_message(m);
  EXPECT_TRUE(load.config.has_value());
  return load.config.value_or(ServerConfig{});
}

TEST(ConfigEncrypt, DefaultsAreAutoAndNoKerberos) {
  auto c = parse_ok("");
  EXPECT_EQ(c.global.smb_encrypt, EncryptPolicy::Auto);
  EXPECT_EQ(c.shares.at(0).smb_encrypt, EncryptPolicy::Auto);
  EXPECT_EQ(c.global.kerberos_keytab, "");
  EXPECT_EQ(c.global.realm, "");
}

TEST(ConfigEncrypt, SambaSpellings) {
  struct Case {
    const char* value;
    EncryptPolicy want;
  };
  for (auto [value, want] :
       {Case{"off", EncryptPolicy::Off}, Case{"disabled", EncryptPolicy::Off},
        Case{"No", EncryptPolicy::Off}, Case{"auto", EncryptPolicy::Auto},
        Case{"default", EncryptPolicy::Auto}, Case{"if_required", EncryptPolicy::Auto},
        Case{"desired", EncryptPolicy::Desired}, Case{"yes", EncryptPolicy::Desired},
        Case{"required", EncryptPolicy::Required}, Case{"Mandatory", EncryptPolicy::Required},
        Case{"force", EncryptPolicy::Required}}) {
    for (const char* key : {"smb encrypt", "server smb encrypt", "server_smb_encrypt"}) {
      auto c = parse_ok(std::string("[global]\n") + key + " = " + value + "\n");
      EXPECT_EQ(c.global.smb_encrypt, want) << key << " = " << value;
    }
  }
}

TEST(ConfigEncrypt, GlobalIsSessionWideAndShareDefault) {
  TempDir dir;
  auto p = dir.path().string();
  auto c = parse_ok("[global]\nsmb encrypt = required\n[a]\npath = " + p + "\n[b]\npath = " + p +
                    "\nsmb encrypt = off\n");
  EXPECT_EQ(c.global.smb_encrypt, EncryptPolicy::Required);
  EXPECT_EQ(c.find_share("a")->smb_encrypt, EncryptPolicy::Required);
  EXPECT_EQ(c.find_share("b")->smb_encrypt, EncryptPolicy::Off);
}

TEST(ConfigEncrypt, PerShareDoesNotChangeTheGlobal) {
  TempDir dir;
  auto c = parse_ok("[secret]\npath = " + dir.path().string() + "\nsmb encrypt = mandatory\n");
  EXPECT_EQ(c.global.smb_encrypt, EncryptPolicy::Auto);
  EXPECT_EQ(c.find_share("secret")->smb_encrypt, EncryptPolicy::Required);
  EXPECT_EQ(c.find_share("IPC$")->smb_encrypt, EncryptPolicy::Auto);
}

TEST(ConfigEncrypt, BadValueIsAnErrorWithLine) {
  auto load = parse_config("[global]\n\nsmb encrypt = sometimes\n", "smb.conf");
  EXPECT_FALSE(load.config);
  ASSERT_EQ(load.messages.size(), 1u);
  EXPECT_EQ(format_message(load.messages[0]),
            "smb.conf:3: error: parameter 'smb encrypt': invalid smb encrypt 'sometimes' (use "
            "off, auto, desired or required)");
}

TEST(ConfigEncrypt, KerberosKeys) {
  auto c = parse_ok("[global]\nkerberos keytab = FILE:/etc/lw.keytab\nrealm = EXAMPLE.COM\n");
  EXPECT_EQ(c.global.kerberos_keytab, "/etc/lw.keytab");
  EXPECT_EQ(c.global.realm, "EXAMPLE.COM");
  EXPECT_EQ(parse_ok("dedicated keytab file = /k\n").global.kerberos_keytab, "/k");
}

TEST(ConfigEncrypt, KerberosKeyInShareIsIgnoredWithWarning) {
  TempDir dir;
  auto load = parse_config("[s]\npath = " + dir.path().string() + "\nrealm = X.ORG\n", "smb.conf");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->global.realm, "");
  ASSERT_EQ(load.messages.size(), 1u);
  EXPECT_FALSE(load.messages[0].error);
}

TEST(ConfigEncrypt, TestparmPrintsAndRoundTrips) {
  TempDir dir;
  auto load = parse_config(
      "[global]\nserver smb encrypt = desired\nkerberos keytab = /k.tab\n"
      "realm = R.TEST\n[plain]\npath = " +
          dir.path().string() + "\nsmb encrypt = off\n[sealed]\npath = " + dir.path().string() +
          "\nsmb encrypt = required\n",
      "f");
  ASSERT_TRUE(load.config);
  auto text = format_config(*load.config);
  for (const char* line :
       {"\tserver smb encrypt = desired\n", "\tkerberos keytab = /k.tab\n", "\trealm = R.TEST\n",
        "\tsmb encrypt = off\n", "\tsmb encrypt = required\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  auto again = parse_config(text, "again");
  ASSERT_TRUE(again.config);
  EXPECT_EQ(again.config->global, load.config->global);
  EXPECT_EQ(again.config->shares, load.config->shares);
}

}  // namespace
}  // namespace lwsmb::server
