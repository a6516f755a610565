#include "lwsmb/fuse_rdr/mount_options.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using namespace lwsmb::fuse_rdr;

std::string temp_file(const std::string& content) {
  char name[] = "/tmp/lwsmb-cred-XXXXXX";
  int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name) << content;
  return name;
}

TEST(MountOptions, MountCifsNames) {
  MountOptions o;
  auto e = apply_mount_options(
      "username=alice,password=s3cret,domain=CORP,port=4455,vers=3.0,sec=ntlmsspi,seal,"
      "uid=0,gid=0,file_mode=0640,dir_mode=0750,rsize=65536,wsize=131072,actimeo=7,cache=none,"
      "ro,echo_interval=15",
      &o);
  ASSERT_FALSE(e) << e->message;
  EXPECT_EQ(o.rdr.credentials.user, "alice");
  EXPECT_EQ(o.rdr.credentials.password, "s3cret");
  EXPECT_EQ(o.rdr.credentials.domain, "CORP");
  EXPECT_EQ(o.rdr.default_port, 4455);
  EXPECT_TRUE(o.port_set);
  EXPECT_EQ(o.rdr.min_dialect, 0x0300);
  EXPECT_EQ(o.rdr.max_dialect, 0x0300);
  EXPECT_TRUE(o.rdr.sign);
  EXPECT_TRUE(o.rdr.seal);
  EXPECT_FALSE(o.rdr.credentials.kerberos);
  EXPECT_EQ(o.fuse.file_mode, 0640u);
  EXPECT_EQ(o.fuse.dir_mode, 0750u);
  EXPECT_EQ(o.rdr.rsize, 65536u);
  EXPECT_EQ(o.rdr.wsize, 131072u);
  EXPECT_EQ(o.fuse.actimeo, std::chrono::seconds(7));
  EXPECT_EQ(o.fuse.cache, CacheMode::None);
  EXPECT_TRUE(o.fuse.read_only);
  EXPECT_EQ(o.rdr.echo_interval, std::chrono::seconds(15));
}

TEST(MountOptions, ShortNamesAndLaterWins) {
  MountOptions o;
  ASSERT_FALSE(apply_mount_options("user=bob,pass=x,dom=D,ro,rw,cache=loose,cache=strict", &o));
  EXPECT_EQ(o.rdr.credentials.user, "bob");
  EXPECT_EQ(o.rdr.credentials.password, "x");
  EXPECT_EQ(o.rdr.credentials.domain, "D");
  EXPECT_FALSE(o.fuse.read_only);
  EXPECT_EQ(o.fuse.cache, CacheMode::Strict);
}

TEST(MountOptions, Kerberos) {
  MountOptions o;
  ASSERT_FALSE(apply_mount_options("sec=krb5", &o));
  EXPECT_TRUE(o.rdr.credentials.kerberos);
  EXPECT_FALSE(o.rdr.sign);
  ASSERT_FALSE(apply_mount_options("sec=krb5i", &o));
  EXPECT_TRUE(o.rdr.sign);
}

TEST(MountOptions, UserWithDomainAndPassword) {
  MountOptions o;
  ASSERT_FALSE(apply_mount_options("username=CORP/carol%pw", &o));
  EXPECT_EQ(o.rdr.credentials.domain, "CORP");
  EXPECT_EQ(o.rdr.credentials.user, "carol");
  EXPECT_EQ(o.rdr.credentials.password, "pw");
  ASSERT_FALSE(apply_mount_options("username=DOM\\dave", &o));
  EXPECT_EQ(o.rdr.credentials.domain, "DOM");
  EXPECT_EQ(o.rdr.credentials.user, "dave");
}

TEST(MountOptions, DoubledCommaIsLiteral) {
  MountOptions o;
  ASSERT_FALSE(apply_mount_options("password=a,,b,ro", &o));
  EXPECT_EQ(o.rdr.credentials.password, "a,b");
  EXPECT_TRUE(o.fuse.read_only);
}

TEST(MountOptions, ForegroundAndDebug) {
  MountOptions o;
  ASSERT_FALSE(apply_mount_options("foreground", &o));
  EXPECT_TRUE(o.foreground);
  EXPECT_FALSE(o.debug);
  MountOptions d;
  ASSERT_FALSE(apply_mount_options("debug", &d));
  EXPECT_TRUE(d.debug);
  EXPECT_TRUE(d.foreground);
}

TEST(MountOptions, GenericMountOptionsAreIgnored) {
  MountOptions o;
  ASSERT_FALSE(
      apply_mount_options("defaults,noauto,_netdev,nofail,noatime,nosuid,nodev,"
                          "x-systemd.automount,user,comment=x",
                          &o));
  EXPECT_EQ(o.ignored.size(), 10u);
}

TEST(MountOptions, VersionValues) {
  EXPECT_EQ(parse_smb_version("2.0"), (std::pair<uint16_t, uint16_t>{0x0202, 0x0202}));
  EXPECT_EQ(parse_smb_version("2.1"), (std::pair<uint16_t, uint16_t>{0x0210, 0x0210}));
  EXPECT_EQ(parse_smb_version("3"), (std::pair<uint16_t, uint16_t>{0x0300, 0x0311}));
  EXPECT_EQ(parse_smb_version("3.02"), (std::pair<uint16_t, uint16_t>{0x0302, 0x0302}));
  EXPECT_EQ(parse_smb_version("3.1.1"), (std::pair<uint16_t, uint16_t>{0x0311, 0x0311}));
  EXPECT_EQ(parse_smb_version("default"), (std::pair<uint16_t, uint16_t>{0x0202, 0x0311}));
  EXPECT_FALSE(parse_smb_version("1.0"));
  EXPECT_FALSE(parse_smb_version("4"));
  EXPECT_FALSE(parse_smb_version(""));
}

struct BadCase {
  const char* options;
  const char* message_part;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.options;
}

class BadMountOption : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadMountOption, IsOnePlainError) {
  MountOptions o;
  auto e = apply_mount_options(GetParam().options, &o);
  ASSERT_TRUE(e) << GetParam().options;
  EXPECT_NE(e->message.find(GetParam().message_part), std::string::npos) << e->message;
  EXPECT_EQ(e->message.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    All, BadMountOption,
    ::testing::Values(BadCase{"bogus", "unknown option 'bogus'"},
                      BadCase{"ro,nosuchthing=1", "unknown option 'nosuchthing'"},
                      BadCase{"port=0", "bad value '0' for option 'port'"},
                      BadCase{"port=70000", "bad value"}, BadCase{"port=12ab", "bad value"},
                      BadCase{"port", "needs a value"}, BadCase{"vers=1.0", "bad value"},
                      BadCase{"sec=lanman", "bad value"}, BadCase{"sec=nonei", "bad value"},
                      BadCase{"file_mode=0999", "bad value"},
                      BadCase{"dir_mode=17777", "bad value"}, BadCase{"rsize=100", "bad value"},
                      BadCase{"wsize=99999999", "bad value"}, BadCase{"actimeo=-1", "bad value"},
                      BadCase{"cache=always", "bad value"}, BadCase{"echo_interval=0", "bad value"},
                      BadCase{"uid=no-such-user-here", "no such user"},
                      BadCase{"gid=no-such-group-here", "no such group"},
                      BadCase{"ro=1", "takes no value"}, BadCase{"seal=yes", "takes no value"},
                      BadCase{"credentials=/nonexistent/creds", "cannot read credentials"},
                      BadCase{"credentials", "needs a value"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return "case" + std::to_string(info.index);
    });

TEST(MountOptions, SloppyIgnoresUnknown) {
  MountOptions o;
  o.sloppy = true;
  ASSERT_FALSE(apply_mount_options("bogus,ro", &o));
  EXPECT_TRUE(o.fuse.read_only);
}

TEST(CredentialsFile, MountCifsFormat) {
  auto path = temp_file("username=erin\npassword= with spaces \ndomain=WORK\n");
  RdrCredentials c;
  ASSERT_FALSE(read_credentials_file(path, &c));
  EXPECT_EQ(c.user, "erin");
  EXPECT_EQ(c.password, " with spaces ");  // verbatim to the end of the line
  EXPECT_EQ(c.domain, "WORK");
  unlink(path.c_str());
}

TEST(CredentialsFile, ShortKeysCommentsBlankLinesCrLf) {
  auto path = temp_file("# a comment\n\n  user=frank\r\npass=p=w\r\ndom=X\r\n");
  RdrCredentials c;
  ASSERT_FALSE(read_credentials_file(path, &c));
  EXPECT_EQ(c.user, "frank");
  EXPECT_EQ(c.password, "p=w");
  EXPECT_EQ(c.domain, "X");
  unlink(path.c_str());
}

TEST(CredentialsFile, ThroughTheOption) {
  auto path = temp_file("username=gina\npassword=pw\n");
  MountOptions o;
  ASSERT_FALSE(apply_mount_options("credentials=" + path, &o));
  EXPECT_EQ(o.rdr.credentials.user, "gina");
  EXPECT_EQ(o.rdr.credentials.password, "pw");
  EXPECT_EQ(o.credentials_file, path);
  unlink(path.c_str());
}

TEST(CredentialsFile, BadLines) {
  auto a = temp_file("username=x\nthis line has no equals sign\n");
  RdrCredentials c;
  auto e = read_credentials_file(a, &c);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find(":2:"), std::string::npos) << e->message;
  auto b = temp_file("colour=blue\n");
  e = read_credentials_file(b, &c);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("unknown key 'colour'"), std::string::npos) << e->message;
  unlink(a.c_str());
  unlink(b.c_str());
}

TEST(ShareName, Forms) {
  std::string err;
  auto s = parse_share_name("//server/share", &err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->server, "server");
  EXPECT_EQ(s->share, "share");
  EXPECT_EQ(s->subpath, "");
  s = parse_share_name("\\\\10.0.0.1\\data\\a\\b", &err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->server, "10.0.0.1");
  EXPECT_EQ(s->share, "data");
  EXPECT_EQ(s->subpath, "a\\b");
  s = parse_share_name("//[::1]/x//y/", &err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->server, "[::1]");
  EXPECT_EQ(s->share, "x");
  EXPECT_EQ(s->subpath, "y");
}

TEST(ShareName, Bad) {
  for (const char* bad : {"", "server/share", "//", "//server", "//server/", "///share",
                          "//[::1/share", "//host:445/share", "//s/share/../x", "//[]/s"}) {
    std::string err;
    EXPECT_FALSE(parse_share_name(bad, &err)) << bad;
    EXPECT_NE(err.find("bad share name"), std::string::npos) << bad << ": " << err;
  }
}

}  // namespace

#include "lwsmb/fuse_rdr/mount_main.hpp"

namespace {

TEST(MountErrorText, PlainLineWithStatusName) {
  using lwsmb::NtStatus;
  using lwsmb::fuse_rdr::mount_error_text;
  EXPECT_EQ(mount_error_text(NtStatus::BadNetworkName), "no such share (STATUS_BAD_NETWORK_NAME)");
  EXPECT_NE(mount_error_text(NtStatus::LogonFailure).find("logon failure"), std::string::npos);
  EXPECT_NE(mount_error_text(NtStatus::HostUnreachable).find("unreachable"), std::string::npos);
  EXPECT_NE(mount_error_text(NtStatus::ConnectionRefused).find("refused"), std::string::npos);
  for (auto st : {NtStatus::IoTimeout, NtStatus::BadNetworkPath, NtStatus::AccessDenied,
                  static_cast<NtStatus>(0xC0DE0001)}) {
    auto text = mount_error_text(st);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_NE(text.find("STATUS_"), std::string::npos) << text;
  }
}

}  // namespace

TEST(MountOptions, ReadAheadAndWriteBehind) {
  MountOptions o;
  // A mount reads ahead and writes behind by default.
  EXPECT_EQ(o.rdr.read_ahead, kMountReadAhead);
  EXPECT_EQ(o.rdr.write_behind, kMountWriteBehind);
  ASSERT_FALSE(apply_mount_options("rasize=1048576", &o));
  EXPECT_EQ(o.rdr.read_ahead, 1048576u);
  ASSERT_FALSE(apply_mount_options("rasize=0", &o));
  EXPECT_EQ(o.rdr.read_ahead, 0u);
  auto e = apply_mount_options("rasize=67108865", &o);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("rasize"), std::string::npos);
  EXPECT_TRUE(apply_mount_options("rasize=lots", &o));
  EXPECT_TRUE(apply_mount_options("rasize", &o));
  EXPECT_EQ(o.rdr.read_ahead, 0u);  // a refused value changes nothing
}
