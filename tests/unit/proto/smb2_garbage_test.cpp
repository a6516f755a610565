// Every SMB2 decoder on seeded random input: pure garbage, garbage behind a valid header and
// StructureSize (to get past the first checks), and byte-level mutations of valid messages.
// A decoder must return a value or STATUS_INVALID_PARAMETER, never crash or read out of bounds
// (run under ASan to check the latter).
#include <gtest/gtest.h>

#include <functional>

#include "smb2_test_util.hpp"

namespace lwsmb::proto::smb2 {
namespace {

using namespace test;

using Decoder = std::function<NtStatus(std::span<const std::byte>)>;

template <class T>
NtStatus st(const Result<T>& r) {
  return r.status();
}

struct NamedDecoder {
  const char* name;
  uint16_t structure_size;  // 0: not an SMB2 body decoder
  Decoder decode;
};

std::vector<NamedDecoder> decoders() {
  return {
      {"header", 0, [](auto in) { return st(decode_header(in)); }},
      {"error", 9, [](auto in) { return st(decode_error_response(in)); }},
      {"error_contexts", 0, [](auto in) { return st(decode_error_contexts(in, 3)); }},
      {"compound", 0, [](auto in) { return st(split_compound(in)); }},
      {"transport", 0, [](auto in) { return st(decode_transport_header(in)); }},
      {"transform", 0, [](auto in) { return st(decode_transform_header(in)); }},
      {"smb1", 0, [](auto in) { return st(decode_smb1_negotiate_dialects(in)); }},
      {"negotiate_req", 36, [](auto in) { return st(decode_negotiate_request(in)); }},
      {"negotiate_resp", 65, [](auto in) { return st(decode_negotiate_response(in)); }},
      {"preauth", 0, [](auto in) { return st(decode_preauth_integrity(in)); }},
      {"encryption", 0, [](auto in) { return st(decode_encryption_capabilities(in)); }},
      {"compression", 0, [](auto in) { return st(decode_compression_capabilities(in)); }},
      {"netname", 0, [](auto in) { return st(decode_netname(in)); }},
      {"transport_caps", 0, [](auto in) { return st(decode_transport_capabilities(in)); }},
      {"rdma", 0, [](auto in) { return st(decode_rdma_transform_capabilities(in)); }},
      {"signing", 0, [](auto in) { return st(decode_signing_capabilities(in)); }},
      {"session_setup_req", 25, [](auto in) { return st(decode_session_setup_request(in)); }},
      {"session_setup_resp", 9, [](auto in) { return st(decode_session_setup_response(in)); }},
      {"logoff_req", 4, [](auto in) { return st(decode_logoff_request(in)); }},
      {"logoff_resp", 4, [](auto in) { return st(decode_logoff_response(in)); }},
      {"tdis_req", 4, [](auto in) { return st(decode_tree_disconnect_request(in)); }},
      {"tdis_resp", 4, [](auto in) { return st(decode_tree_disconnect_response(in)); }},
      {"echo_req", 4, [](auto in) { return st(decode_echo_request(in)); }},
      {"echo_resp", 4, [](auto in) { return st(decode_echo_response(in)); }},
      {"cancel", 4, [](auto in) { return st(decode_cancel_request(in)); }},
      {"flush_resp", 4, [](auto in) { return st(decode_flush_response(in)); }},
      {"lock_resp", 4, [](auto in) { return st(decode_lock_response(in)); }},
      {"tcon_req", 9, [](auto in) { return st(decode_tree_connect_request(in)); }},
      {"tcon_resp", 16, [](auto in) { return st(decode_tree_connect_response(in)); }},
      {"create_contexts", 0, [](auto in) { return st(decode_create_contexts(in)); }},
      {"lease", 0, [](auto in) { return st(decode_lease_context(in)); }},
      {"mxac", 0, [](auto in) { return st(decode_maximal_access_response(in)); }},
      {"qfid", 0, [](auto in) { return st(decode_query_on_disk_id_response(in)); }},
      {"create_req", 57, [](auto in) { return st(decode_create_request(in)); }},
      {"create_resp", 89, [](auto in) { return st(decode_create_response(in)); }},
      {"close_req", 24, [](auto in) { return st(decode_close_request(in)); }},
      {"close_resp", 60, [](auto in) { return st(decode_close_response(in)); }},
      {"flush_req", 24, [](auto in) { return st(decode_flush_request(in)); }},
      {"read_req", 49, [](auto in) { return st(decode_read_request(in)); }},
      {"read_resp", 17, [](auto in) { return st(decode_read_response(in)); }},
      {"write_req", 49, [](auto in) { return st(decode_write_request(in)); }},
      {"write_resp", 17, [](auto in) { return st(decode_write_response(in)); }},
      {"lock_req", 48, [](auto in) { return st(decode_lock_request(in)); }},
      {"ioctl_req", 57, [](auto in) { return st(decode_ioctl_request(in)); }},
      {"ioctl_resp", 49, [](auto in) { return st(decode_ioctl_response(in)); }},
      {"vni_req", 0, [](auto in) { return st(decode_validate_negotiate_info_request(in)); }},
      {"vni_resp", 0, [](auto in) { return st(decode_validate_negotiate_info_response(in)); }},
      {"qdir_req", 33, [](auto in) { return st(decode_query_directory_request(in)); }},
      {"output_resp", 9, [](auto in) { return st(decode_output_buffer_response(in)); }},
      {"notify_req", 32, [](auto in) { return st(decode_change_notify_request(in)); }},
      {"notify_info", 0, [](auto in) { return st(decode_file_notify_information(in)); }},
      {"qinfo_req", 41, [](auto in) { return st(decode_query_info_request(in)); }},
      {"setinfo_req", 33, [](auto in) { return st(decode_set_info_request(in)); }},
      {"setinfo_resp", 2, [](auto in) { return st(decode_set_info_response(in)); }},
      {"oplock_break", 24, [](auto in) { return st(decode_oplock_break(in)); }},
      {"lease_break", 44, [](auto in) { return st(decode_lease_break_notification(in)); }},
      {"lease_ack", 36, [](auto in) { return st(decode_lease_break_ack(in)); }},
  };
}

bool expected_status(NtStatus s) {
  return s == NtStatus::Success || s == NtStatus::InvalidParameter;
}

Bytes three_message_chain() {
  Bytes out;
  size_t start = 0;
  EXPECT_EQ(append_message(Header{}, CreateRequest{}, out), NtStatus::Success);
  start = chain_next(out, start);
  EXPECT_EQ(append_message(Header{}, EchoRequest{}, out), NtStatus::Success);
  start = chain_next(out, start);
  EXPECT_EQ(append_message(Header{}, CloseRequest{}, out), NtStatus::Success);
  return out;
}

// A few valid messages to mutate.
std::vector<Bytes> corpus() {
  static const Bytes token = pattern(30);
  static const Bytes data = pattern(100);
  std::vector<Bytes> c;
  NegotiateRequest n;
  n.dialects = {dialect::kSmb300, dialect::kSmb311};
  n.contexts.push_back(to_context(PreauthIntegrityCapabilities{{1}, pattern(32)}));
  n.contexts.push_back(to_context(EncryptionCapabilities{{1, 2}}));
  c.push_back(message(n));
  NegotiateResponse nr;
  nr.dialect_revision = dialect::kSmb311;
  nr.security_buffer = token;
  nr.contexts = n.contexts;
  c.push_back(message(nr));
  SessionSetupRequest ss;
  ss.security_buffer = token;
  c.push_back(message(ss));
  c.push_back(message(TreeConnectRequest{0, u"\\\\h\\s"}));
  CreateRequest cr;
  cr.name = u"x\\y";
  cr.contexts = {{"MxAc", {}}, {"RqLs", encode_lease_context(LeaseContext{})}};
  c.push_back(message(cr));
  CreateResponse cs;
  cs.contexts = {{"QFid", encode_query_on_disk_id_response({})}};
  c.push_back(message(cs));
  ReadResponse rr;
  rr.data = data;
  c.push_back(message(rr));
  WriteRequest wr;
  wr.data = data;
  c.push_back(message(wr));
  LockRequest lk;
  lk.locks = {{1, 2, 3}, {4, 5, 6}};
  c.push_back(message(lk));
  IoctlRequest io;
  io.input = token;
  c.push_back(message(io));
  IoctlResponse ir;
  ir.input = token;
  ir.output = data;
  c.push_back(message(ir));
  c.push_back(message(QueryDirectoryRequest{37, 0, 0, {}, u"*.txt", 100}));
  QueryInfoRequest qi;
  qi.input = token;
  c.push_back(message(qi));
  SetInfoRequest si;
  si.buffer = data;
  c.push_back(message(si));
  c.push_back(message(OutputBufferResponse{data}));
  ErrorResponse er;
  er.error_data = token;
  c.push_back(message(er));
  c.push_back(encode_smb1_negotiate({"NT LM 0.12", "SMB 2.002", "SMB 2.???"}));
  Bytes chain;
  encode_create_contexts(cr.contexts, chain);
  c.push_back(chain);
  c.push_back(three_message_chain());
  c.push_back(encode_file_notify_information({{1, u"abc"}, {2, u"de"}}));
  return c;
}

TEST(Smb2Garbage, RandomBytesNeverCrash) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<size_t> len(0, 400);
  size_t ok = 0;
  for (const auto& d : decoders()) {
    for (int iter = 0; iter < 2000; ++iter) {
      Bytes b = lwsmb::test::random_bytes(rng, len(rng));
      NtStatus s = d.decode(b);
      EXPECT_TRUE(expected_status(s)) << d.name;
      ok += s == NtStatus::Success;
    }
  }
  // Some structure-free decoders (transport, typed contexts) accept random bytes.
  EXPECT_GT(ok, 0u);
}

TEST(Smb2Garbage, RandomBodiesBehindValidHeaderNeverCrash) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> len(0, 300);
  std::uniform_int_distribution<int> small(0, 3);
  size_t ok = 0;
  size_t total = 0;
  for (const auto& d : decoders()) {
    if (d.structure_size == 0) continue;
    for (int iter = 0; iter < 3000; ++iter) {
      Bytes b;
      append_header(Header{}, b);
      Bytes body = lwsmb::test::random_bytes(rng, len(rng));
      b.insert(b.end(), body.begin(), body.end());
      if (b.size() >= 66) put_le(b, 64, d.structure_size, 2);
      // Small offsets/lengths now and then so that some buffers land inside the message.
      for (size_t off = 66; off + 2 <= b.size() && off < 64 + 64; off += 2) {
        if (small(rng) == 0) put_le(b, off, small(rng) * 8 + 64, 2);
      }
      NtStatus s = d.decode(b);
      EXPECT_TRUE(expected_status(s)) << d.name;
      ok += s == NtStatus::Success;
      ++total;
    }
  }
  EXPECT_GT(ok, 0u);
  EXPECT_LT(ok, total);
}

TEST(Smb2Garbage, MutatedValidMessagesNeverCrash) {
  std::mt19937 rng(99);
  const auto all = decoders();
  const auto seeds = corpus();
  std::uniform_int_distribution<int> nmut(1, 6);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> kind(0, 9);
  size_t runs = 0;
  for (const auto& seed : seeds) {
    if (seed.empty()) continue;
    for (int iter = 0; iter < 600; ++iter) {
      Bytes b = seed;
      std::uniform_int_distribution<size_t> pos(0, b.size() - 1);
      for (int m = nmut(rng); m > 0 && !b.empty(); --m) {
        const int k = kind(rng);
        if (k < 7) {
          b[pos(rng) % b.size()] = static_cast<std::byte>(byte(rng));
        } else if (k == 7) {
          b.resize(pos(rng) % b.size());
        } else if (k == 8) {
          const size_t p = pos(rng) % b.size();
          if (p + 4 <= b.size()) put32(b, p, 0xFFFFFFFF - static_cast<uint32_t>(byte(rng)));
        } else {
          b.push_back(static_cast<std::byte>(byte(rng)));
        }
      }
      for (const auto& d : all) {
        EXPECT_TRUE(expected_status(d.decode(b))) << d.name;
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 100000u);
}

}  // namespace
}  // namespace lwsmb::proto::smb2
