// QUERY_DIRECTORY, CHANGE_NOTIFY, QUERY_INFO, SET_INFO and OPLOCK_BREAK (MS-SMB2 2.2.23 - 2.2.25,
// 2.2.33 - 2.2.40), FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1).
#include <gtest/gtest.h>

#include "lwsmb/iocore/info_class.hpp"
#include "lwsmb/iocore/nt_constants.hpp"
#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

TEST(Smb2QueryDirectory, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.33
  // Aggregate init: assigning u"*" later trips a GCC 12 -Wrestrict false positive under ASan.
  const QueryDirectoryRequest r{static_cast<uint8_t>(FileInfoClass::IdBothDirectory),
                                query_directory_flag::kRestartScans,
                                0,
                                {7, 8},
                                u"*",
                                65536};
  Bytes m = message(r, Command::QueryDirectory);
  EXPECT_EQ(le16(m, 64), 33);
  EXPECT_EQ(le8(m, 66), 37);
  EXPECT_EQ(le8(m, 67), 1);
  EXPECT_EQ(le64(m, 72), 7u);
  EXPECT_EQ(le16(m, 88), 96);
  EXPECT_EQ(le16(m, 90), 2);
  EXPECT_EQ(le32(m, 92), 65536u);
  EXPECT_EQ(le16(m, 96), '*');
  EXPECT_EQ(*decode_query_directory_request(m), r);
  auto dec = [](auto in) { return decode_query_directory_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 90, 2, 3, dec);
  expect_field_rejected(m, 90, 2, 4, dec);
  expect_field_rejected(m, 88, 2, 0xFFFF, dec);
}

TEST(Smb2OutputBuffer, ResponseRoundTripAndFixedPart) {  // MS-SMB2 2.2.34 / 2.2.36 / 2.2.38
  Bytes data = pattern(40);
  OutputBufferResponse r{data};
  Bytes m = message(r, Command::QueryInfo, header_flag::kServerToRedir);
  ASSERT_EQ(m.size(), 64 + 8 + 40u);
  EXPECT_EQ(le16(m, 64), 9);
  EXPECT_EQ(le16(m, 66), 72);
  EXPECT_EQ(le32(m, 68), 40u);
  for (auto dec : {decode_query_directory_response, decode_change_notify_response,
                   decode_query_info_response}) {
    auto d = dec(m);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(same_bytes(d->output, data));
  }
  auto dec = [](auto in) { return decode_output_buffer_response(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 68, 4, 41, dec);
  expect_field_rejected(m, 68, 4, 16u << 20, dec);
  expect_field_rejected(m, 66, 2, 0xFFFF, dec);
  expect_field_rejected(m, 66, 2, 4, dec);
  Bytes fixed(8);
  encode_output_buffer_response_fixed(40, std::span<std::byte, 8>(fixed.data(), 8));
  EXPECT_TRUE(same_bytes(fixed, std::span(m).subspan(64, 8)));
  Bytes empty = message(OutputBufferResponse{});
  EXPECT_EQ(empty.size(), 64 + 9u);
  EXPECT_TRUE(decode_output_buffer_response(empty)->output.empty());
}

TEST(Smb2ChangeNotify, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.35
  ChangeNotifyRequest r{change_notify_flag::kWatchTree,
                        4096,
                        {1, 2},
                        completion_filter::kFileName | completion_filter::kDirName};
  Bytes m = message(r, Command::ChangeNotify);
  ASSERT_EQ(m.size(), 64 + 32u);
  EXPECT_EQ(le16(m, 66), 1);
  EXPECT_EQ(le32(m, 68), 4096u);
  EXPECT_EQ(le64(m, 72), 1u);
  EXPECT_EQ(le32(m, 88), 3u);
  EXPECT_EQ(*decode_change_notify_request(m), r);
  auto dec = [](auto in) { return decode_change_notify_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
}

TEST(Smb2ChangeNotify, FileNotifyInformation) {  // MS-FSCC 2.7.1
  std::vector<FileNotifyInformation> list = {{notify_action::kAdded, u"new.txt"},
                                             {notify_action::kRenamedOldName, u"a"},
                                             {notify_action::kRenamedNewName, u"bb"}};
  Bytes b = encode_file_notify_information(list);
  EXPECT_EQ(le32(b, 0), 28u);  // 12 + 14 = 26 -> 28
  EXPECT_EQ(le32(b, 4), 1u);
  EXPECT_EQ(le32(b, 8), 14u);
  EXPECT_EQ(le32(b, 28), 16u);  // 12 + 2 = 14 -> 16
  EXPECT_EQ(le32(b, 44), 0u);
  EXPECT_EQ(b.size(), 44 + 16u);
  EXPECT_EQ(*decode_file_notify_information(b), list);
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(decode_file_notify_information(view(b).first(n)).ok()) << n;
  }
  Bytes bad = b;
  put32(bad, 0, 30);  // not 4-aligned
  EXPECT_FALSE(decode_file_notify_information(bad).ok());
  bad = b;
  put32(bad, 8, 20);  // name past its entry
  EXPECT_FALSE(decode_file_notify_information(bad).ok());
  bad = b;
  put32(bad, 8, 13);  // odd
  EXPECT_FALSE(decode_file_notify_information(bad).ok());
  bad = b;
  put32(bad, 28, 0xFFFFFFFC);
  EXPECT_FALSE(decode_file_notify_information(bad).ok());
}

TEST(Smb2QueryInfo, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.37
  Bytes in = pattern(12);
  QueryInfoRequest r;
  r.info_type = info_type::kSecurity;
  r.file_info_class = 0;
  r.output_buffer_length = 1024;
  r.additional_information = security_information::kOwner | security_information::kDacl;
  r.file_id = {5, 6};
  r.input = in;
  Bytes m = message(r, Command::QueryInfo);
  EXPECT_EQ(le16(m, 64), 41);
  EXPECT_EQ(le8(m, 66), 3);
  EXPECT_EQ(le32(m, 68), 1024u);
  EXPECT_EQ(le16(m, 72), 104);
  EXPECT_EQ(le32(m, 76), 12u);
  EXPECT_EQ(le32(m, 80), 5u);
  EXPECT_EQ(le64(m, 88), 5u);
  auto d = decode_query_info_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->info_type, info_type::kSecurity);
  EXPECT_EQ(d->additional_information, 5u);
  EXPECT_EQ(d->file_id, r.file_id);
  EXPECT_TRUE(same_bytes(d->input, in));
  auto dec = [](auto in) { return decode_query_info_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 76, 4, 13, dec);
  expect_field_rejected(m, 76, 4, 0xFFFFFFFF, dec);
  expect_field_rejected(m, 72, 2, 100, dec);
}

TEST(Smb2SetInfo, RequestAndResponse) {  // MS-SMB2 2.2.39, 2.2.40
  Bytes buf = pattern(40);
  SetInfoRequest r;
  r.info_type = info_type::kFile;
  r.file_info_class = static_cast<uint8_t>(FileInfoClass::Basic);
  r.file_id = {9, 10};
  r.buffer = buf;
  Bytes m = message(r, Command::SetInfo);
  EXPECT_EQ(le16(m, 64), 33);
  EXPECT_EQ(le8(m, 67), 4);
  EXPECT_EQ(le32(m, 68), 40u);
  EXPECT_EQ(le16(m, 72), 96);
  EXPECT_EQ(le64(m, 80), 9u);
  auto d = decode_set_info_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->file_info_class, 4);
  EXPECT_TRUE(same_bytes(d->buffer, buf));
  auto dec = [](auto in) { return decode_set_info_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 68, 4, 41, dec);
  expect_field_rejected(m, 68, 4, 16u << 20, dec);
  expect_field_rejected(m, 72, 2, 0, dec);

  Bytes s = message(SetInfoResponse{}, Command::SetInfo, header_flag::kServerToRedir);
  ASSERT_EQ(s.size(), 66u);
  EXPECT_EQ(le16(s, 64), 2);
  auto ds = [](auto in) { return decode_set_info_response(in); };
  expect_truncations_fail(s, ds);
  expect_wrong_structure_size_fails(s, ds);
}

TEST(Smb2OplockBreak, OplockForm) {  // MS-SMB2 2.2.23.1 / 2.2.24.1 / 2.2.25.1
  OplockBreak r{oplock_level::kII, {0x31, 0x32}};
  Bytes m = message(r, Command::OplockBreak);
  ASSERT_EQ(m.size(), 64 + 24u);
  EXPECT_EQ(*peek_structure_size(m), kOplockBreakStructureSize);
  EXPECT_EQ(le8(m, 66), 1);
  EXPECT_EQ(le64(m, 72), 0x31u);
  EXPECT_EQ(*decode_oplock_break(m), r);
  auto dec = [](auto in) { return decode_oplock_break(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  EXPECT_FALSE(decode_lease_break_ack(m).ok());
}

TEST(Smb2OplockBreak, LeaseNotification) {  // MS-SMB2 2.2.23.2
  LeaseBreakNotification r;
  r.new_epoch = 2;
  r.flags = lease_break_flag::kAckRequired;
  r.lease_key = guid(0x50);
  r.current_lease_state = lease_state::kRead | lease_state::kWrite;
  r.new_lease_state = lease_state::kRead;
  Bytes m = message(r, Command::OplockBreak, header_flag::kServerToRedir);
  ASSERT_EQ(m.size(), 64 + 44u);
  EXPECT_EQ(*peek_structure_size(m), kLeaseBreakNotificationStructureSize);
  EXPECT_EQ(le16(m, 66), 2);
  EXPECT_EQ(le32(m, 68), 1u);
  EXPECT_EQ(m[72], std::byte{0x50});
  EXPECT_EQ(le32(m, 88), 5u);
  EXPECT_EQ(le32(m, 92), 1u);
  EXPECT_EQ(*decode_lease_break_notification(m), r);
  auto dec = [](auto in) { return decode_lease_break_notification(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
}

TEST(Smb2OplockBreak, LeaseAck) {  // MS-SMB2 2.2.24.2 / 2.2.25.2
  LeaseBreakAck r{0, guid(0x60), lease_state::kRead, 0};
  Bytes m = message(r, Command::OplockBreak);
  ASSERT_EQ(m.size(), 64 + 36u);
  EXPECT_EQ(*peek_structure_size(m), kLeaseBreakAckStructureSize);
  EXPECT_EQ(m[72], std::byte{0x60});
  EXPECT_EQ(le32(m, 88), 1u);
  EXPECT_EQ(*decode_lease_break_ack(m), r);
  auto dec = [](auto in) { return decode_lease_break_ack(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  EXPECT_FALSE(decode_oplock_break(m).ok());
}

}  // namespace
}  // namespace lwsmb::proto::smb2
