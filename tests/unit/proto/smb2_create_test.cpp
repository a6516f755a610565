// CREATE with create contexts, CLOSE and FLUSH (MS-SMB2 2.2.13 - 2.2.18).
#include <gtest/gtest.h>

#include "lwsmb/iocore/nt_constants.hpp"
#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

auto dec_create_req = [](auto in) { return decode_create_request(in); };
auto dec_create_resp = [](auto in) { return decode_create_response(in); };

CreateContext ctx(std::string name, Bytes data) {
  return CreateContext{std::move(name), data};
}

CreateRequest sample_create() {
  CreateRequest r;
  r.requested_oplock_level = oplock_level::kLease;
  r.desired_access = access::kFileGenericRead;
  r.file_attributes = file_attribute::kNormal;
  r.share_access = share::kAll;
  r.create_disposition = static_cast<uint32_t>(CreateDisposition::OpenIf);
  r.create_options = create_option::kNonDirectoryFile;
  r.name = u"dir\\file.txt";
  LeaseContext lease;
  lease.lease_key = guid(0x77);
  lease.lease_state = lease_state::kRead | lease_state::kHandle;
  r.contexts.push_back(ctx(create_context_tag::kRequestLease, encode_lease_context(lease)));
  r.contexts.push_back(ctx(create_context_tag::kQueryMaximalAccess, {}));
  r.contexts.push_back(ctx(create_context_tag::kQueryOnDiskId, {}));
  r.contexts.push_back(ctx(std::string(create_context_tag::kPosix, 16), pattern(4)));
  return r;
}

TEST(Smb2Create, RequestRoundTripAndLayout) {  // MS-SMB2 2.2.13
  const CreateRequest r = sample_create();
  Bytes m = message(r, Command::Create);
  EXPECT_EQ(le16(m, 64), 57);
  EXPECT_EQ(le8(m, 67), oplock_level::kLease);
  EXPECT_EQ(le32(m, 68), impersonation_level::kImpersonation);
  EXPECT_EQ(le32(m, 88), access::kFileGenericRead);
  EXPECT_EQ(le32(m, 96), share::kAll);
  EXPECT_EQ(le32(m, 100), 3u);  // FILE_OPEN_IF
  EXPECT_EQ(le32(m, 104), create_option::kNonDirectoryFile);
  EXPECT_EQ(le16(m, 108), 0x78);
  EXPECT_EQ(le16(m, 110), 24);
  EXPECT_EQ(le32(m, 112), 144u);  // 120 + 24 = 144, already 8-aligned
  EXPECT_EQ(le16(m, 120), 'd');
  // First context (2.2.13.2): Next, NameOffset 16, NameLength 4, DataOffset 24, DataLength 32.
  EXPECT_EQ(le32(m, 144), 56u);
  EXPECT_EQ(le16(m, 148), 16);
  EXPECT_EQ(le16(m, 150), 4);
  EXPECT_EQ(le16(m, 154), 24);
  EXPECT_EQ(le32(m, 156), 32u);
  EXPECT_EQ(m[160], std::byte{'R'});
  EXPECT_EQ(m[168], std::byte{0x77});  // LeaseKey
  // MxAc without data: Next 24 (16 + 4 -> 24), DataOffset 0.
  EXPECT_EQ(le32(m, 200), 24u);
  EXPECT_EQ(le16(m, 210), 0);
  EXPECT_EQ(le32(m, 116), m.size() - 144);  // CreateContextsLength: through the last context
  auto d = decode_create_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
  auto lease = decode_lease_context(find_create_context(d->contexts, "RqLs")->data);
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE(lease->v2);
  EXPECT_EQ(lease->lease_state, lease_state::kRead | lease_state::kHandle);
  expect_truncations_fail(m, dec_create_req);
  expect_wrong_structure_size_fails(m, dec_create_req);
}

TEST(Smb2Create, RequestEmptyNameNoContexts) {
  CreateRequest r;
  Bytes m = message(r);
  EXPECT_EQ(m.size(), 64 + 57u);  // the one-byte Buffer
  EXPECT_EQ(le16(m, 108), 0x78);
  EXPECT_EQ(le16(m, 110), 0);
  EXPECT_EQ(le32(m, 112), 0u);
  EXPECT_EQ(le32(m, 116), 0u);
  auto d = decode_create_request(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
}

TEST(Smb2Create, RequestMalformedOffsets) {
  const Bytes m = message(sample_create());
  expect_field_rejected(m, 110, 2, 23, dec_create_req);      // odd name length
  expect_field_rejected(m, 110, 2, 0xFFFE, dec_create_req);  // name past the end
  expect_field_rejected(m, 108, 2, 0x40, dec_create_req);    // name inside the fixed part
  expect_field_rejected(m, 108, 2, 0xFFF0, dec_create_req);
  expect_field_rejected(m, 112, 4, 0xFFFFFFF8, dec_create_req);  // offset + length wraps
  expect_field_rejected(m, 112, 4, 136, dec_create_req);         // overlaps the name
  expect_field_rejected(m, 116, 4, 16u << 20, dec_create_req);   // 16 MiB claim
  expect_field_rejected(m, 116, 4, 0xFFFFFFFF, dec_create_req);
  // Context chain errors inside the contexts area (first context at 144).
  expect_field_rejected(m, 144, 4, 57, dec_create_req);       // Next not 8-aligned
  expect_field_rejected(m, 144, 4, 8, dec_create_req);        // Next inside the header
  expect_field_rejected(m, 144, 4, 0x10000, dec_create_req);  // Next past the end
  expect_field_rejected(m, 148, 2, 0xFFF0, dec_create_req);   // NameOffset outside
  expect_field_rejected(m, 148, 2, 8, dec_create_req);        // NameOffset in the header
  expect_field_rejected(m, 150, 2, 0, dec_create_req);        // no name
  expect_field_rejected(m, 150, 2, 60, dec_create_req);       // name past its context
  expect_field_rejected(m, 154, 2, 16, dec_create_req);       // data overlaps the name
  expect_field_rejected(m, 156, 4, 33, dec_create_req);       // data past its context
  expect_field_rejected(m, 156, 4, 0xFFFFFFF0, dec_create_req);
}

TEST(Smb2Create, ResponseRoundTripAndLayout) {  // MS-SMB2 2.2.14
  CreateResponse r;
  r.oplock_level = oplock_level::kBatch;
  r.create_action = static_cast<uint32_t>(CreateAction::Created);
  r.creation_time = 1;
  r.last_access_time = 2;
  r.last_write_time = 3;
  r.change_time = 4;
  r.allocation_size = 4096;
  r.end_of_file = 100;
  r.file_attributes = file_attribute::kArchive;
  r.file_id = {0x1111, 0x2222};
  r.contexts.push_back(
      ctx(create_context_tag::kQueryMaximalAccess, encode_maximal_access_response({0, 0x1F01FF})));
  r.contexts.push_back(
      ctx(create_context_tag::kQueryOnDiskId, encode_query_on_disk_id_response({0xABC, 0xDEF})));
  Bytes m = message(r, Command::Create, header_flag::kServerToRedir);
  EXPECT_EQ(le16(m, 64), 89);
  EXPECT_EQ(le8(m, 66), oplock_level::kBatch);
  EXPECT_EQ(le32(m, 68), 2u);
  EXPECT_EQ(le64(m, 72), 1u);
  EXPECT_EQ(le64(m, 104), 4096u);
  EXPECT_EQ(le64(m, 112), 100u);
  EXPECT_EQ(le32(m, 120), file_attribute::kArchive);
  EXPECT_EQ(le64(m, 128), 0x1111u);
  EXPECT_EQ(le64(m, 136), 0x2222u);
  EXPECT_EQ(le32(m, 144), 152u);
  EXPECT_EQ(le32(m, 148), m.size() - 152);
  auto d = decode_create_response(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
  auto mx = decode_maximal_access_response(find_create_context(d->contexts, "MxAc")->data);
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->maximal_access, 0x1F01FFu);
  auto qf = decode_query_on_disk_id_response(find_create_context(d->contexts, "QFid")->data);
  ASSERT_TRUE(qf.ok());
  EXPECT_EQ(qf->volume_id, 0xDEFu);
  EXPECT_EQ(find_create_context(d->contexts, "DHnQ"), nullptr);
  expect_truncations_fail(m, dec_create_resp);
  expect_wrong_structure_size_fails(m, dec_create_resp);
  expect_field_rejected(m, 144, 4, 0xFFFFFFF8, dec_create_resp);
  expect_field_rejected(m, 148, 4, 16u << 20, dec_create_resp);
  expect_field_rejected(m, 144, 4, 100, dec_create_resp);
}

TEST(Smb2Create, ResponseWithoutContexts) {
  CreateResponse r;
  r.file_id = {1, 2};
  Bytes m = message(r);
  EXPECT_EQ(m.size(), 64 + 89u);
  EXPECT_EQ(*decode_create_response(m), r);
}

TEST(Smb2CreateContext, StandaloneChainAndAlignment) {
  std::vector<CreateContext> list = {ctx("ExtA", pattern(3)), ctx("SecD", pattern(9)),
                                     ctx("AlSi", pattern(8))};
  Bytes b;
  size_t n = encode_create_contexts(list, b);
  EXPECT_EQ(n, b.size());
  EXPECT_EQ(le32(b, 0), 32u);   // 24 + 3 = 27 -> 32
  EXPECT_EQ(le32(b, 32), 40u);  // 24 + 9 = 33 -> 40
  EXPECT_EQ(le32(b, 72), 0u);
  EXPECT_EQ(b.size(), 72 + 32u);  // last context not padded
  auto d = decode_create_contexts(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, list);
  for (size_t k = 0; k < b.size(); ++k) {
    EXPECT_FALSE(decode_create_contexts(view(b).first(k)).ok()) << k;
  }
  EXPECT_FALSE(decode_create_contexts({}).ok());
}

TEST(Smb2CreateContext, LeaseV1V2) {
  LeaseContext v2;
  v2.v2 = true;
  v2.lease_key = guid(1);
  v2.lease_state = lease_state::kRead | lease_state::kWrite;
  v2.lease_flags = lease_flag::kParentLeaseKeySet;
  v2.parent_lease_key = guid(0x40);
  v2.epoch = 3;
  Bytes b = encode_lease_context(v2);
  ASSERT_EQ(b.size(), 52u);
  EXPECT_EQ(le32(b, 16), 5u);
  EXPECT_EQ(b[32], std::byte{0x40});
  EXPECT_EQ(le16(b, 48), 3);
  EXPECT_EQ(*decode_lease_context(b), v2);
  LeaseContext v1;
  v1.lease_key = guid(2);
  EXPECT_EQ(encode_lease_context(v1).size(), 32u);
  EXPECT_EQ(*decode_lease_context(encode_lease_context(v1)), v1);
  for (size_t n : {0, 16, 31, 33, 51}) EXPECT_FALSE(decode_lease_context(view(b).first(n)).ok());
  EXPECT_FALSE(decode_maximal_access_response(view(b).first(7)).ok());
  EXPECT_FALSE(decode_query_on_disk_id_response(view(b).first(31)).ok());
}

// ---- CLOSE / FLUSH ----------------------------------------------------------------------------

TEST(Smb2Close, RequestAndResponse) {  // MS-SMB2 2.2.15, 2.2.16
  CloseRequest q{close_flag::kPostqueryAttrib, {0xAA, 0xBB}};
  Bytes m = message(q, Command::Close);
  ASSERT_EQ(m.size(), 64 + 24u);
  EXPECT_EQ(le16(m, 66), 1);
  EXPECT_EQ(le64(m, 72), 0xAAu);
  EXPECT_EQ(le64(m, 80), 0xBBu);
  EXPECT_EQ(*decode_close_request(m), q);
  auto dq = [](auto in) { return decode_close_request(in); };
  expect_truncations_fail(m, dq);
  expect_wrong_structure_size_fails(m, dq);

  CloseResponse s{close_flag::kPostqueryAttrib, 1, 2, 3, 4, 8192, 5000, 0x20};
  Bytes n = message(s, Command::Close, header_flag::kServerToRedir);
  ASSERT_EQ(n.size(), 64 + 60u);
  EXPECT_EQ(le64(n, 72), 1u);
  EXPECT_EQ(le64(n, 104), 8192u);
  EXPECT_EQ(le32(n, 120), 0x20u);
  EXPECT_EQ(*decode_close_response(n), s);
  auto ds = [](auto in) { return decode_close_response(in); };
  expect_truncations_fail(n, ds);
  expect_wrong_structure_size_fails(n, ds);
}

TEST(Smb2Flush, Request) {  // MS-SMB2 2.2.17
  FlushRequest q{{5, 6}};
  Bytes m = message(q, Command::Flush);
  ASSERT_EQ(m.size(), 64 + 24u);
  EXPECT_EQ(le64(m, 72), 5u);
  EXPECT_EQ(*decode_flush_request(m), q);
  auto dq = [](auto in) { return decode_flush_request(in); };
  expect_truncations_fail(m, dq);
  expect_wrong_structure_size_fails(m, dq);
}

}  // namespace
}  // namespace lwsmb::proto::smb2
