// NTLMSSP: MS-NLMP 4.2.4 known answers, client<->server round trips and malformed input.
#include "lwsmb/auth/ntlmssp.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "auth_test_hex.hpp"
#include "evp.hpp"
#include "ntlm_core.hpp"

namespace lwsmb::auth {
namespace {

using test::hex;
using test::unhex;
using Bytes = std::vector<std::byte>;

constexpr NtStatus kInvalid = NtStatus::InvalidParameter;

NtHash hash_of(std::u16string_view password) {
  return *nt_hash(password);
}

NtlmServerConfig server_config(bool allow_guest = false) {
  NtlmServerConfig c;
  c.netbios_domain = u"WORKGROUP";
  c.netbios_computer = u"LWSERVER";
  c.dns_domain = u"example.test";
  c.dns_computer = u"lwserver.example.test";
  c.allow_guest = allow_guest;
  c.lookup_nt_hash = [](std::u16string_view user, std::u16string_view) -> std::optional<NtHash> {
    static const std::map<std::u16string, std::u16string> users = {
        {u"alice", u"Secret123"}, {u"User", u"Password"}, {u"j\u00f6rg", u"p\u00e4ss"}};
    auto it = users.find(std::u16string(user));
    if (it == users.end()) return std::nullopt;
    return hash_of(it->second);
  };
  return c;
}

NtlmCredentials creds(std::u16string user, std::u16string password) {
  NtlmCredentials c;
  c.user = std::move(user);
  c.domain = u"WORKGROUP";
  c.workstation = u"CLIENT";
  c.password = std::move(password);
  return c;
}

// MS-NLMP 4.2.4: user "User", domain "Domain", password "Password", server challenge
// 0123456789abcdef, client challenge aa*8, time 0, random session key 55*16.
const Bytes kServerChallenge = unhex("0123456789abcdef");
const Bytes kClientChallenge = unhex("aaaaaaaaaaaaaaaa");
const Bytes kSpecTargetInfo = unhex(
    "02000c0044006f006d00610069006e00"
    "01000c005300650072007600650072000000 0000");

// MS-NLMP 4.2.4.3 CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE.
const Bytes kSpecChallenge = unhex(
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef"
    "00000000000000002400240044000000060070170000000f5300650072007600"
    "6500720002000c0044006f006d00610069006e0001000c005300650072007600"
    "650072000000 0000");
const Bytes kSpecAuthenticate = unhex(
    "4e544c4d535350000300000018001800 6c00000054005400840000000c000c00"
    "480000000800080054000000100010005c00000010001000d8000000358288e2"
    "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
    "4d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaa"
    "aaaaaaaa68cd0ab851e51c96aabc927bebef6a1c010100000000000000000000"
    "00000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e00"
    "01000c00530065007200760065007200000000000000 0000c5dad2544fc97990"
    "94ce1ce90bc9d03e");

TEST(NtHash, Md4KnownAnswers) {
  EXPECT_EQ(hex(*nt_hash_from_utf8("password")), "8846f7eaee8fb117ad06bdd830b7586c");
  // MS-NLMP 4.2.2.1.2 NTOWFv1("Password").
  EXPECT_EQ(hex(hash_of(u"Password")), "a4f49c406510bdcab6824ee7c30fd852");
  EXPECT_EQ(nt_hash_from_utf8("\xff\xfe").status(), kInvalid);
}

TEST(NtlmV2, MsNlmp424KnownAnswers) {
  auto key = ntlm::ntowfv2(hash_of(u"Password"), u"User", u"Domain");
  ASSERT_TRUE(key);
  EXPECT_EQ(hex(*key), "0c868a403bfd7a93a3001ef22ef02e3f");  // 4.2.4.1.1 NTOWFv2
  Bytes blob = ntlm::ntlmv2_blob(0, kClientChallenge, kSpecTargetInfo);
  auto r = ntlm::compute_ntlmv2(*key, kServerChallenge, kClientChallenge, blob);
  ASSERT_TRUE(r);
  EXPECT_EQ(hex(std::span(r->nt_response).first(16)), "68cd0ab851e51c96aabc927bebef6a1c");
  EXPECT_EQ(hex(r->session_base_key), "8de40ccadbc14a82f15cb0ad0de95ca3");
  EXPECT_EQ(hex(r->lm_response), "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  // 4.2.4.2.3: RC4(KeyExchangeKey, RandomSessionKey 55*16).
  auto enc = evp::rc4(r->session_base_key, Bytes(16, std::byte{0x55}));
  ASSERT_TRUE(enc);
  EXPECT_EQ(hex(*enc), "c5dad2544fc9799094ce1ce90bc9d03e");
}

TEST(NtlmServer, AcceptsTheMsNlmp4243AuthenticateMessage) {
  auto cfg = server_config();
  std::array<std::byte, 8> sc{};
  std::copy(kServerChallenge.begin(), kServerChallenge.end(), sc.begin());
  cfg.fixed_challenge = sc;
  NtlmServer server(cfg);
  NtlmClient client;
  ASSERT_TRUE(server.challenge(client.negotiate()));
  auto r = server.authenticate(kSpecAuthenticate);
  ASSERT_TRUE(r) << ntstatus_name(r.status());
  EXPECT_EQ(r->user, u"User");
  EXPECT_EQ(r->domain, u"Domain");
  EXPECT_EQ(r->workstation, u"COMPUTER");
  EXPECT_FALSE(r->guest);
  EXPECT_EQ(hex(r->session_key), std::string(32, '5'));
}

TEST(NtlmClient, ReproducesTheMsNlmp4243Responses) {
  NtlmClient client;
  client.negotiate();
  std::array<std::byte, 8> cc{};
  std::fill(cc.begin(), cc.end(), std::byte{0xaa});
  SessionKey random{};
  std::fill(random.begin(), random.end(), std::byte{0x55});
  client.set_test_randomness(cc, random, 0);
  NtlmCredentials c;
  c.user = u"User";
  c.domain = u"Domain";
  c.workstation = u"COMPUTER";
  c.password = u"Password";
  auto msg = client.authenticate(kSpecChallenge, c);
  ASSERT_TRUE(msg);
  for (size_t at :
       {ntlm::kAuthLmField, ntlm::kAuthNtField, ntlm::kAuthDomainField, ntlm::kAuthUserField,
        ntlm::kAuthWorkstationField, ntlm::kAuthSessionKeyField}) {
    EXPECT_EQ(hex(*ntlm::read_field(*msg, at)), hex(*ntlm::read_field(kSpecAuthenticate, at)))
        << "field at " << at;
  }
  EXPECT_EQ(hex(client.session_key()), std::string(32, '5'));
}

struct Exchange {
  Bytes negotiate, challenge, authenticate;
};

Exchange run_client(NtlmServer& server, NtlmClient& client, const NtlmCredentials& c) {
  Exchange e;
  e.negotiate = client.negotiate();
  auto ch = server.challenge(e.negotiate);
  EXPECT_TRUE(ch);
  if (!ch) return e;
  e.challenge = *ch;
  auto au = client.authenticate(e.challenge, c);
  EXPECT_TRUE(au);
  if (au) e.authenticate = *au;
  return e;
}

TEST(NtlmRoundTrip, RightPasswordAgreesOnTheSessionKey) {
  NtlmServer server(server_config());
  NtlmClient client;
  auto e = run_client(server, client, creds(u"alice", u"Secret123"));
  auto r = server.authenticate(e.authenticate);
  ASSERT_TRUE(r) << ntstatus_name(r.status());
  EXPECT_EQ(r->user, u"alice");
  EXPECT_EQ(r->domain, u"WORKGROUP");
  EXPECT_EQ(r->workstation, u"CLIENT");
  EXPECT_FALSE(r->guest);
  EXPECT_FALSE(r->anonymous);
  EXPECT_EQ(r->session_key, client.session_key());
  EXPECT_NE(r->session_key, SessionKey{});
  EXPECT_TRUE(r->negotiated_flags & ntlm_flag::kKeyExch);
  EXPECT_FALSE(r->negotiated_flags & ntlm_flag::kLmKey);
  // The client used the MIC (the server sent MsvAvTimestamp) and Z(24) as LM response.
  EXPECT_NE(hex(std::span(e.authenticate).subspan(ntlm::kAuthMic, 16)), std::string(32, '0'));
  EXPECT_EQ(hex(*ntlm::read_field(e.authenticate, ntlm::kAuthLmField)), std::string(48, '0'));
  // Both GSS contexts interoperate in both directions.
  auto* sc = server.security_context();
  auto* cc = client.security_context();
  ASSERT_NE(sc, nullptr);
  ASSERT_NE(cc, nullptr);
  const Bytes m = unhex("300c060a2b06010401823702020a");
  auto cmic = cc->get_mic(m);
  ASSERT_TRUE(cmic);
  EXPECT_TRUE(sc->verify_mic(m, *cmic));
  auto smic = sc->get_mic(m);
  ASSERT_TRUE(smic);
  EXPECT_TRUE(cc->verify_mic(m, *smic));
  EXPECT_FALSE(cc->verify_mic(m, *smic));  // sequence number moved on
}

TEST(NtlmRoundTrip, NonAsciiUserName) {
  NtlmServer server(server_config());
  NtlmClient client;
  auto e = run_client(server, client, creds(u"j\u00f6rg", u"p\u00e4ss"));
  auto r = server.authenticate(e.authenticate);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->session_key, client.session_key());
}

TEST(NtlmRoundTrip, ChallengeCarriesTheTargetInfo) {
  NtlmServer server(server_config());
  NtlmClient client;
  Bytes neg = client.negotiate();
  wire::set_u32(neg, 12, 0xffffffff);  // asks for everything, LM_KEY included
  auto ch = server.challenge(neg);
  ASSERT_TRUE(ch);
  uint32_t flags = 0;
  ASSERT_TRUE(wire::get_u32(*ch, 20, flags));
  EXPECT_FALSE(flags & ntlm_flag::kLmKey);
  EXPECT_FALSE(flags & ntlm_flag::kOem);
  EXPECT_TRUE(flags & ntlm_flag::kTargetInfo);
  EXPECT_TRUE(flags & ntlm_flag::kExtendedSessionSecurity);
  auto info = ntlm::read_field(*ch, 40);
  ASSERT_TRUE(info);
  auto pairs = ntlm::parse_av_pairs(*info);
  ASSERT_TRUE(pairs);
  auto text = [&](ntlm::AvId id) {
    const auto* p = ntlm::find_av(*pairs, id);
    return p ? *wire::from_utf16le(p->value) : std::u16string(u"<missing>");
  };
  EXPECT_EQ(text(ntlm::AvId::NbDomainName), u"WORKGROUP");
  EXPECT_EQ(text(ntlm::AvId::NbComputerName), u"LWSERVER");
  EXPECT_EQ(text(ntlm::AvId::DnsDomainName), u"example.test");
  EXPECT_EQ(text(ntlm::AvId::DnsComputerName), u"lwserver.example.test");
  const auto* ts = ntlm::find_av(*pairs, ntlm::AvId::Timestamp);
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->value.size(), 8u);
}

TEST(NtlmRoundTrip, WrongPasswordIsLogonFailure) {
  for (bool guest : {false, true}) {
    NtlmServer server(server_config(guest));
    NtlmClient client;
    auto e = run_client(server, client, creds(u"alice", u"wrong"));
    EXPECT_EQ(server.authenticate(e.authenticate).status(), kStatusLogonFailure);
  }
}

TEST(NtlmRoundTrip, UnknownUserIsGuestOnlyWhenAllowed) {
  {
    NtlmServer server(server_config(false));
    NtlmClient client;
    auto e = run_client(server, client, creds(u"mallory", u"x"));
    EXPECT_EQ(server.authenticate(e.authenticate).status(), kStatusLogonFailure);
  }
  NtlmServer server(server_config(true));
  NtlmClient client;
  auto e = run_client(server, client, creds(u"mallory", u"x"));
  auto r = server.authenticate(e.authenticate);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->guest);
  EXPECT_EQ(r->session_key, SessionKey{});
  EXPECT_EQ(server.security_context(), nullptr);
}

TEST(NtlmRoundTrip, AnonymousWhenAllowedWithoutGuest) {
  for (bool anon : {false, true}) {
    auto cfg = server_config(false);
    cfg.allow_anonymous = anon;
    NtlmServer server(cfg);
    NtlmClient client;
    auto ch = server.challenge(client.negotiate());
    ASSERT_TRUE(ch);
    auto au = client.authenticate_anonymous(*ch);
    ASSERT_TRUE(au);
    auto r = server.authenticate(*au);
    if (!anon) {
      EXPECT_EQ(r.status(), kStatusLogonFailure);
    } else {
      ASSERT_TRUE(r);
      EXPECT_TRUE(r->anonymous);
      EXPECT_FALSE(r->guest);
    }
  }
}

TEST(NtlmRoundTrip, AnonymousOnlyWhenGuestAllowed) {
  for (bool guest : {false, true}) {
    NtlmServer server(server_config(guest));
    NtlmClient client;
    auto ch = server.challenge(client.negotiate());
    ASSERT_TRUE(ch);
    auto au = client.authenticate_anonymous(*ch);
    ASSERT_TRUE(au);
    auto r = server.authenticate(*au);
    if (!guest) {
      EXPECT_EQ(r.status(), kStatusLogonFailure);
    } else {
      ASSERT_TRUE(r);
      EXPECT_TRUE(r->anonymous);
      EXPECT_EQ(r->session_key, SessionKey{});
    }
  }
}

// Re-encodes an AUTHENTICATE message with one payload field replaced.
Bytes replace_field(const Bytes& msg, size_t which, const Bytes& value) {
  Bytes out(msg.begin(), msg.begin() + ntlm::kAuthHeaderWithMic);
  for (size_t at = ntlm::kAuthLmField; at <= ntlm::kAuthSessionKeyField; at += 8) {
    Bytes v = at == which
                  ? value
                  : Bytes(ntlm::read_field(msg, at)->begin(), ntlm::read_field(msg, at)->end());
    wire::set_u16(out, at, static_cast<uint16_t>(v.size()));
    wire::set_u16(out, at + 2, static_cast<uint16_t>(v.size()));
    wire::set_u32(out, at + 4, static_cast<uint32_t>(out.size()));
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

TEST(NtlmRoundTrip, NtlmV1AndLmOnlyResponsesAreRefused) {
  for (size_t nt_len : {0, 24}) {
    NtlmServer server(server_config(true));
    NtlmClient client;
    auto e = run_client(server, client, creds(u"alice", u"Secret123"));
    Bytes forged = replace_field(e.authenticate, ntlm::kAuthNtField, Bytes(nt_len, std::byte{1}));
    forged = replace_field(forged, ntlm::kAuthLmField, Bytes(24, std::byte{2}));
    EXPECT_EQ(server.authenticate(forged).status(), kStatusLogonFailure) << nt_len;
  }
}

TEST(NtlmRoundTrip, MicProtectsTheWholeExchange) {
  // A flipped MIC byte, a changed workstation name (outside NTProofStr) and a changed
  // NEGOTIATE flag all break the MIC.
  for (int variant = 0; variant < 3; ++variant) {
    NtlmServer server(server_config());
    NtlmClient client;
    Bytes neg = client.negotiate();
    auto ch = server.challenge(neg);
    ASSERT_TRUE(ch);
    auto au = client.authenticate(*ch, creds(u"alice", u"Secret123"));
    ASSERT_TRUE(au);
    Bytes msg = *au;
    if (variant == 0) msg[ntlm::kAuthMic + 3] ^= std::byte{1};
    if (variant == 1) msg = replace_field(msg, ntlm::kAuthWorkstationField, wire::utf16le(u"EVIL"));
    if (variant == 2) msg[ntlm::kAuthFlags] ^= std::byte{0x10};  // SIGN
    EXPECT_EQ(server.authenticate(msg).status(), kStatusLogonFailure) << variant;
  }
}

TEST(NtlmRoundTrip, BlobTamperingAndReplayFail) {
  NtlmServer server(server_config());
  NtlmClient client;
  auto e = run_client(server, client, creds(u"alice", u"Secret123"));
  Bytes nt(ntlm::read_field(e.authenticate, ntlm::kAuthNtField)->begin(),
           ntlm::read_field(e.authenticate, ntlm::kAuthNtField)->end());
  nt.back() ^= std::byte{1};
  EXPECT_EQ(server.authenticate(replace_field(e.authenticate, ntlm::kAuthNtField, nt)).status(),
            kStatusLogonFailure);
  // One AUTHENTICATE per challenge.
  EXPECT_EQ(server.authenticate(e.authenticate).status(), kInvalid);
  // Replayed against a fresh challenge.
  NtlmServer other(server_config());
  ASSERT_TRUE(other.challenge(e.negotiate));
  EXPECT_EQ(other.authenticate(e.authenticate).status(), kStatusLogonFailure);
}

TEST(NtlmServer, OutOfOrderCallsAreRejected) {
  NtlmServer server(server_config());
  NtlmClient client;
  Bytes neg = client.negotiate();
  EXPECT_EQ(server.authenticate(neg).status(), kInvalid);
  ASSERT_TRUE(server.challenge(neg));
  EXPECT_EQ(server.challenge(neg).status(), kInvalid);
}

TEST(NtlmServer, MalformedNegotiate) {
  NtlmClient client;
  const Bytes good = client.negotiate();
  auto status = [](Bytes m) {
    NtlmServer s(server_config());
    return s.challenge(m).status();
  };
  EXPECT_EQ(status(good), NtStatus::Success);
  Bytes bad = good;
  bad[0] = std::byte{'X'};
  EXPECT_EQ(status(bad), kInvalid);
  bad = good;
  bad[8] = std::byte{3};
  EXPECT_EQ(status(bad), kInvalid);
  for (size_t n = 0; n < 16; ++n)
    EXPECT_EQ(status(Bytes(good.begin(), good.begin() + n)), kInvalid);
  bad = good;
  wire::set_u16(bad, 16, 8);  // domain: 8 bytes at offset 40 of a 40-byte message
  EXPECT_EQ(status(bad), kInvalid);
  wire::set_u32(bad, 20, 0xfffffffc);  // offset overflow
  EXPECT_EQ(status(bad), kInvalid);
  bad = good;
  wire::set_u32(bad, 12, ntlm_flag::kOem | ntlm_flag::kNtlm);
  EXPECT_EQ(status(bad), NtStatus::NotSupported);
}

TEST(NtlmServer, MalformedAuthenticate) {
  NtlmClient client;
  NtlmServer probe(server_config());
  const Bytes neg = client.negotiate();
  const Bytes good = *client.authenticate(*probe.challenge(neg), creds(u"alice", u"Secret123"));
  auto status = [&](const Bytes& m) {
    NtlmServer s(server_config());
    EXPECT_TRUE(s.challenge(neg));
    return s.authenticate(m).status();
  };
  Bytes bad = good;
  bad[7] = std::byte{1};
  EXPECT_EQ(status(bad), kInvalid);
  bad = good;
  bad[8] = std::byte{2};
  EXPECT_EQ(status(bad), kInvalid);
  for (size_t at = ntlm::kAuthLmField; at <= ntlm::kAuthSessionKeyField; at += 8) {
    bad = good;
    wire::set_u32(bad, at + 4, static_cast<uint32_t>(good.size()));  // past the end
    EXPECT_EQ(status(bad), kInvalid) << at;
    wire::set_u32(bad, at + 4, 0xffffffff);  // offset + length overflows
    EXPECT_EQ(status(bad), kInvalid) << at;
  }
  bad = replace_field(good, ntlm::kAuthUserField, Bytes(3, std::byte{'a'}));  // odd UTF-16
  EXPECT_EQ(status(bad), kInvalid);
  // Every truncation fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) {
    const NtStatus st = status(Bytes(good.begin(), good.begin() + n));
    EXPECT_TRUE(st == kInvalid || st == kStatusLogonFailure) << n << " " << ntstatus_name(st);
  }
}

TEST(NtlmClient, MalformedChallenge) {
  NtlmServer server(server_config());
  NtlmClient probe;
  const Bytes good = *server.challenge(probe.negotiate());
  for (size_t n = 0; n < good.size(); ++n) {
    NtlmClient c;
    c.negotiate();
    EXPECT_FALSE(c.authenticate(Bytes(good.begin(), good.begin() + n), creds(u"a", u"b")));
  }
  Bytes bad = good;
  wire::set_u32(bad, 44, 0xfffffff0);  // TargetInfo offset
  NtlmClient c;
  c.negotiate();
  EXPECT_EQ(c.authenticate(bad, creds(u"a", u"b")).status(), kInvalid);
}

TEST(NtlmFuzz, RandomGarbageNeverCrashes) {
  std::mt19937 rng(4178);
  NtlmClient client;
  NtlmServer probe(server_config());
  const Bytes neg = client.negotiate();
  const Bytes challenge = *probe.challenge(neg);
  for (int i = 0; i < 3000; ++i) {
    Bytes m;
    if (i % 2 == 0) {
      m.resize(rng() % 200);
      for (auto& b : m) b = static_cast<std::byte>(rng());
      if (m.size() >= 12 && (rng() & 1)) {
        std::copy(ntlm::kSignature.begin(), ntlm::kSignature.end(), m.begin());
        m[8] = static_cast<std::byte>(1 + rng() % 3);
        m[9] = m[10] = m[11] = std::byte{0};
      }
    } else {
      m = challenge;
      for (int j = 0, n = 1 + rng() % 4; j < n; ++j) {
        m[rng() % m.size()] ^= static_cast<std::byte>(1 + rng() % 255);
      }
    }
    NtlmServer s(server_config(i % 4 == 0));
    (void)s.challenge(m);
    NtlmServer s2(server_config(i % 4 == 0));
    ASSERT_TRUE(s2.challenge(neg));
    EXPECT_FALSE(s2.authenticate(m));
    NtlmClient c;
    c.negotiate();
    (void)c.authenticate(m, creds(u"a", u"b"));
  }
}

TEST(NtlmFuzz, MutatedAuthenticateNeverAuthenticates) {
  std::mt19937 rng(2743);
  for (int i = 0; i < 600; ++i) {
    NtlmServer server(server_config(i % 2 == 0));
    NtlmClient client;
    auto e = run_client(server, client, creds(u"alice", u"Secret123"));
    Bytes m = e.authenticate;
    for (int j = 0, n = 1 + rng() % 3; j < n; ++j) {
      m[rng() % m.size()] ^= static_cast<std::byte>(1 + rng() % 255);
    }
    auto r = server.authenticate(m);
    // Only "unknown user becomes guest" may succeed, and then without a key.
    if (r) {
      EXPECT_TRUE(r->guest || r->anonymous) << "iteration " << i;
      EXPECT_EQ(r->session_key, SessionKey{});
    }
  }
}

}  // namespace
}  // namespace lwsmb::auth
