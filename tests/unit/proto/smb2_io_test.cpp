// READ, WRITE, LOCK and IOCTL with VALIDATE_NEGOTIATE_INFO (MS-SMB2 2.2.19 - 2.2.22, 2.2.26,
// 2.2.31, 2.2.32).
#include <gtest/gtest.h>

#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

TEST(Smb2Read, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.19
  ReadRequest r;
  r.padding = 0x50;
  r.flags = read_flag::kUnbuffered;
  r.length = 65536;
  r.offset = 0x100000000;
  r.file_id = {3, 4};
  r.minimum_count = 1;
  r.remaining_bytes = 9;
  Bytes m = message(r, Command::Read);
  ASSERT_EQ(m.size(), 64 + 49u);
  EXPECT_EQ(le16(m, 64), 49);
  EXPECT_EQ(le8(m, 66), 0x50);
  EXPECT_EQ(le32(m, 68), 65536u);
  EXPECT_EQ(le64(m, 72), 0x100000000u);
  EXPECT_EQ(le64(m, 80), 3u);
  EXPECT_EQ(le32(m, 96), 1u);
  EXPECT_EQ(le32(m, 104), 9u);
  auto d = decode_read_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->length, 65536u);
  EXPECT_EQ(d->offset, r.offset);
  EXPECT_EQ(d->file_id, r.file_id);
  EXPECT_EQ(d->flags, r.flags);
  EXPECT_TRUE(d->channel_info.empty());
  auto dec = [](auto in) { return decode_read_request(in); };
  expect_truncations_fail(m, dec, 64 + 48);  // the Buffer pad byte is optional
  expect_wrong_structure_size_fails(m, dec);
  Bytes ci = pattern(16);
  r.channel = channel::kRdmaV1;
  r.channel_info = ci;
  Bytes m2 = message(r, Command::Read);
  EXPECT_EQ(le16(m2, 108), 112);
  EXPECT_EQ(le16(m2, 110), 16);
  EXPECT_TRUE(same_bytes(decode_read_request(m2)->channel_info, ci));
  expect_truncations_fail(m2, dec);
  expect_field_rejected(m2, 110, 2, 17, dec);
  expect_field_rejected(m2, 108, 2, 100, dec);
}

TEST(Smb2Read, ResponseRoundTripAndZeroCopyFixedPart) {  // MS-SMB2 2.2.20
  Bytes data = pattern(1000);
  ReadResponse r;
  r.data_remaining = 5;
  r.data = data;
  Bytes m = message(r, Command::Read, header_flag::kServerToRedir);
  ASSERT_EQ(m.size(), 64 + 16 + 1000u);
  EXPECT_EQ(le16(m, 64), 17);
  EXPECT_EQ(le8(m, 66), 0x50);
  EXPECT_EQ(le32(m, 68), 1000u);
  EXPECT_EQ(le32(m, 72), 5u);
  auto d = decode_read_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(same_bytes(d->data, data));
  EXPECT_EQ(d->data.data(), m.data() + kReadResponseDataOffset);
  auto dec = [](auto in) { return decode_read_response(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 68, 4, 1001, dec);
  expect_field_rejected(m, 68, 4, 16u << 20, dec);
  expect_field_rejected(m, 68, 4, 0xFFFFFFFF, dec);
  expect_field_rejected(m, 66, 1, 0x10, dec);  // data inside the header
  expect_field_rejected(m, 66, 1, 0xFF, dec);

  // The fixed-part encoder produces the same bytes as the full encoder.
  Bytes z(64 + 16);
  encode_read_response_fixed(r, 1000, std::span<std::byte, 16>(z.data() + 64, 16));
  EXPECT_TRUE(same_bytes(std::span(z).subspan(64), std::span(m).subspan(64, 16)));
}

TEST(Smb2Read, ResponseEncodeNeedsPlainHeader) {
  Bytes out(10);
  EXPECT_EQ(encode_body(ReadResponse{}, out, 0), NtStatus::InvalidParameter);  // rel 10 != 64
  EXPECT_EQ(out.size(), 10u);
}

TEST(Smb2Write, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.21
  Bytes data = pattern(300);
  WriteRequest r;
  r.offset = 77;
  r.file_id = {8, 9};
  r.flags = write_flag::kWriteThrough;
  r.data = data;
  Bytes m = message(r, Command::Write);
  ASSERT_EQ(m.size(), 64 + 48 + 300u);
  EXPECT_EQ(le16(m, 64), 49);
  EXPECT_EQ(le16(m, 66), 0x70);
  EXPECT_EQ(le32(m, 68), 300u);
  EXPECT_EQ(le64(m, 72), 77u);
  EXPECT_EQ(le64(m, 80), 8u);
  EXPECT_EQ(le32(m, 108), write_flag::kWriteThrough);
  auto d = decode_write_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->offset, 77u);
  EXPECT_EQ(d->file_id, r.file_id);
  EXPECT_EQ(d->flags, r.flags);
  EXPECT_EQ(d->data.data(), m.data() + kWriteRequestDataOffset);  // zero copy
  EXPECT_TRUE(same_bytes(d->data, data));
  auto dec = [](auto in) { return decode_write_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 68, 4, 301, dec);
  expect_field_rejected(m, 68, 4, 16u << 20, dec);
  expect_field_rejected(m, 66, 2, 0xFFFF, dec);
  expect_field_rejected(m, 66, 2, 0x40, dec);
  // Channel info overlapping the data.
  Bytes m2 = m;
  put_le(m2, 104, 0x70, 2);
  put_le(m2, 106, 4, 2);
  EXPECT_FALSE(decode_write_request(m2).ok());

  Bytes fixed(48);
  encode_write_request_fixed(r, 300, std::span<std::byte, 48>(fixed.data(), 48));
  EXPECT_TRUE(same_bytes(fixed, std::span(m).subspan(64, 48)));
}

TEST(Smb2Write, ResponseRoundTrip) {  // MS-SMB2 2.2.22
  WriteResponse r{4096, 0};
  Bytes m = message(r, Command::Write, header_flag::kServerToRedir);
  EXPECT_EQ(m.size(), 64 + 17u);
  EXPECT_EQ(le32(m, 68), 4096u);
  EXPECT_EQ(*decode_write_response(m), r);
  auto dec = [](auto in) { return decode_write_response(in); };
  expect_truncations_fail(m, dec, 64 + 16);
  expect_wrong_structure_size_fails(m, dec);
}

TEST(Smb2Lock, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.26
  LockRequest r;
  r.lock_sequence_number = 0xA;
  r.lock_sequence_index = 0x1234567;
  r.file_id = {1, 2};
  r.locks = {{0, 10, lock_flag::kExclusive | lock_flag::kFailImmediately},
             {100, 1, lock_flag::kShared},
             {5, 5, lock_flag::kUnlock}};
  Bytes m = message(r, Command::Lock);
  ASSERT_EQ(m.size(), 64 + 24 + 3 * 24u);
  EXPECT_EQ(le16(m, 64), 48);
  EXPECT_EQ(le16(m, 66), 3);
  EXPECT_EQ(le32(m, 68), 0x1234567Au);
  EXPECT_EQ(le64(m, 88), 0u);
  EXPECT_EQ(le64(m, 96), 10u);
  EXPECT_EQ(le32(m, 104), 0x12u);
  EXPECT_EQ(le64(m, 112), 100u);
  EXPECT_EQ(*decode_lock_request(m), r);
  auto dec = [](auto in) { return decode_lock_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 66, 2, 0, dec);  // LockCount 0
  expect_field_rejected(m, 66, 2, 4, dec);
  expect_field_rejected(m, 66, 2, 0xFFFF, dec);
  LockRequest bad = r;
  bad.lock_sequence_number = 16;
  Bytes out;
  EXPECT_EQ(encode_body(bad, out, 0), NtStatus::InvalidParameter);
}

TEST(Smb2Ioctl, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.31
  Bytes in = pattern(13);
  IoctlRequest r;
  r.ctl_code = fsctl::kPipeTransceive;
  r.file_id = {0x10, 0x20};
  r.max_output_response = 4280;
  r.input = in;
  Bytes m = message(r, Command::Ioctl);
  EXPECT_EQ(le16(m, 64), 57);
  EXPECT_EQ(le32(m, 68), 0x0011C017u);
  EXPECT_EQ(le64(m, 72), 0x10u);
  EXPECT_EQ(le32(m, 88), 120u);  // InputOffset
  EXPECT_EQ(le32(m, 92), 13u);
  EXPECT_EQ(le32(m, 108), 4280u);
  EXPECT_EQ(le32(m, 112), ioctl_flag::kIsFsctl);
  auto d = decode_ioctl_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ctl_code, r.ctl_code);
  EXPECT_EQ(d->max_output_response, 4280u);
  EXPECT_TRUE(same_bytes(d->input, in));
  EXPECT_TRUE(d->output.empty());
  auto dec = [](auto in) { return decode_ioctl_request(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 92, 4, 14, dec);
  expect_field_rejected(m, 88, 4, 0xFFFFFFFF, dec);
  expect_field_rejected(m, 92, 4, 16u << 20, dec);
  Bytes ov = m;  // output overlapping input
  put32(ov, 100, 124);
  put32(ov, 104, 2);
  EXPECT_FALSE(decode_ioctl_request(ov).ok());
}

TEST(Smb2Ioctl, ResponseWithBothBuffers) {  // MS-SMB2 2.2.32
  Bytes in = pattern(5);
  Bytes outb = pattern(24, 50);
  IoctlResponse r;
  r.ctl_code = fsctl::kValidateNegotiateInfo;
  r.file_id = kRelatedFileId;
  r.input = in;
  r.output = outb;
  Bytes m = message(r, Command::Ioctl, header_flag::kServerToRedir);
  EXPECT_EQ(le16(m, 64), 49);
  EXPECT_EQ(le32(m, 88), 112u);
  EXPECT_EQ(le32(m, 92), 5u);
  EXPECT_EQ(le32(m, 96), 120u);  // 117 -> 120
  EXPECT_EQ(le32(m, 100), 24u);
  auto d = decode_ioctl_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->file_id, kRelatedFileId);
  EXPECT_TRUE(same_bytes(d->input, in));
  EXPECT_TRUE(same_bytes(d->output, outb));
  auto dec = [](auto in) { return decode_ioctl_response(in); };
  expect_truncations_fail(m, dec);
  expect_wrong_structure_size_fails(m, dec);
  expect_field_rejected(m, 100, 4, 25, dec);
  expect_field_rejected(m, 96, 4, 0xFFFFFFF0, dec);
  expect_field_rejected(m, 96, 4, 114, dec);  // overlaps the input
}

TEST(Smb2Ioctl, EmptyResponse) {
  IoctlResponse r;
  r.ctl_code = fsctl::kDfsGetReferrals;
  Bytes m = message(r);
  EXPECT_EQ(m.size(), 64 + 49u);
  auto d = decode_ioctl_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->input.empty());
  EXPECT_TRUE(d->output.empty());
}

TEST(Smb2ValidateNegotiate, RoundTrips) {  // MS-SMB2 2.2.31.4, 2.2.32.6
  ValidateNegotiateInfoRequest q{capability::kDfs, guid(5), 1, {0x0202, 0x0210, 0x0300}};
  Bytes b = encode_validate_negotiate_info_request(q);
  ASSERT_EQ(b.size(), 24 + 6u);
  EXPECT_EQ(le16(b, 20), 1);
  EXPECT_EQ(le16(b, 22), 3);
  EXPECT_EQ(le16(b, 28), 0x0300);
  EXPECT_EQ(*decode_validate_negotiate_info_request(b), q);
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(decode_validate_negotiate_info_request(view(b).first(n)).ok()) << n;
  }
  put_le(b, 22, 0xFFFF, 2);
  EXPECT_FALSE(decode_validate_negotiate_info_request(b).ok());
  ValidateNegotiateInfoResponse s{capability::kLargeMtu, guid(9), 3, 0x0302};
  Bytes c = encode_validate_negotiate_info_response(s);
  ASSERT_EQ(c.size(), 24u);
  EXPECT_EQ(le16(c, 22), 0x0302);
  EXPECT_EQ(*decode_validate_negotiate_info_response(c), s);
  for (size_t n = 0; n < c.size(); ++n) {
    EXPECT_FALSE(decode_validate_negotiate_info_response(view(c).first(n)).ok()) << n;
  }
}

}  // namespace
}  // namespace lwsmb::proto::smb2
