// smb.conf parsing: every key, synonyms, syntax rules and the messages (file, line, text).
#include <gtest/gtest.h>

#include <string>

#include "lwsmb/server/config.hpp"
#include "test_util.hpp"

namespace lwsmb::server {
namespace {

using lwsmb::test::TempDir;

// Parses text that must load; the share paths given are created by the caller when needed.
ServerConfig parse_ok(const std::string& text, std::vector<ConfigMessage>* messages = nullptr) {
  auto load = parse_config(text, "smb.conf");
  if (messages) *messages = load.messages;
  for (const auto& m : load.messages)
    if (m.error) ADD_FAILURE() << format_message(m);
  EXPECT_TRUE(load.config.has_value());
  return load.config.value_or(ServerConfig{});
}

std::vector<std::string> errors_of(const ConfigLoad& load) {
  std::vector<std::string> out;
  for (const auto& m : load.messages)
    if (m.error) out.push_back(format_message(m));
  return out;
}

std::vector<std::string> warnings_of(const ConfigLoad& load) {
  std::vector<std::string> out;
  for (const auto& m : load.messages)
    if (!m.error) out.push_back(format_message(m));
  return out;
}

TEST(ConfigParse, EmptyFileGivesDefaultsAndIpc) {
  auto c = parse_ok("");
  EXPECT_EQ(c.global, GlobalConfig{});
  EXPECT_EQ(c.source, "smb.conf");
  ASSERT_EQ(c.shares.size(), 1u);
  EXPECT_EQ(c.shares[0].name, "IPC$");
  EXPECT_TRUE(c.shares[0].ipc);
  EXPECT_EQ(c.shares[0].comment, "IPC Service (lwsmb server)");
}

TEST(ConfigParse, EveryGlobalKey) {
  auto c = parse_ok(
      "[global]\n"
      "  smb ports = 4455 1445\n"
      "  interfaces = 127.0.0.1, lo eth0\n"
      "  bind interfaces only = yes\n"
      "  passdb = /tmp/x/smbpasswd\n"
      "  server min protocol = SMB2_10\n"
      "  server max protocol = SMB3_02\n"
      "  server signing = mandatory\n"
      "  map to guest = Bad User\n"
      "  log level = 3\n"
      "  log file = /var/log/lw.log\n"
      "  netbios name = BOX\n"
      "  workgroup = HOME\n"
      "  server string = my server\n");
  const auto& g = c.global;
  EXPECT_EQ(g.smb_ports, (std::vector<uint16_t>{4455, 1445}));
  EXPECT_EQ(g.interfaces, (std::vector<std::string>{"127.0.0.1", "lo", "eth0"}));
  EXPECT_TRUE(g.bind_interfaces_only);
  EXPECT_EQ(g.passdb, "/tmp/x/smbpasswd");
  EXPECT_EQ(g.server_min_protocol, 0x0210);
  EXPECT_EQ(g.server_max_protocol, 0x0302);
  EXPECT_EQ(g.server_signing, SigningPolicy::Mandatory);
  EXPECT_EQ(g.map_to_guest, MapToGuest::BadUser);
  EXPECT_EQ(g.log_level, 3);
  EXPECT_EQ(g.log_file, "/var/log/lw.log");
  EXPECT_EQ(g.netbios_name, "BOX");
  EXPECT_EQ(g.workgroup, "HOME");
  EXPECT_EQ(g.server_string, "my server");
  EXPECT_EQ(c.find_share("IPC$")->comment, "IPC Service (my server)");
}

TEST(ConfigParse, EveryShareKey) {
  TempDir dir;
  auto c = parse_ok(
      "[Public]\n"
      "path = " +
      dir.path().string() +
      "\n"
      "comment = Shared files\n"
      "read only = no\n"
      "browseable = no\n"
      "valid users = alice, bob \"carol smith\" @staff\n"
      "invalid users = root\n"
      "guest ok = yes\n"
      "force user = nobody\n"
      "create mask = 0640\n"
      "directory mask = 750\n");
  ASSERT_EQ(c.shares.size(), 2u);
  const auto* s = c.find_share("public");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "Public");
  EXPECT_EQ(s->path, dir.path().string());
  EXPECT_EQ(s->comment, "Shared files");
  EXPECT_FALSE(s->read_only);
  EXPECT_FALSE(s->browseable);
  EXPECT_EQ(s->valid_users, (std::vector<std::string>{"alice", "bob", "carol smith", "@staff"}));
  EXPECT_EQ(s->invalid_users, std::vector<std::string>{"root"});
  EXPECT_TRUE(s->guest_ok);
  EXPECT_EQ(s->force_user, "nobody");
  EXPECT_EQ(s->create_mask, 0640u);
  EXPECT_EQ(s->directory_mask, 0750u);
  EXPECT_FALSE(s->ipc);
}

TEST(ConfigParse, KeysIgnoreCaseSpacesAndUnderscores) {
  TempDir dir;
  auto c = parse_ok("[GLOBAL]\nSMB_PORTS=4455\nBindInterfacesOnly = Yes\n[s]\nPATH=" +
                    dir.path().string() + "\nreadonly = No\nGuest_OK = TRUE\n");
  EXPECT_EQ(c.global.smb_ports, std::vector<uint16_t>{4455});
  EXPECT_TRUE(c.global.bind_interfaces_only);
  EXPECT_FALSE(c.find_share("s")->read_only);
  EXPECT_TRUE(c.find_share("s")->guest_ok);
}

TEST(ConfigParse, Synonyms) {
  TempDir dir;
  std::string p = dir.path().string();
  auto c = parse_ok("[a]\ndirectory = " + p + "\nwritable = yes\nbrowsable = no\npublic = yes\n" +
                    "[b]\npath = " + p + "\nwriteable = yes\ncreate mode = 600\n" +
                    "directory mode = 700\n" + "[c]\npath = " + p + "\nwrite ok = no\n" +
                    "[global]\nmin protocol = SMB3\nmax protocol = SMB3\n" +
                    "smb passwd file = /etc/pw\ndebug level = 2\n");
  const auto* a = c.find_share("a");
  EXPECT_EQ(a->path, p);
  EXPECT_FALSE(a->read_only);
  EXPECT_FALSE(a->browseable);
  EXPECT_TRUE(a->guest_ok);
  EXPECT_FALSE(c.find_share("b")->read_only);
  EXPECT_EQ(c.find_share("b")->create_mask, 0600u);
  EXPECT_EQ(c.find_share("b")->directory_mask, 0700u);
  EXPECT_TRUE(c.find_share("c")->read_only);
  EXPECT_EQ(c.global.server_min_protocol, 0x0311);
  EXPECT_EQ(c.global.passdb, "/etc/pw");
  EXPECT_EQ(c.global.log_level, 2);
}

TEST(ConfigParse, PassdbBackend) {
  auto c = parse_ok("passdb backend = smbpasswd:/srv/pw\n");
  EXPECT_EQ(c.global.passdb, "/srv/pw");
  auto load = parse_config("passdb backend = tdbsam\n", "f");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(warnings_of(load),
            std::vector<std::string>{"f:1: warning: parameter 'passdb backend': passdb backend "
                                     "'tdbsam' is not supported; using the smbpasswd file "
                                     "/var/lib/lwsmb/smbpasswd"});
}

TEST(ConfigParse, Booleans) {
  for (const char* t : {"yes", "YES", "true", "True", "1", "on", "ON"})
    EXPECT_TRUE(parse_ok(std::string("bind interfaces only = ") + t).global.bind_interfaces_only)
        << t;
  for (const char* f : {"no", "No", "false", "FALSE", "0", "off", "Off"})
    EXPECT_FALSE(parse_ok(std::string("bind interfaces only = yes\nbind interfaces only = ") + f)
                     .global.bind_interfaces_only)
        << f;
}

TEST(ConfigParse, InvalidValuesAreErrorsWithLine) {
  struct Case {
    std::string line;
    std::string error;
  };
  const Case cases[] = {
      {"bind interfaces only = maybe",
       "parameter 'bind interfaces only': invalid boolean 'maybe' (use yes or no)"},
      {"smb ports = 0", "parameter 'smb ports': invalid port '0' (1..65535)"},
      {"smb ports = 65536", "parameter 'smb ports': invalid port '65536' (1..65535)"},
      {"smb ports = 44x", "parameter 'smb ports': invalid port '44x' (1..65535)"},
      {"smb ports =", "parameter 'smb ports': smb ports needs at least one port"},
      {"server max protocol = SMB4",
       "parameter 'server max protocol': invalid protocol 'SMB4' (use SMB2_02, SMB2_10, "
       "SMB3_00, SMB3_02, SMB3_11, SMB2 or SMB3)"},
      {"server max protocol = NT1",
       "parameter 'server max protocol': protocol 'NT1' is not supported (SMB2_02 or later "
       "only)"},
      {"server signing = sometimes",
       "parameter 'server signing': invalid server signing 'sometimes' (use auto, mandatory or "
       "disabled)"},
      {"map to guest = always",
       "parameter 'map to guest': invalid map to guest 'always' (use never, bad user or bad "
       "password)"},
      {"log level = loud", "parameter 'log level': invalid log level 'loud' (0..10)"},
      {"log level = 11", "parameter 'log level': invalid log level '11' (0..10)"},
      {"create mask = 0789", "parameter 'create mask': invalid octal mask '0789'"},
      {"directory mask = 17777", "parameter 'directory mask': invalid octal mask '17777'"},
      {"passdb =", "parameter 'passdb': empty passdb file name"},
  };
  for (const auto& c : cases) {
    auto load = parse_config("# comment\n[global]\n" + c.line + "\n", "my.conf");
    EXPECT_FALSE(load.config) << c.line;
    EXPECT_EQ(errors_of(load), std::vector<std::string>{"my.conf:3: error: " + c.error});
  }
}

TEST(ConfigParse, Protocols) {
  struct Case {
    const char* name;
    uint16_t dialect;
  };
  for (auto [name, dialect] :
       {Case{"SMB2_02", 0x0202}, Case{"smb2_10", 0x0210}, Case{"SMB3_00", 0x0300},
        Case{"SMB3_02", 0x0302}, Case{"SMB3_11", 0x0311}, Case{"SMB2", 0x0210},
        Case{"SMB3", 0x0311}}) {
    auto c = parse_ok(std::string("server min protocol = SMB2_02\nserver max protocol = ") + name);
    EXPECT_EQ(c.global.server_max_protocol, dialect) << name;
  }
  EXPECT_EQ(parse_ok("server min protocol = default").global.server_min_protocol, 0x0202);
  EXPECT_EQ(parse_ok("server max protocol = default").global.server_max_protocol, 0x0311);
}

TEST(ConfigParse, Smb1MinimumClampsWithWarning) {
  for (const char* p : {"NT1", "CORE", "LANMAN1", "LANMAN2", "COREPLUS"}) {
    auto load = parse_config(std::string("server min protocol = ") + p + "\n", "f");
    ASSERT_TRUE(load.config) << p;
    EXPECT_EQ(load.config->global.server_min_protocol, 0x0202);
    EXPECT_EQ(warnings_of(load),
              std::vector<std::string>{"f:1: warning: parameter 'server min protocol': protocol '" +
                                       std::string(p) + "' is not supported; using SMB2_02"});
  }
}

TEST(ConfigParse, MinAboveMaxIsAnError) {
  auto load = parse_config("server min protocol = SMB3_11\nserver max protocol = SMB3_00\n", "f");
  EXPECT_FALSE(load.config);
  EXPECT_EQ(errors_of(load), std::vector<std::string>{"f:2: error: server min protocol SMB3_11 "
                                                      "is above server max protocol SMB3_00"});
}

TEST(ConfigParse, SigningAndMapToGuestSpellings) {
  EXPECT_EQ(parse_ok("server signing = auto").global.server_signing, SigningPolicy::Auto);
  EXPECT_EQ(parse_ok("server signing = default").global.server_signing, SigningPolicy::Auto);
  EXPECT_EQ(parse_ok("server signing = Required").global.server_signing, SigningPolicy::Mandatory);
  EXPECT_EQ(parse_ok("server signing = disabled").global.server_signing, SigningPolicy::Disabled);
  EXPECT_EQ(parse_ok("server signing = off").global.server_signing, SigningPolicy::Disabled);
  EXPECT_EQ(parse_ok("map to guest = never").global.map_to_guest, MapToGuest::Never);
  EXPECT_EQ(parse_ok("map to guest = bad password").global.map_to_guest, MapToGuest::BadPassword);
  EXPECT_EQ(parse_ok("map to guest = Bad_User").global.map_to_guest, MapToGuest::BadUser);
}

TEST(ConfigParse, UnknownKeyWarningNamesFileLineAndKey) {
  auto load = parse_config("[global]\n\n  Frobnicate Level = 3\n", "/etc/lwsmb/smb.conf");
  ASSERT_TRUE(load.config);
  ASSERT_EQ(load.messages.size(), 1u);
  const auto& m = load.messages[0];
  EXPECT_FALSE(m.error);
  EXPECT_EQ(m.file, "/etc/lwsmb/smb.conf");
  EXPECT_EQ(m.line, 3);
  EXPECT_EQ(m.text, "unknown parameter 'Frobnicate Level'");
  EXPECT_EQ(format_message(m),
            "/etc/lwsmb/smb.conf:3: warning: unknown parameter 'Frobnicate Level'");
}

TEST(ConfigParse, CommentsAndContinuationLines) {
  TempDir dir;
  std::vector<ConfigMessage> messages;
  auto c = parse_ok(
      "; a comment\n"
      "# another = comment\n"
      "   # indented comment\n"
      "[data]\r\n"
      "  path = " +
          dir.path().string() +
          "\n"
          "  valid users = alice, \\\n"
          "      bob, \\\n"
          "      carol\n"
          "  comment = two \\\n"
          "words\n"
          "  bogus = 1\n",
      &messages);
  const auto* s = c.find_share("data");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->valid_users, (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(s->comment, "two words");
  // Line numbers count physical lines: the unknown key is on line 11.
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(format_message(messages[0]), "smb.conf:11: warning: unknown parameter 'bogus'");
}

TEST(ConfigParse, GlobalShareKeysAreDefaults) {
  TempDir dir;
  auto c = parse_ok("[global]\nread only = no\nguest ok = yes\ncreate mask = 0600\n[a]\npath = " +
                    dir.path().string() + "\n[b]\npath = " + dir.path().string() +
                    "\nread only = yes\n");
  EXPECT_FALSE(c.find_share("a")->read_only);
  EXPECT_TRUE(c.find_share("a")->guest_ok);
  EXPECT_EQ(c.find_share("a")->create_mask, 0600u);
  EXPECT_TRUE(c.find_share("b")->read_only);
}

TEST(ConfigParse, GlobalKeyInShareIsWarned) {
  TempDir dir;
  auto load = parse_config("[a]\npath = " + dir.path().string() + "\nsmb ports = 4455\n", "f");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->global.smb_ports, std::vector<uint16_t>{445});
  EXPECT_EQ(warnings_of(load),
            std::vector<std::string>{"f:3: warning: global parameter 'smb ports' in share "
                                     "section [a] ignored"});
}

TEST(ConfigParse, DuplicateShareIsAnError) {
  TempDir dir;
  std::string p = dir.path().string();
  auto load = parse_config("[data]\npath = " + p + "\n[DATA]\npath = " + p + "\n", "f");
  EXPECT_FALSE(load.config);
  EXPECT_EQ(errors_of(load),
            std::vector<std::string>{"f:3: error: duplicate share [DATA] (first defined at f:1)"});
}

TEST(ConfigParse, ShareWithoutPathIsAnError) {
  auto load = parse_config("[global]\n[nopath]\ncomment = x\n", "f");
  EXPECT_FALSE(load.config);
  EXPECT_EQ(errors_of(load), std::vector<std::string>{"f:2: error: share [nopath] has no path"});
}

TEST(ConfigParse, MissingPathIsOnlyAWarning) {
  auto load = parse_config("[gone]\npath = /nonexistent/lwsmb/dir\n", "f");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(warnings_of(load),
            std::vector<std::string>{"f:1: warning: share [gone]: path '/nonexistent/lwsmb/dir' "
                                     "does not exist"});
}

TEST(ConfigParse, ExplicitIpcNeedsNoPath) {
  auto c = parse_ok("[ipc$]\ncomment = pipes\n");
  ASSERT_EQ(c.shares.size(), 1u);
  EXPECT_TRUE(c.shares[0].ipc);
  EXPECT_EQ(c.shares[0].name, "ipc$");
  EXPECT_EQ(c.shares[0].comment, "pipes");
}

TEST(ConfigParse, HomesAndPrintersAreIgnoredWithWarning) {
  auto load = parse_config("[homes]\nbrowseable = no\nfoo = 1\n[printers]\npath = /tmp\n", "f");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->shares.size(), 1u);  // IPC$ only
  EXPECT_EQ(warnings_of(load),
            (std::vector<std::string>{"f:1: warning: section [homes] is not supported; ignored",
                                      "f:4: warning: section [printers] is not supported; "
                                      "ignored"}));
}

TEST(ConfigParse, SyntaxErrors) {
  auto load = parse_config("[global\nno equals sign\n= value\n[]\n[bad/name]\n", "f");
  EXPECT_FALSE(load.config);
  EXPECT_EQ(errors_of(load),
            (std::vector<std::string>{"f:1: error: missing ']' in section header '[global'",
                                      "f:2: error: expected 'parameter = value', got 'no equals "
                                      "sign'",
                                      "f:3: error: missing parameter name before '='",
                                      "f:4: error: empty section name",
                                      "f:5: error: invalid share name 'bad/name'"}));
}

TEST(ConfigParse, PercentSubstitutionIsWarned) {
  auto load = parse_config("log file = /var/log/lw.%m\n", "f");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->global.log_file, "/var/log/lw.%m");
  EXPECT_EQ(warnings_of(load),
            std::vector<std::string>{"f:1: warning: parameter 'log file': '%' substitutions are "
                                     "not supported; value used as written"});
}

TEST(ConfigParse, LogLevelClassesAreWarned) {
  auto load = parse_config("log level = 2 auth:5\n", "f");
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->global.log_level, 2);
  EXPECT_EQ(warnings_of(load).size(), 1u);
}

TEST(ConfigParse, IncludeRelativeToIncludingFile) {
  TempDir dir;
  dir.write("conf.d/shares.conf", "[inc]\npath = " + dir.path().string() + "\nnope = 1\n");
  dir.write("smb.conf", "[global]\nworkgroup = W\ninclude = conf.d/shares.conf\n");
  auto load = load_config_file((dir.path() / "smb.conf").string());
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->global.workgroup, "W");
  EXPECT_NE(load.config->find_share("inc"), nullptr);
  EXPECT_EQ(warnings_of(load),
            std::vector<std::string>{(dir.path() / "conf.d/shares.conf").string() +
                                     ":3: warning: unknown parameter 'nope'"});

  dir.write("bad.conf", "include = missing.conf\n");
  auto bad = load_config_file((dir.path() / "bad.conf").string());
  EXPECT_FALSE(bad.config);
  EXPECT_EQ(errors_of(bad).size(), 1u);

  dir.write("loop.conf", "include = loop.conf\n");
  auto loop = load_config_file((dir.path() / "loop.conf").string());
  EXPECT_FALSE(loop.config);
}

TEST(ConfigParse, MissingFileIsAnError) {
  auto load = load_config_file("/nonexistent/lwsmb.conf");
  EXPECT_FALSE(load.config);
  EXPECT_EQ(errors_of(load),
            std::vector<std::string>{"/nonexistent/lwsmb.conf: error: cannot open: No such file or "
                                     "directory"});
}

TEST(ConfigParse, OplockBreakTimeout) {
  EXPECT_EQ(parse_ok("").global.oplock_break_timeout_ms, 35000u);
  EXPECT_EQ(parse_ok("oplock break timeout = 1500").global.oplock_break_timeout_ms, 1500u);
  for (const char* bad : {"0", "-1", "12ms", "", "3600001", "99999999999"}) {
    auto load =
        parse_config(std::string("[global]\noplock break timeout = ") + bad + "\n", "o.conf");
    EXPECT_FALSE(load.config) << bad;
    EXPECT_EQ(errors_of(load),
              std::vector<std::string>{"o.conf:2: error: parameter 'oplock break timeout': "
                                       "invalid oplock break timeout '" +
                                       std::string(bad) + "' (1..3600000 milliseconds)"})
        << bad;
  }
}

}  // namespace
}  // namespace lwsmb::server
