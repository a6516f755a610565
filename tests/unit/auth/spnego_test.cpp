// SPNEGO tokens and the NTLMSSP session-setup exchange, including tokens captured from Windows
// in Microsoft's "SMB 3.1.1 Encryption in Windows 10" test vectors (appendix A).
#include "lwsmb/auth/spnego.hpp"

#include <gtest/gtest.h>

#include <random>

#include "auth_test_hex.hpp"
#include "ntlm_core.hpp"

namespace lwsmb::auth {
namespace {

using test::hex;
using test::unhex;
using Bytes = std::vector<std::byte>;
constexpr NtStatus kInvalid = NtStatus::InvalidParameter;

Bytes slice(const Bytes& b, size_t off, size_t len) {
  return Bytes(b.begin() + static_cast<ptrdiff_t>(off),
               b.begin() + static_cast<ptrdiff_t>(off + len));
}

// SESSION_SETUP request 1 security buffer: negTokenInit {NTLMSSP} with the NEGOTIATE message.
const Bytes kWinNegTokenInit = unhex(
    "604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A04284E544C4D5353500001000000"
    "978208E200000000000000000000000000000000060380250000000F");
const Bytes kWinMechTypes = unhex("300C060A2B06010401823702020A");

// NEGOTIATE response (A.2); its security buffer (offset 0x80, 0x140 bytes) is a NegTokenInit2
// listing NEGOEX and NTLMSSP with a NEGOEX mechToken.
const Bytes kWinNegotiateResponse = unhex(
    "FE534D4240000100000000000000010001000000000000000000000000000000FFFE000000000000"
    "000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942"
    "BDCE5D60F09AB3FB27000000000080000000800000008000D04C8443CCAED00109094AB095AED001"
    "80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182"
    "3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000"
    "60000000700000007F7CC0FD06D6362D02DDE1CF343BFE2973007DCF55CA793E082B7A257DEFE6E8"
    "E18291ABF112C0599108C772F55CBB2A000000000000000060000000010000000000000000000000"
    "5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000"
    "7F7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000"
    "3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562"
    "6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075"
    "626C6963204B6579010026000000000001002000010088AFA422ECC239CB16F30BA641AE4B6EE79F"
    "5A4AF74FE18A301E9790515D07F70000020004000000000001000100");

// SESSION_SETUP response 1 (A.1): negTokenResp with the server's CHALLENGE at 0x48, 0xB3 bytes.
const Bytes kWinSessionSetupResponse1 = unhex(
    "FE534D4240000100160000C00100010001000000000000000100000000000000FFFE000000000000"
    "250000000010000000000000000000000000000000000000090000004800B300A181B03081ADA003"
    "0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038"
    "00000015828AE25FC0CB7F886E93D6000000000000000050005000440000000A0092270000000F53"
    "005500540033003100310002000C0053005500540033003100310001000C00530055005400330031"
    "00310004000C0053005500540033003100310003000C005300550054003300310031000700080024"
    "8D5C6CCDAED00100000000");

// SESSION_SETUP request 2 (A.1): negTokenResp with AUTHENTICATE and mechListMIC at 0x58, 0x1CF.
const Bytes kWinSessionSetupRequest2 = unhex(
    "FE534D4240000100000000000100800000000000000000000200000000000000FFFE000000000000"
    "2500000000100000000000000000000000000000000000001900000101000000000000005800CF01"
    "0000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C4D53535000030000"
    "001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000"
    "001000100096010000158288E2060380250000000FA5E34268EF143BE5816251D02C564E9B530055"
    "005400330031003100610064006D0069006E006900730074007200610074006F0072004400520049"
    "005600450052003300310031000000000000000000000000000000000000000000000000002C263D"
    "A5C2D54785E8EDA0552472D3A30101000000000000248D5C6CCDAED001BEA7A53E2DC098EB000000"
    "0002000C0053005500540033003100310001000C0053005500540033003100310004000C00530055"
    "00540033003100310003000C0053005500540033003100310007000800248D5C6CCDAED001060004"
    "00020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B"
    "8E0EBA5A6DFD9D07A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016"
    "0063006900660073002F00530055005400330031003100000000000000000000000000133FA6EA15"
    "4880BB44576C6E2490BDE7A31204100100000067890BD408F5680D00000000");

// The SMB session key of that exchange, i.e. NTLM's ExportedSessionKey.
const Bytes kWinSessionKey = unhex("419FDDF34C1E001909D362AE7FB6AF79");

TEST(Oid, DottedForms) {
  EXPECT_EQ(oid_spnego().to_string(), "1.3.6.1.5.5.2");
  EXPECT_EQ(oid_ntlmssp().to_string(), "1.3.6.1.4.1.311.2.2.10");
  EXPECT_EQ(oid_kerberos5().to_string(), "1.2.840.113554.1.2.2");
  EXPECT_EQ(oid_ms_kerberos5().to_string(), "1.2.840.48018.1.2.2");
  EXPECT_EQ(Oid{unhex("2b86")}.to_string(), "?");
}

TEST(Spnego, ParsesWindowsNegTokenInit) {
  auto init = parse_neg_token_init(kWinNegTokenInit);
  ASSERT_TRUE(init);
  EXPECT_FALSE(init->raw_ntlmssp);
  ASSERT_EQ(init->mech_types.size(), 1u);
  EXPECT_EQ(init->mech_types[0], oid_ntlmssp());
  EXPECT_EQ(init->mech_types_der, kWinMechTypes);
  ASSERT_TRUE(init->mech_token);
  EXPECT_TRUE(ntlm::has_header(*init->mech_token, ntlm::kNegotiateType));
  NtlmServer server(NtlmServerConfig{});
  EXPECT_TRUE(server.challenge(*init->mech_token));
}

TEST(Spnego, ParsesWindowsNegTokenInit2WithNegoex) {
  const Bytes token = slice(kWinNegotiateResponse, 0x80, 0x140);
  auto init = parse_neg_token_init(token);
  ASSERT_TRUE(init) << ntstatus_name(init.status());
  ASSERT_EQ(init->mech_types.size(), 2u);
  EXPECT_EQ(init->mech_types[0].to_string(), "1.3.6.1.4.1.311.2.2.30");  // NEGOEX
  EXPECT_EQ(init->mech_types[1], oid_ntlmssp());
  ASSERT_TRUE(init->mech_token);
  EXPECT_EQ(hex(std::span(*init->mech_token).first(8)), "4e45474f45585453");  // "NEGOEXTS"
  SpnegoClient client(NtlmCredentials{});
  EXPECT_TRUE(client.initial(token));
}

TEST(Spnego, ParsesWindowsNegTokenRespWithChallenge) {
  auto resp = parse_neg_token_resp(slice(kWinSessionSetupResponse1, 0x48, 0xB3));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->neg_state, NegState::AcceptIncomplete);
  EXPECT_EQ(resp->supported_mech, oid_ntlmssp());
  ASSERT_TRUE(resp->response_token);
  EXPECT_EQ(resp->response_token->size(), 0x94u);
  EXPECT_FALSE(resp->mech_list_mic);
  // Our client answers a real Windows CHALLENGE.
  NtlmClient client;
  client.negotiate();
  NtlmCredentials c;
  c.user = u"administrator";
  c.password = u"x";
  auto au = client.authenticate(*resp->response_token, c);
  ASSERT_TRUE(au);
  EXPECT_TRUE(ntlm::has_header(*au, ntlm::kAuthenticateType));
}

TEST(Spnego, ParsesWindowsNegTokenRespWithAuthenticateAndMic) {
  auto resp = parse_neg_token_resp(slice(kWinSessionSetupRequest2, 0x58, 0x1CF));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->neg_state, NegState::AcceptIncomplete);
  ASSERT_TRUE(resp->response_token);
  EXPECT_EQ(resp->response_token->size(), 0x1A6u);
  EXPECT_TRUE(ntlm::has_header(*resp->response_token, ntlm::kAuthenticateType));
  ASSERT_TRUE(resp->mech_list_mic);
  EXPECT_EQ(hex(*resp->mech_list_mic), "0100000067890bd408f5680d00000000");
}

TEST(NtlmMechListMic, WindowsCaptureKnownAnswer) {
  // MS-NLMP 3.4.4.2 over the MechTypeList, keyed from the exchange's ExportedSessionKey with the
  // AUTHENTICATE flags 0xE2888215 (KEY_EXCH, 128, ESS): both directions match Windows.
  SessionKey key{};
  std::copy(kWinSessionKey.begin(), kWinSessionKey.end(), key.begin());
  auto server = NtlmSecurityContext::create(key, 0xE2888215, true);
  auto client = NtlmSecurityContext::create(key, 0xE2888215, false);
  ASSERT_TRUE(server && client);
  auto cmic = (*client)->get_mic(kWinMechTypes);
  ASSERT_TRUE(cmic);
  EXPECT_EQ(hex(*cmic), "0100000067890bd408f5680d00000000");
  EXPECT_TRUE((*server)->verify_mic(kWinMechTypes, *cmic));
  auto smic = (*server)->get_mic(kWinMechTypes);
  ASSERT_TRUE(smic);
  EXPECT_EQ(hex(*smic), "010000003932a87523ab660100000000");
}

TEST(Spnego, NegTokenInitRoundTrip) {
  const Bytes token = unhex("4e544c4d5353500001000000");
  const std::vector<Oid> mechs = {oid_ms_kerberos5(), oid_kerberos5(), oid_ntlmssp()};
  auto init = parse_neg_token_init(spnego_neg_token_init(mechs, token));
  ASSERT_TRUE(init);
  EXPECT_EQ(init->mech_types, mechs);
  EXPECT_EQ(init->mech_token, token);
  auto server_hint = parse_neg_token_init(SpnegoServer::negotiate_token());
  ASSERT_TRUE(server_hint);
  EXPECT_EQ(server_hint->mech_types, std::vector<Oid>{oid_ntlmssp()});
  EXPECT_FALSE(server_hint->mech_token);
  EXPECT_EQ(server_hint->mech_types_der, kWinMechTypes);
}

TEST(Spnego, NegTokenRespRoundTrip) {
  for (int mask = 0; mask < 16; ++mask) {
    NegTokenResp r;
    if (mask & 1) r.neg_state = NegState::RequestMic;
    if (mask & 2) r.supported_mech = oid_ntlmssp();
    if (mask & 4) r.response_token = Bytes(300, std::byte{7});  // long-form length
    if (mask & 8) r.mech_list_mic = Bytes(16, std::byte{9});
    auto p = parse_neg_token_resp(spnego_neg_token_resp(r));
    ASSERT_TRUE(p) << mask;
    EXPECT_EQ(p->neg_state, r.neg_state);
    EXPECT_EQ(p->supported_mech, r.supported_mech);
    EXPECT_EQ(p->response_token, r.response_token);
    EXPECT_EQ(p->mech_list_mic, r.mech_list_mic);
  }
  // Matches the Windows server's final token byte for byte.
  NegTokenResp done;
  done.neg_state = NegState::AcceptCompleted;
  done.mech_list_mic = unhex("010000003932A87523AB660100000000");
  EXPECT_EQ(hex(spnego_neg_token_resp(done)),
            "a11b3019a0030a0100a3120410010000003932a87523ab660100000000");
}

TEST(Spnego, RawNtlmsspPassThrough) {
  NtlmClient client;
  const Bytes neg = client.negotiate();
  auto init = parse_neg_token_init(neg);
  ASSERT_TRUE(init);
  EXPECT_TRUE(init->raw_ntlmssp);
  EXPECT_EQ(init->mech_token, neg);
  auto resp = parse_neg_token_resp(neg);
  ASSERT_TRUE(resp);
  EXPECT_TRUE(resp->raw_ntlmssp);
}

NtlmServerConfig config(bool guest = false) {
  NtlmServerConfig c;
  c.netbios_domain = u"WORKGROUP";
  c.netbios_computer = u"LWSERVER";
  c.allow_guest = guest;
  c.lookup_nt_hash = [](std::u16string_view user, std::u16string_view) -> std::optional<NtHash> {
    if (user != u"alice") return std::nullopt;
    return *nt_hash(u"Secret123");
  };
  return c;
}

NtlmCredentials alice(std::u16string password = u"Secret123") {
  NtlmCredentials c;
  c.user = u"alice";
  c.domain = u"WORKGROUP";
  c.password = std::move(password);
  return c;
}

TEST(SpnegoExchange, ClientAndServerAgree) {
  SpnegoServer server(config());
  SpnegoClient client(alice());
  auto t1 = client.initial(SpnegoServer::negotiate_token());
  ASSERT_TRUE(t1);
  auto s1 = server.step(*t1);
  ASSERT_TRUE(s1);
  EXPECT_FALSE(s1->done);
  auto t2 = client.step(s1->output);
  ASSERT_TRUE(t2);
  EXPECT_TRUE(parse_neg_token_resp(*t2)->mech_list_mic);
  auto s2 = server.step(*t2);
  ASSERT_TRUE(s2) << ntstatus_name(s2.status());
  ASSERT_TRUE(s2->done);
  ASSERT_TRUE(s2->result);
  EXPECT_EQ(s2->result->user, u"alice");
  auto final_resp = parse_neg_token_resp(s2->output);
  ASSERT_TRUE(final_resp);
  EXPECT_EQ(final_resp->neg_state, NegState::AcceptCompleted);
  EXPECT_TRUE(final_resp->mech_list_mic);
  auto t3 = client.step(s2->output);
  ASSERT_TRUE(t3);
  EXPECT_TRUE(t3->empty());
  EXPECT_TRUE(client.done());
  EXPECT_EQ(client.session_key(), s2->result->session_key);
  EXPECT_EQ(server.step(*t2).status(), kInvalid);  // finished
}

TEST(SpnegoExchange, WrongPasswordAndBadMechListMic) {
  {
    SpnegoServer server(config());
    SpnegoClient client(alice(u"nope"));
    auto s1 = server.step(*client.initial());
    auto t2 = client.step(s1->output);
    EXPECT_EQ(server.step(*t2).status(), kStatusLogonFailure);
  }
  SpnegoServer server(config());
  SpnegoClient client(alice());
  auto s1 = server.step(*client.initial());
  auto t2 = parse_neg_token_resp(*client.step(s1->output));
  ASSERT_TRUE(t2 && t2->mech_list_mic);
  (*t2->mech_list_mic)[5] ^= std::byte{1};
  EXPECT_EQ(server.step(spnego_neg_token_resp(*t2)).status(), kStatusLogonFailure);
}

TEST(SpnegoExchange, ClientRejectsABadServerMechListMic) {
  SpnegoServer server(config());
  SpnegoClient client(alice());
  auto s1 = server.step(*client.initial());
  auto s2 = server.step(*client.step(s1->output));
  ASSERT_TRUE(s2);
  auto final_resp = *parse_neg_token_resp(s2->output);
  (*final_resp.mech_list_mic)[6] ^= std::byte{1};
  EXPECT_EQ(client.step(spnego_neg_token_resp(final_resp)).status(), kStatusLogonFailure);
}

TEST(SpnegoExchange, NtlmsspSecondChoiceNeedsMechListMic) {
  for (bool send_mic : {false, true}) {
    SpnegoServer server(config());
    const std::vector<Oid> mechs = {oid_kerberos5(), oid_ntlmssp()};
    const Bytes init = spnego_neg_token_init(mechs, unhex("6e0102"));  // a Kerberos token
    auto s1 = server.step(init);
    ASSERT_TRUE(s1);
    auto r1 = parse_neg_token_resp(s1->output);
    ASSERT_TRUE(r1);
    EXPECT_EQ(r1->neg_state, NegState::RequestMic);
    EXPECT_EQ(r1->supported_mech, oid_ntlmssp());
    EXPECT_FALSE(r1->response_token);
    NtlmClient ntlm;
    NegTokenResp m2;
    m2.response_token = ntlm.negotiate();
    auto s2 = server.step(spnego_neg_token_resp(m2));
    ASSERT_TRUE(s2);
    auto r2 = parse_neg_token_resp(s2->output);
    ASSERT_TRUE(r2 && r2->response_token);
    NegTokenResp m3;
    m3.response_token = *ntlm.authenticate(*r2->response_token, alice());
    if (send_mic) {
      auto mic = ntlm.security_context()->get_mic(parse_neg_token_init(init)->mech_types_der);
      m3.mech_list_mic = Bytes(mic->begin(), mic->end());
    }
    auto s3 = server.step(spnego_neg_token_resp(m3));
    if (send_mic) {
      ASSERT_TRUE(s3);
      EXPECT_TRUE(s3->done);
    } else {
      EXPECT_EQ(s3.status(), kStatusLogonFailure);
    }
  }
}

TEST(SpnegoExchange, RawNtlmsspAndNoNtlmOffered) {
  SpnegoServer server(config());
  NtlmClient ntlm;
  auto s1 = server.step(ntlm.negotiate());
  ASSERT_TRUE(s1);
  ASSERT_TRUE(ntlm::has_header(s1->output, ntlm::kChallengeType));
  auto s2 = server.step(*ntlm.authenticate(s1->output, alice()));
  ASSERT_TRUE(s2);
  EXPECT_TRUE(s2->done);
  EXPECT_TRUE(s2->output.empty());
  EXPECT_EQ(s2->result->session_key,
            std::vector<std::byte>(ntlm.session_key().begin(), ntlm.session_key().end()));

  SpnegoServer other(config());
  EXPECT_EQ(other.step(spnego_neg_token_init({oid_kerberos5()}, unhex("01"))).status(),
            kStatusLogonFailure);
}

TEST(SpnegoExchange, GuestAndAnonymous) {
  SpnegoServer server(config(true));
  SpnegoClient client(alice(), /*anonymous=*/true);
  auto s1 = server.step(*client.initial());
  auto s2 = server.step(*client.step(s1->output));
  ASSERT_TRUE(s2);
  EXPECT_TRUE(s2->result->anonymous);
  EXPECT_TRUE(client.step(s2->output));

  SpnegoServer strict(config(false));
  SpnegoClient anon(alice(), true);
  auto a1 = strict.step(*anon.initial());
  EXPECT_EQ(strict.step(*anon.step(a1->output)).status(), kStatusLogonFailure);
}

// Malformed DER: truncations, lengths past the end, huge and indefinite lengths, deep nesting.
TEST(SpnegoMalformed, TruncationsAndBadLengths) {
  const Bytes init = spnego_neg_token_init({oid_ntlmssp()}, unhex("01020304"));
  const Bytes resp = slice(kWinSessionSetupRequest2, 0x58, 0x1CF);
  for (size_t n = 0; n < init.size(); ++n) {
    EXPECT_EQ(parse_neg_token_init(slice(init, 0, n)).status(), kInvalid) << n;
  }
  for (size_t n = 0; n < resp.size(); ++n) {
    EXPECT_EQ(parse_neg_token_resp(slice(resp, 0, n)).status(), kInvalid) << n;
  }
  Bytes trailing = init;
  trailing.push_back(std::byte{0});
  EXPECT_EQ(parse_neg_token_init(trailing).status(), kInvalid);
  for (const char* bad : {
           "6005 06062b0601050502",       // outer length shorter than its content
           "6080 06062b0601050502 0000",  // indefinite length
           "6084ffffffff 06",             // huge length
           "6085 0000000001 00",          // five length octets
           "6003 06ff",                   // inner length past the end
           "a08400000010 30",             // bare negTokenInit, length past the end
           "7f 01 00",                    // high tag number form
           "a0023000",                    // no mechTypes
           "a0063004a0023000a300",        // mechListMIC field empty
           "a1023000 00",                 // trailing byte after negTokenResp
           "a1053003a0010a",              // negState with a short ENUMERATED
           "a1083006a0040a0104ff",        // negState content longer than the ENUMERATED
           "a1073005a0030a0109",          // negState out of range
           "a10a3008a1020600a0020a00",    // fields out of order
       }) {
    const Bytes b = unhex(bad);
    EXPECT_FALSE(parse_neg_token_init(b)) << bad;
    EXPECT_FALSE(parse_neg_token_resp(b)) << bad;
  }
}

TEST(SpnegoMalformed, DeepNestingFailsWithoutRecursion) {
  // 20000 nested SEQUENCE wrappers (about 120 KB).
  Bytes inner = unhex("0500");
  for (int i = 0; i < 20000; ++i) {
    Bytes outer = {std::byte{0x30}, std::byte{0x84}};
    for (int s = 24; s >= 0; s -= 8) outer.push_back(static_cast<std::byte>(inner.size() >> s));
    outer.insert(outer.end(), inner.begin(), inner.end());
    inner.swap(outer);
  }
  auto wrap = [](uint8_t tag, Bytes content, Bytes prefix = {}) {
    Bytes out = {std::byte{tag}, std::byte{0x84}};
    const size_t len = prefix.size() + content.size();
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::byte>(len >> s));
    out.insert(out.end(), prefix.begin(), prefix.end());
    out.insert(out.end(), content.begin(), content.end());
    return out;
  };
  const Bytes gss = wrap(0x60, wrap(0xa0, inner), unhex("06062b0601050502"));
  EXPECT_EQ(parse_neg_token_init(gss).status(), kInvalid);
  EXPECT_EQ(parse_neg_token_init(inner).status(), kInvalid);
  EXPECT_EQ(parse_neg_token_resp(wrap(0xa1, inner)).status(), kInvalid);
  SpnegoServer server(config());
  EXPECT_EQ(server.step(inner).status(), kInvalid);
}

TEST(SpnegoFuzz, RandomGarbageAndMutations) {
  std::mt19937 rng(4178);
  const Bytes seeds[] = {kWinNegTokenInit, slice(kWinNegotiateResponse, 0x80, 0x140),
                         slice(kWinSessionSetupResponse1, 0x48, 0xB3),
                         slice(kWinSessionSetupRequest2, 0x58, 0x1CF)};
  for (int i = 0; i < 4000; ++i) {
    Bytes m;
    if (i % 2 == 0) {
      m.resize(rng() % 64);
      for (auto& b : m) b = static_cast<std::byte>(rng());
      if (!m.empty()) m[0] = static_cast<std::byte>((rng() & 1) ? 0x60 : 0xa1);
    } else {
      m = seeds[rng() % 4];
      for (int j = 0, n = 1 + rng() % 3; j < n; ++j) {
        m[rng() % m.size()] ^= static_cast<std::byte>(1 + rng() % 255);
      }
    }
    (void)parse_neg_token_init(m);
    (void)parse_neg_token_resp(m);
    SpnegoServer server(config(i % 3 == 0));
    (void)server.step(m);
    SpnegoClient client(alice());
    (void)client.initial(m);
    (void)client.step(m);
  }
}

}  // namespace
}  // namespace lwsmb::auth
