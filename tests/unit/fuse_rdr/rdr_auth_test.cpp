// The rdr authenticators: sec=krb5 without a ticket fails plainly unless the NTLMSSP fallback is
// allowed, and then offers NTLMSSP; sec=ntlmssp has no Kerberos authenticator at all.
#include "rdr/rdr_auth.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "lwsmb/auth/spnego.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::fuse_rdr;

// Points the Kerberos library at a credential cache that does not exist, for one test.
class NoTicket {
 public:
  NoTicket() {
    if (const char* c = ::getenv("KRB5CCNAME")) old_ = c, had_ = true;
    ::setenv("KRB5CCNAME",
             ("FILE:/tmp/lwsmb-rdr-auth-test-no-such-ccache-" + std::to_string(::getpid())).c_str(),
             1);
  }
  ~NoTicket() {
    if (had_) {
      ::setenv("KRB5CCNAME", old_.c_str(), 1);
    } else {
      ::unsetenv("KRB5CCNAME");
    }
  }

 private:
  std::string old_;
  bool had_ = false;
};

TEST(RdrAuth, NoKerberosAuthenticatorWithoutSecKrb5) {
  RdrCredentials c;
  c.user = "u";
  c.password = "p";
  EXPECT_EQ(make_kerberos_authenticator(c, "host.example"), nullptr);
  c.kerberos = true;
  EXPECT_EQ(make_kerberos_authenticator(c, ""), nullptr);
  EXPECT_NE(make_kerberos_authenticator(c, "host.example"), nullptr);
}

TEST(RdrAuth, KerberosOnlyWithoutTicketIsLogonFailure) {
  NoTicket nt;
  RdrCredentials c;
  c.kerberos = true;
  c.ntlm = false;
  auto a = make_kerberos_authenticator(c, "host.example");
  ASSERT_NE(a, nullptr);
  auto hint = auth::SpnegoServer::negotiate_token(true);
  auto tok = a->initial(hint);
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.status(), NtStatus::LogonFailure);
  EXPECT_FALSE(a->kerberos());
}

TEST(RdrAuth, KerberosWithoutTicketFallsBackToNtlmssp) {
  NoTicket nt;
  RdrCredentials c;
  c.user = "alice";
  c.password = "pw";
  c.kerberos = true;
  c.ntlm = true;
  auto a = make_kerberos_authenticator(c, "host.example");
  ASSERT_NE(a, nullptr);
  auto tok = a->initial(auth::SpnegoServer::negotiate_token(true));
  ASSERT_TRUE(tok);
  auto init = auth::parse_neg_token_init(*tok);
  ASSERT_TRUE(init);
  ASSERT_EQ(init->mech_types.size(), 1u);
  EXPECT_EQ(init->mech_types[0], auth::oid_ntlmssp());
  EXPECT_FALSE(a->kerberos());
  EXPECT_FALSE(a->anonymous());
}

TEST(RdrAuth, GarbageServerTokenIsRefused) {
  NoTicket nt;
  RdrCredentials c;
  c.user = "alice";
  c.password = "pw";
  c.kerberos = true;
  auto a = make_kerberos_authenticator(c, "host.example");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->initial({}));
  const std::byte junk[] = {std::byte{0xa1}, std::byte{0x7f}, std::byte{0x00}};
  EXPECT_FALSE(a->step(junk));
  EXPECT_FALSE(a->step({}));
}

}  // namespace
