// "smb encrypt" enforcement and Kerberos session expiry (MS-SMB2 3.3.5.5, 3.3.5.7, 3.3.5.2.9,
// 3.3.5.2.11), on the policy functions SESSION_SETUP, TREE_CONNECT and the request loop call.
#include "srv/srv_session_policy.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "lwsmb/proto/smb2_constants.hpp"

namespace lwsmb::server {
namespace {

namespace smb2 = proto::smb2;
using C = smb2::Command;

ConnectionState conn(uint16_t dialect, uint16_t cipher) {
  ConnectionState st;
  st.dialect = dialect;
  st.cipher = cipher;
  return st;
}

auth::AuthResult user_result() {
  auth::AuthResult r;
  r.user = u"alice";
  r.session_key.assign(16, std::byte{1});
  return r;
}

TEST(SessionPolicy, GlobalRequiredRefusesConnectionsThatCannotEncrypt) {
  GlobalConfig g;
  g.smb_encrypt = EncryptPolicy::Required;
  EXPECT_EQ(check_session_setup_allowed(conn(0x0210, 0), g), NtStatus::AccessDenied);
  EXPECT_EQ(check_session_setup_allowed(conn(0x0311, 0), g), NtStatus::AccessDenied);
  EXPECT_EQ(check_session_setup_allowed(conn(0x0311, 2), g), NtStatus::Success);
  EXPECT_EQ(check_session_setup_allowed(conn(0x0300, 1), g), NtStatus::Success);
  g.smb_encrypt = EncryptPolicy::Desired;
  EXPECT_EQ(check_session_setup_allowed(conn(0x0210, 0), g), NtStatus::Success);
}

TEST(SessionPolicy, SessionFlagFollowsTheGlobalPolicy) {
  for (auto p :
       {EncryptPolicy::Off, EncryptPolicy::Auto, EncryptPolicy::Desired, EncryptPolicy::Required}) {
    GlobalConfig g;
    g.smb_encrypt = p;
    Session s;
    uint16_t flags = 0;
    ASSERT_EQ(apply_session_policy(conn(0x0311, 2), g, s, user_result(), flags), NtStatus::Success);
    const bool wanted = p == EncryptPolicy::Desired || p == EncryptPolicy::Required;
    EXPECT_EQ((flags & smb2::session_flag::kEncryptData) != 0, wanted);
    EXPECT_EQ(s.encrypt_data, wanted);
    EXPECT_EQ(s.reject_unencrypted, p == EncryptPolicy::Required);
    EXPECT_FALSE(s.expires_at);  // NTLM: no expiry
  }
}

TEST(SessionPolicy, GuestsCannotEncryptSoRequiredRefusesThem) {
  GlobalConfig g;
  g.smb_encrypt = EncryptPolicy::Required;
  auth::AuthResult guest;
  guest.guest = true;
  Session s;
  uint16_t flags = 0;
  EXPECT_EQ(apply_session_policy(conn(0x0311, 2), g, s, guest, flags), NtStatus::AccessDenied);
  g.smb_encrypt = EncryptPolicy::Desired;
  EXPECT_EQ(apply_session_policy(conn(0x0311, 2), g, s, guest, flags), NtStatus::Success);
  EXPECT_EQ(flags, 0);
  EXPECT_FALSE(s.encrypt_data);
}

TEST(SessionPolicy, ShareFlagAndTreeDemand) {
  Session s;
  s.session_key.assign(16, std::byte{1});
  ShareConfig share;
  share.name = "sealed";
  for (auto p :
       {EncryptPolicy::Off, EncryptPolicy::Auto, EncryptPolicy::Desired, EncryptPolicy::Required}) {
    share.smb_encrypt = p;
    TreeConnect t;
    uint32_t flags = 0;
    ASSERT_EQ(apply_share_policy(conn(0x0302, 1), share, s, t, flags), NtStatus::Success);
    const bool wanted = p == EncryptPolicy::Desired || p == EncryptPolicy::Required;
    EXPECT_EQ((flags & smb2::share_flag::kEncryptData) != 0, wanted);
    EXPECT_EQ(t.reject_unencrypted, p == EncryptPolicy::Required);
  }
  // A client that cannot encrypt: refused only by "required".
  share.smb_encrypt = EncryptPolicy::Required;
  TreeConnect t;
  uint32_t flags = 0;
  EXPECT_EQ(apply_share_policy(conn(0x0210, 0), share, s, t, flags), NtStatus::AccessDenied);
  Session guest;
  guest.guest = true;
  EXPECT_EQ(apply_share_policy(conn(0x0311, 2), share, guest, t, flags), NtStatus::AccessDenied);
  share.smb_encrypt = EncryptPolicy::Desired;
  EXPECT_EQ(apply_share_policy(conn(0x0210, 0), share, s, t, flags), NtStatus::Success);
  EXPECT_EQ(flags, 0u);
}

TEST(SessionPolicy, UnencryptedRequestsOnRequiredSessionsAndTrees) {
  Session s;
  s.trees[1] = TreeConnect{};
  s.trees[2] = TreeConnect{};
  s.trees[2].reject_unencrypted = true;
  EXPECT_EQ(check_request_policy(s, 1, C::Read, false), NtStatus::Success);
  EXPECT_EQ(check_request_policy(s, 2, C::Read, false), NtStatus::AccessDenied);
  EXPECT_EQ(check_request_policy(s, 2, C::Read, true), NtStatus::Success);
  EXPECT_EQ(check_request_policy(s, 2, C::TreeConnect, false), NtStatus::Success);
  s.encrypt_data = true;  // desired: unencrypted still allowed
  EXPECT_EQ(check_request_policy(s, 1, C::Create, false), NtStatus::Success);
  s.reject_unencrypted = true;  // required
  EXPECT_EQ(check_request_policy(s, 1, C::Create, false), NtStatus::AccessDenied);
  EXPECT_EQ(check_request_policy(s, 1, C::TreeConnect, false), NtStatus::AccessDenied);
  EXPECT_EQ(check_request_policy(s, 1, C::SessionSetup, false), NtStatus::Success);
  EXPECT_EQ(check_request_policy(s, 1, C::Create, true), NtStatus::Success);
}

TEST(SessionPolicy, KerberosSessionsExpireWithTheirTicket) {
  GlobalConfig g;
  Session s;
  auto r = user_result();
  r.kerberos = true;
  r.lifetime_seconds = 0;  // already at its end
  uint16_t flags = 0;
  ASSERT_EQ(apply_session_policy(conn(0x0311, 2), g, s, r, flags), NtStatus::Success);
  ASSERT_TRUE(s.expires_at);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  for (auto c : {C::Create, C::Read, C::Write, C::QueryInfo, C::TreeConnect, C::Flush,
                 C::QueryDirectory, C::Ioctl}) {
    EXPECT_EQ(check_request_policy(s, 0, c, false), NtStatus::NetworkSessionExpired);
  }
  for (auto c : {C::Logoff, C::Close, C::Lock, C::SessionSetup}) {
    EXPECT_EQ(check_request_policy(s, 0, c, false), NtStatus::Success);
  }
  // Re-authentication with a fresh ticket moves the end; NTLM clears it.
  r.lifetime_seconds = 3600;
  ASSERT_EQ(apply_session_policy(conn(0x0311, 2), g, s, r, flags), NtStatus::Success);
  EXPECT_EQ(check_request_policy(s, 0, C::Read, false), NtStatus::Success);
  ASSERT_EQ(apply_session_policy(conn(0x0311, 2), g, s, user_result(), flags), NtStatus::Success);
  EXPECT_FALSE(s.expires_at);
}

}  // namespace
}  // namespace lwsmb::server
