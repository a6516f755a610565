// Kerberos initiator <-> acceptor through MIT GSSAPI against a real KDC, and SPNEGO choosing krb5
// first with NTLMSSP as the fallback. Run by tests/interop/krb5_roundtrip_test.sh, which stands
// up the KDC (kdc_lib.sh) and passes in, through the environment:
//   KRB5_CONFIG, KRB5CCNAME   the realm and a ccache with a TGT for LWSMB_KRB5_USER
//   LWSMB_KRB5_HOST           the host of cifs/HOST, whose key is in LWSMB_KRB5_KEYTAB
//   LWSMB_KRB5_OTHER_HOST     a host whose cifs/ principal exists in the KDC but not the keytab
//   LWSMB_KRB5_HOST_KEYTAB    a keytab holding only host/LWSMB_KRB5_HOST (not a cifs service)
//   LWSMB_KRB5_EMPTY_CCACHE   a ccache name with no tickets
//   LWSMB_KRB5_REALM, LWSMB_KRB5_USER
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "lwsmb/auth/kerberos.hpp"
#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/auth/spnego.hpp"

namespace lwsmb::auth {
namespace {

using Bytes = std::vector<std::byte>;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    ADD_FAILURE() << name << " is not set (run this test through krb5_roundtrip_test.sh)";
    return {};
  }
  return v;
}

KerberosAcceptorConfig acceptor_config() {
  KerberosAcceptorConfig c;
  c.keytab = env("LWSMB_KRB5_KEYTAB");
  c.realm = env("LWSMB_KRB5_REALM");
  return c;
}

KerberosInitiatorConfig initiator_config(const std::string& host = env("LWSMB_KRB5_HOST")) {
  KerberosInitiatorConfig c;
  c.target_host = host;
  return c;
}

NtlmServerConfig ntlm_server_config(const std::u16string& user, const std::u16string& password) {
  NtlmServerConfig c;
  c.netbios_domain = u"LWSMB";
  c.netbios_computer = u"SERVER";
  c.lookup_nt_hash = [user, password](std::u16string_view u,
                                      std::u16string_view) -> std::optional<NtHash> {
    if (u != user) return std::nullopt;
    return *nt_hash(password);
  };
  return c;
}

TEST(Krb5RoundTrip, InitiatorAndAcceptorAgreeOnTheSessionKey) {
  KerberosInitiator ini(initiator_config());
  KerberosAcceptor acc(acceptor_config());
  auto ap_req = ini.step({});
  ASSERT_TRUE(ap_req) << ntstatus_name(ap_req.status());
  ASSERT_FALSE(ap_req->empty());
  EXPECT_EQ((*ap_req)[0], std::byte{0x60});  // GSS InitialContextToken
  EXPECT_FALSE(ini.done());

  auto a = acc.step(*ap_req);
  ASSERT_TRUE(a) << ntstatus_name(a.status());
  ASSERT_TRUE(a->done);
  ASSERT_TRUE(a->result);
  EXPECT_FALSE(a->output.empty());  // AP-REP: mutual authentication was asked for
  EXPECT_EQ(a->result->user, env("LWSMB_KRB5_USER"));
  EXPECT_EQ(a->result->realm, env("LWSMB_KRB5_REALM"));
  EXPECT_EQ(a->result->principal, env("LWSMB_KRB5_USER") + "@" + env("LWSMB_KRB5_REALM"));
  EXPECT_EQ(a->result->service, "cifs/" + env("LWSMB_KRB5_HOST") + "@" + env("LWSMB_KRB5_REALM"));
  ASSERT_TRUE(a->result->lifetime_seconds);
  EXPECT_GT(*a->result->lifetime_seconds, 60u);

  auto fin = ini.step(a->output);
  ASSERT_TRUE(fin) << ntstatus_name(fin.status());
  EXPECT_TRUE(fin->empty());
  ASSERT_TRUE(ini.done());
  // AES256 tickets from the test KDC: a 32-byte key on both sides, the same one.
  EXPECT_EQ(ini.session_key().size(), 32u);
  EXPECT_EQ(ini.session_key(), a->result->session_key);

  // MICs (what SPNEGO's mechListMIC uses) verify across and fail on other data.
  const Bytes msg(37, std::byte{0x5a});
  auto m1 = ini.get_mic(msg);
  ASSERT_TRUE(m1);
  EXPECT_TRUE(acc.verify_mic(msg, *m1));
  Bytes other = msg;
  other[3] ^= std::byte{1};
  auto m2 = acc.get_mic(msg);
  ASSERT_TRUE(m2);
  EXPECT_TRUE(ini.verify_mic(msg, *m2));
  EXPECT_FALSE(ini.verify_mic(other, *m2));

  // Both directions derive the same SMB 3.1.1 keys with AES-256 ciphers (MS-SMB2 3.2.5.3.1).
  const Bytes preauth(64, std::byte{7});
  auto ks =
      derive_smb3_keys(a->result->session_key, kSmbDialect311, preauth, SmbCipherKeyBits::Aes256);
  auto kc = derive_smb3_keys(ini.session_key(), kSmbDialect311, preauth, SmbCipherKeyBits::Aes256);
  ASSERT_TRUE(ks && kc);
  EXPECT_EQ(ks->server_to_client, kc->server_to_client);
  EXPECT_EQ(ks->server_to_client.size(), 32u);
  EXPECT_EQ(ks->signing.size(), 16u);
}

TEST(Krb5RoundTrip, ReplayedApReqIsRefused) {
  KerberosInitiator ini(initiator_config());
  auto ap_req = ini.step({});
  ASSERT_TRUE(ap_req);
  KerberosAcceptor first(acceptor_config());
  ASSERT_TRUE(first.step(*ap_req));
  KerberosAcceptor second(acceptor_config());
  auto again = second.step(*ap_req);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status(), NtStatus::LogonFailure);
}

TEST(Krb5RoundTrip, ForeignRealmAndUnknownUserAreLogonFailures) {
  {
    KerberosInitiator ini(initiator_config());
    auto cfg = acceptor_config();
    cfg.realm = "OTHER.REALM";
    KerberosAcceptor acc(cfg);
    auto a = acc.step(*ini.step({}));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.status(), NtStatus::LogonFailure);
  }
  {
    KerberosInitiator ini(initiator_config());
    auto cfg = acceptor_config();
    std::string asked;
    cfg.user_exists = [&asked](std::string_view u) {
      asked = u;
      return false;
    };
    KerberosAcceptor acc(cfg);
    auto a = acc.step(*ini.step({}));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.status(), NtStatus::LogonFailure);
    EXPECT_EQ(asked, env("LWSMB_KRB5_USER"));  // the realm is stripped
  }
}

TEST(Krb5RoundTrip, TicketForAnotherServiceIsRefused) {
  // cifs/OTHER exists in the KDC, so the client gets a ticket; our keytab cannot decrypt it.
  KerberosInitiator ini(initiator_config(env("LWSMB_KRB5_OTHER_HOST")));
  auto ap_req = ini.step({});
  ASSERT_TRUE(ap_req) << ntstatus_name(ap_req.status());
  KerberosAcceptor acc(acceptor_config());
  auto a = acc.step(*ap_req);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status(), NtStatus::LogonFailure);

  // A key in the keytab that is not a cifs/ service is not accepted either.
  KerberosInitiatorConfig host_cfg = initiator_config();
  host_cfg.service = "host";
  KerberosInitiator ini2(host_cfg);
  auto ap_req2 = ini2.step({});
  ASSERT_TRUE(ap_req2) << ntstatus_name(ap_req2.status());
  auto cfg = acceptor_config();
  cfg.keytab = env("LWSMB_KRB5_HOST_KEYTAB");
  KerberosAcceptor acc2(cfg);
  auto a2 = acc2.step(*ap_req2);
  ASSERT_FALSE(a2);
  EXPECT_EQ(a2.status(), NtStatus::LogonFailure);
}

TEST(Krb5RoundTrip, NoTicketIsALogonFailureForTheInitiator) {
  auto cfg = initiator_config();
  cfg.ccache = env("LWSMB_KRB5_EMPTY_CCACHE");
  KerberosInitiator ini(cfg);
  auto r = ini.step({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status(), NtStatus::LogonFailure);
  // An unknown service principal is the same.
  KerberosInitiator ini2(initiator_config("no-such-host.invalid"));
  auto r2 = ini2.step({});
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.status(), NtStatus::LogonFailure);
}

TEST(Krb5RoundTrip, GarbageAndTruncatedTokensNeverCrash) {
  KerberosInitiator ini(initiator_config());
  auto ap_req = ini.step({});
  ASSERT_TRUE(ap_req);
  {
    KerberosAcceptor acc(acceptor_config());
    auto r = acc.step({});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status(), NtStatus::InvalidParameter);
    EXPECT_FALSE(acc.step(*ap_req));  // a failed acceptor stays failed
  }
  for (size_t cut : {size_t{1}, size_t{2}, size_t{10}, ap_req->size() / 2, ap_req->size() - 1}) {
    KerberosAcceptor acc(acceptor_config());
    auto r = acc.step(std::span(*ap_req).first(cut));
    EXPECT_FALSE(r) << "cut at " << cut;
  }
  std::mt19937 rng(4121);
  for (int i = 0; i < 200; ++i) {
    Bytes t = *ap_req;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) t[rng() % t.size()] ^= static_cast<std::byte>(1 + rng() % 255);
    KerberosAcceptor acc(acceptor_config());
    auto r = acc.step(t);
    if (r && r->done) {
      // A flip in an unauthenticated field (the token's outer framing) may still verify; the
      // key must then be the real one.
      EXPECT_EQ(r->result->user, env("LWSMB_KRB5_USER"));
    }
  }
  Bytes junk(300);
  for (auto& b : junk) b = static_cast<std::byte>(rng());
  junk[0] = std::byte{0x60};
  KerberosAcceptor acc(acceptor_config());
  EXPECT_FALSE(acc.step(junk));
  // The initiator refuses a garbage AP-REP.
  KerberosInitiator ini2(initiator_config());
  ASSERT_TRUE(ini2.step({}));
  auto bad = ini2.step(junk);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status(), NtStatus::LogonFailure);
}

TEST(SpnegoKrb5, ClientPrefersKerberosAndServerAcceptsInOneRound) {
  SpnegoServer server(ntlm_server_config(u"alice", u"pw"), acceptor_config());
  const Bytes hint = SpnegoServer::negotiate_token(true);
  auto hint_parsed = parse_neg_token_init(hint);
  ASSERT_TRUE(hint_parsed);
  ASSERT_EQ(hint_parsed->mech_types.size(), 3u);
  EXPECT_EQ(hint_parsed->mech_types[0], oid_ms_kerberos5());
  EXPECT_EQ(hint_parsed->mech_types[1], oid_kerberos5());
  EXPECT_EQ(hint_parsed->mech_types[2], oid_ntlmssp());

  SpnegoClient client(NtlmCredentials{u"alice", u"", u"WS", u"pw", std::nullopt}, false,
                      initiator_config());
  auto t1 = client.initial(hint);
  ASSERT_TRUE(t1) << ntstatus_name(t1.status());
  auto s1 = server.step(*t1);
  ASSERT_TRUE(s1) << ntstatus_name(s1.status());
  ASSERT_TRUE(s1->done);
  ASSERT_TRUE(s1->result);
  EXPECT_TRUE(s1->result->kerberos);
  const std::string user = env("LWSMB_KRB5_USER");
  EXPECT_EQ(s1->result->user, std::u16string(user.begin(), user.end()));
  auto resp = parse_neg_token_resp(s1->output);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->neg_state, NegState::AcceptCompleted);
  EXPECT_EQ(resp->supported_mech, oid_ms_kerberos5());  // the client's first choice, echoed
  auto t2 = client.step(s1->output);
  ASSERT_TRUE(t2) << ntstatus_name(t2.status());
  EXPECT_TRUE(t2->empty());
  EXPECT_TRUE(client.done());
  EXPECT_TRUE(client.used_kerberos());
  EXPECT_EQ(client.session_key(), s1->result->session_key);
}

TEST(SpnegoKrb5, NoTicketFallsBackToNtlmssp) {
  SpnegoServer server(ntlm_server_config(u"alice", u"pw"), acceptor_config());
  auto cfg = initiator_config();
  cfg.ccache = env("LWSMB_KRB5_EMPTY_CCACHE");
  SpnegoClient client(NtlmCredentials{u"alice", u"", u"WS", u"pw", std::nullopt}, false, cfg);
  auto t1 = client.initial(SpnegoServer::negotiate_token(true));
  ASSERT_TRUE(t1);
  auto init = parse_neg_token_init(*t1);
  ASSERT_TRUE(init);
  ASSERT_EQ(init->mech_types.size(), 1u);
  EXPECT_EQ(init->mech_types[0], oid_ntlmssp());
  auto s1 = server.step(*t1);
  ASSERT_TRUE(s1);
  auto t2 = client.step(s1->output);
  ASSERT_TRUE(t2);
  auto s2 = server.step(*t2);
  ASSERT_TRUE(s2) << ntstatus_name(s2.status());
  ASSERT_TRUE(s2->done);
  EXPECT_FALSE(s2->result->kerberos);
  ASSERT_TRUE(client.step(s2->output));
  EXPECT_TRUE(client.done());
  EXPECT_FALSE(client.used_kerberos());
  EXPECT_EQ(client.session_key(), s2->result->session_key);
  EXPECT_EQ(client.session_key().size(), 16u);
}

TEST(SpnegoKrb5, ServerWithoutKerberosMakesTheClientSwitchToNtlmssp) {
  // The server lists only NTLMSSP in its hint: no krb5 attempt at all.
  {
    SpnegoClient client(NtlmCredentials{u"alice", u"", u"WS", u"pw", std::nullopt}, false,
                        initiator_config());
    auto t1 = client.initial(SpnegoServer::negotiate_token(false));
    ASSERT_TRUE(t1);
    EXPECT_EQ(parse_neg_token_init(*t1)->mech_types.size(), 1u);
  }
  // No hint, krb5 sent optimistically, but the server has no keytab: it selects NTLMSSP with
  // request-mic, the client sends its NEGOTIATE and finishes with the mechListMIC.
  SpnegoServer server(ntlm_server_config(u"alice", u"pw"));
  SpnegoClient client(NtlmCredentials{u"alice", u"", u"WS", u"pw", std::nullopt}, false,
                      initiator_config());
  auto t1 = client.initial();
  ASSERT_TRUE(t1);
  auto s1 = server.step(*t1);
  ASSERT_TRUE(s1);
  EXPECT_FALSE(s1->done);
  auto t2 = client.step(s1->output);  // NEGOTIATE
  ASSERT_TRUE(t2) << ntstatus_name(t2.status());
  auto s2 = server.step(*t2);  // CHALLENGE
  ASSERT_TRUE(s2) << ntstatus_name(s2.status());
  auto t3 = client.step(s2->output);  // AUTHENTICATE + mechListMIC
  ASSERT_TRUE(t3) << ntstatus_name(t3.status());
  auto s3 = server.step(*t3);
  ASSERT_TRUE(s3) << ntstatus_name(s3.status());
  ASSERT_TRUE(s3->done);
  ASSERT_TRUE(client.step(s3->output));
  EXPECT_TRUE(client.done());
  EXPECT_FALSE(client.used_kerberos());
  EXPECT_EQ(client.session_key(), s3->result->session_key);
}

TEST(SpnegoKrb5, BadTicketIsALogonFailureWithoutFallback) {
  auto cfg = acceptor_config();
  cfg.realm = "OTHER.REALM";
  SpnegoServer server(ntlm_server_config(u"alice", u"pw"), cfg);
  SpnegoClient client(NtlmCredentials{u"alice", u"", u"WS", u"pw", std::nullopt}, false,
                      initiator_config());
  auto t1 = client.initial(SpnegoServer::negotiate_token(true));
  ASSERT_TRUE(t1);
  auto s1 = server.step(*t1);
  ASSERT_FALSE(s1);
  EXPECT_EQ(s1.status(), NtStatus::LogonFailure);
}

}  // namespace
}  // namespace lwsmb::auth
