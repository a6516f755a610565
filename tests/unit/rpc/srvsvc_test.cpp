// srvsvc / wkssvc stubs: NDR round trips through the client decoders, browseable filtering,
// and truncated requests.
#include "lwsmb/rpc/srvsvc.hpp"

#include <gtest/gtest.h>

#include "lwsmb/rpc/ndr.hpp"

namespace lwsmb::rpc {
namespace {

std::shared_ptr<RpcServerInfo> sample_info() {
  auto info = std::make_shared<RpcServerInfo>();
  info->netbios_name = "TESTSRV";
  info->comment = "test server";
  info->shares.push_back({"data", "Team data", "/srv/data", share_type::kDiskTree, true});
  info->shares.push_back({"hidden", "Secret", "/srv/hidden", share_type::kDiskTree, false});
  info->shares.push_back(
      {"IPC$", "IPC Service", "", share_type::kIpc | share_type::kSpecial, true});
  info->shares.push_back({"Übung", "", "/srv/u", share_type::kDiskTree, true});
  return info;
}

std::vector<std::byte> call(RpcInterface& i, uint16_t opnum, std::span<const std::byte> in,
                            uint32_t* fault_out = nullptr) {
  NdrWriter w;
  uint32_t f = i.invoke(opnum, in, w);
  if (fault_out) *fault_out = f;
  EXPECT_TRUE(fault_out || f == 0) << "fault 0x" << std::hex << f;
  return w.take();
}

TEST(Srvsvc, ShareEnumAllLevelsLeaveOutHiddenShares) {
  auto iface = make_srvsvc_interface(sample_info());
  for (uint32_t level : {0u, 1u, 2u, 501u, 502u}) {
    SCOPED_TRACE(level);
    auto out =
        call(*iface, srvsvc_opnum::kNetrShareEnum, encode_share_enum_request("\\\\x", level));
    auto r = decode_share_enum_response(out);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, werror::kSuccess);
    EXPECT_EQ(r->level, level);
    EXPECT_EQ(r->total_entries, 3u);
    ASSERT_EQ(r->shares.size(), 3u);
    EXPECT_EQ(r->shares[0].name, "data");
    EXPECT_EQ(r->shares[1].name, "IPC$");
    EXPECT_EQ(r->shares[2].name, "Übung");
    if (level != 0) {
      EXPECT_EQ(r->shares[0].comment, "Team data");
      EXPECT_EQ(r->shares[1].type, share_type::kIpc | share_type::kSpecial);
    }
    if (level == 2 || level == 502) {
      EXPECT_EQ(r->shares[0].path, "C:\\srv\\data");
    }
  }
}

TEST(Srvsvc, ShareEnumUnknownLevel) {
  auto iface = make_srvsvc_interface(sample_info());
  auto out = call(*iface, srvsvc_opnum::kNetrShareEnum, encode_share_enum_request("x", 7));
  auto r = decode_share_enum_response(out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, werror::kInvalidLevel);
  EXPECT_TRUE(r->shares.empty());
}

std::vector<std::byte> get_info_request(std::u16string_view share, uint32_t level) {
  NdrWriter w;
  w.pointer(false);
  w.conformant_varying_string(share);
  w.u32(level);
  return w.take();
}

TEST(Srvsvc, ShareGetInfoFindsHiddenShares) {
  auto iface = make_srvsvc_interface(sample_info());
  auto out = call(*iface, srvsvc_opnum::kNetrShareGetInfo, get_info_request(u"HIDDEN", 1));
  NdrReader r(out);
  uint32_t level = 0, type = 0, status = 1;
  bool info = false, name = false, remark = false;
  std::u16string s_name, s_remark;
  ASSERT_TRUE(r.u32(&level) && r.pointer(&info) && r.pointer(&name) && r.u32(&type) &&
              r.pointer(&remark) && r.conformant_varying_string(&s_name) &&
              r.conformant_varying_string(&s_remark) && r.u32(&status));
  EXPECT_EQ(level, 1u);
  EXPECT_TRUE(info);
  EXPECT_EQ(s_name, u"hidden");
  EXPECT_EQ(s_remark, u"Secret");
  EXPECT_EQ(status, 0u);
  EXPECT_EQ(r.remaining(), 0u);

  out = call(*iface, srvsvc_opnum::kNetrShareGetInfo, get_info_request(u"nope", 1));
  NdrReader r2(out);
  ASSERT_TRUE(r2.u32(&level) && r2.pointer(&info) && r2.u32(&status));
  EXPECT_FALSE(info);
  EXPECT_EQ(status, werror::kNetNameNotFound);
}

TEST(Srvsvc, ServerGetInfo) {
  auto iface = make_srvsvc_interface(sample_info());
  auto out =
      call(*iface, srvsvc_opnum::kNetrServerGetInfo, encode_server_get_info_request("x", 101));
  auto r = decode_server_get_info_response(out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0u);
  EXPECT_EQ(r->platform_id, 500u);
  EXPECT_EQ(r->name, "TESTSRV");
  EXPECT_EQ(r->comment, "test server");
  EXPECT_EQ(r->version_major, 6u);
  EXPECT_NE(r->type & 0x2, 0u);  // SV_TYPE_SERVER
  out = call(*iface, srvsvc_opnum::kNetrServerGetInfo, encode_server_get_info_request("x", 100));
  r = decode_server_get_info_response(out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "TESTSRV");
  out = call(*iface, srvsvc_opnum::kNetrServerGetInfo, encode_server_get_info_request("x", 102));
  r = decode_server_get_info_response(out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, werror::kInvalidLevel);
}

TEST(Wkssvc, WkstaGetInfo100) {
  auto info = sample_info();
  info->workgroup = "LAB";
  auto iface = make_wkssvc_interface(info);
  auto out =
      call(*iface, wkssvc_opnum::kNetrWkstaGetInfo, encode_server_get_info_request("x", 100));
  NdrReader r(out);
  uint32_t level = 0, platform = 0, major = 0, minor = 0, status = 1;
  bool p = false, a = false, b = false;
  std::u16string name, group;
  ASSERT_TRUE(r.u32(&level) && r.pointer(&p) && r.u32(&platform) && r.pointer(&a) &&
              r.pointer(&b) && r.u32(&major) && r.u32(&minor) &&
              r.conformant_varying_string(&name) && r.conformant_varying_string(&group) &&
              r.u32(&status));
  EXPECT_EQ(name, u"TESTSRV");
  EXPECT_EQ(group, u"LAB");
  EXPECT_EQ(status, 0u);
  uint32_t f = 0;
  call(*iface, 5, {}, &f);
  EXPECT_EQ(f, fault::kOpRangeError);
}

TEST(Srvsvc, EveryTruncatedRequestIsBadStubData) {
  auto iface = make_srvsvc_interface(sample_info());
  const std::vector<std::pair<uint16_t, std::vector<std::byte>>> requests = {
      {srvsvc_opnum::kNetrShareEnum, encode_share_enum_request("\\\\server", 1)},
      {srvsvc_opnum::kNetrShareGetInfo, get_info_request(u"data", 2)},
      {srvsvc_opnum::kNetrServerGetInfo, encode_server_get_info_request("\\\\server", 101)},
  };
  for (const auto& [opnum, req] : requests) {
    uint32_t f = 0;
    call(*iface, opnum, req, &f);
    EXPECT_EQ(f, 0u);
    for (size_t n = 0; n < req.size(); ++n) {
      call(*iface, opnum, std::span(req).first(n), &f);
      EXPECT_EQ(f, fault::kBadStubData) << "opnum " << opnum << " cut at " << n;
    }
  }
}

TEST(Srvsvc, ClientDecoderRejectsCountsPastTheBuffer) {
  auto iface = make_srvsvc_interface(sample_info());
  auto out = call(*iface, srvsvc_opnum::kNetrShareEnum, encode_share_enum_request("x", 1));
  for (size_t n = 0; n < out.size(); ++n) {
    EXPECT_FALSE(decode_share_enum_response(std::span(out).first(n))) << n;
  }
  // The array's max_count made huge.
  auto bad = out;
  bad[20] = std::byte{0xFF};
  bad[21] = std::byte{0xFF};
  bad[22] = std::byte{0xFF};
  EXPECT_FALSE(decode_share_enum_response(bad));
}

}  // namespace
}  // namespace lwsmb::rpc
