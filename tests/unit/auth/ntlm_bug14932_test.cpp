// An NTLMv2 AUTHENTICATE whose client blob carries an AV pair list that does not parse is a
// malformed message (STATUS_INVALID_PARAMETER), not a wrong password: Samba bug 14932 and
// smbtorture smb2.session.ntlmssp_bug14932, which sends this exact message.
#include <gtest/gtest.h>

#include "auth_test_hex.hpp"
#include "lwsmb/auth/ntlmssp.hpp"

namespace lwsmb::auth {
namespace {

using test::unhex;

// Captured from smbtorture: NTProofStr 0xab * 16, blob header, then garbage for the AV pairs.
const auto kBug14932Authenticate = unhex(
    "4e544c4d535350000300000018001800580000005f005f007000000012001200cf00000014001400e1000000"
    "04000400f500000010001000f900000015820862060100000000000f33e5f01940771aaf41ee4432deb957"
    "82000000000000000000000000000000000000000000000000abababababababababababababababab010100"
    "00000000003f3f3f3f3f3f3f3fb8823af1b3dd08150000000011a20881503822782b9447fe54947bff17275a"
    "b4f418badc2c38fd5bfb0ec1851ecc92bb9bb1c4d55314ff8c7649f5459019a257004f0052004b0047005200"
    "4f00550050006c00770073006d0062007400310034003100340056004d007384f33c055bae2063c5e15c05b1"
    "18a8");

NtlmServerConfig config(bool known_user) {
  NtlmServerConfig c;
  c.netbios_domain = u"WORKGROUP";
  c.netbios_computer = u"LWSMB";
  c.lookup_nt_hash = [known_user](std::u16string_view, std::u16string_view) {
    return known_user ? std::optional<NtHash>(*nt_hash(u"pw")) : std::nullopt;
  };
  return c;
}

TEST(NtlmBug14932, GarbageAvPairsAreInvalidParameterForKnownAndUnknownUsers) {
  for (bool known : {true, false}) {
    NtlmServer server(config(known));
    NtlmClient client;
    ASSERT_TRUE(server.challenge(client.negotiate()));
    auto r = server.authenticate(kBug14932Authenticate);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status(), NtStatus::InvalidParameter) << "known user: " << known;
  }
}

TEST(NtlmBug14932, TruncatingTheAvPairsIsInvalidParameterOrLogonFailure) {
  // Every cut inside the message either breaks its structure or its proof; none authenticates.
  for (size_t cut = 0; cut < kBug14932Authenticate.size(); cut += 7) {
    NtlmServer server(config(true));
    NtlmClient client;
    ASSERT_TRUE(server.challenge(client.negotiate()));
    auto r = server.authenticate(std::span(kBug14932Authenticate).first(cut));
    ASSERT_FALSE(r) << cut;
    EXPECT_TRUE(r.status() == NtStatus::InvalidParameter || r.status() == NtStatus::LogonFailure)
        << cut;
  }
}

}  // namespace
}  // namespace lwsmb::auth
