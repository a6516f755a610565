// The rdr driver against a scripted SMB2 peer on loopback: pipelined requests matched by
// MessageId when answered out of order, interim STATUS_PENDING responses, the credit window
// holding requests back, and in-flight IRPs failing with STATUS_CONNECTION_DISCONNECTED when the
// peer drops the connection or sends garbage.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "fake_smb2_peer.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2.hpp"

namespace {

using namespace lwsmb;
namespace smb2 = lwsmb::proto::smb2;

constexpr uint64_t kSessionId = 0x1234;
constexpr uint32_t kTreeId = 7;
constexpr smb2::FileId kFileId{11, 22};

// One accepted connection of the fake server.
class Peer : public test::FakeSmb2Peer {
 public:
  explicit Peer(int fd) : FakeSmb2Peer(fd, kSessionId, kTreeId, 8) {}

  // What handshake() negotiates and grants (leases: rdr_lease tests below).
  uint16_t dialect = smb2::dialect::kSmb202;
  uint32_t capabilities = 0;
  uint8_t grant_oplock = smb2::oplock_level::kNone;
  uint32_t grant_lease_state = 0;   // with grant_oplock kLease: the client's key, this state
  uint8_t requested_oplock = 0xEE;  // what the CREATE asked for
  std::vector<smb2::CreateContext> create_contexts;  // ... and its contexts
  std::vector<smb2::CreateContext> grant_contexts;   // sent back in the CREATE response

  // NEGOTIATE (2.0.2), an anonymous SESSION_SETUP, TREE_CONNECT and CREATE, each answered with
  // `credits` credits.
  void handshake(uint16_t credits, const std::vector<std::byte>* all_info = nullptr) {
    serve_setup(dialect, capabilities, credits);
    if (::testing::Test::HasFatalFailure()) return;
    auto m = recv_message();
    // CREATE comes compounded with a related QUERY_INFO (FileAllInformation) when the
    // client holds two credits, alone otherwise.
    auto parts = smb2::split_compound(m);
    ASSERT_TRUE(parts.ok());
    ASSERT_EQ(parts->size(), credits >= 2 ? 2u : 1u);
    auto h = smb2::decode_header((*parts)[0]);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Create);
    EXPECT_EQ(h->tree_id, kTreeId);
    EXPECT_EQ(h->session_id, kSessionId);
    if (auto creq = smb2::decode_create_request((*parts)[0]); creq.ok()) {
      requested_oplock = creq->requested_oplock_level;
      create_contexts = creq->contexts;
    }
    smb2::CreateResponse cr;
    cr.oplock_level = grant_oplock;
    cr.contexts = grant_contexts;
    if (grant_oplock == smb2::oplock_level::kLease) {
      const auto* c =
          smb2::find_create_context(create_contexts, smb2::create_context_tag::kRequestLease);
      ASSERT_NE(c, nullptr);
      auto lc = smb2::decode_lease_context(c->data);
      ASSERT_TRUE(lc.ok());
      lc->lease_state = grant_lease_state;
      cr.contexts.push_back(
          {smb2::create_context_tag::kRequestLease, smb2::encode_lease_context(*lc)});
    }
    cr.create_action = 1;
    cr.end_of_file = 1 << 20;
    cr.file_id = kFileId;
    if (parts->size() == 1) {
      reply(*h, 0, cr, credits);
      return;
    }
    auto q = smb2::decode_header((*parts)[1]);
    ASSERT_TRUE(q.ok());
    ASSERT_EQ(q->command, smb2::Command::QueryInfo);
    EXPECT_NE(q->flags & smb2::header_flag::kRelatedOperations, 0u);
    EXPECT_EQ(q->message_id, h->message_id + 1);
    auto qi = smb2::decode_query_info_request((*parts)[1]);
    ASSERT_TRUE(qi.ok());
    EXPECT_EQ(qi->file_id, smb2::kRelatedFileId);
    reply(*h, 0, cr, credits);
    if (all_info) {
      smb2::QueryInfoResponse qr;
      qr.output = *all_info;
      reply(*q, 0, qr, 1);
    } else {
      reply(*q, static_cast<uint32_t>(NtStatus::AccessDenied), smb2::ErrorResponse{}, 1);
    }
  }
};

// Listens on 127.0.0.1:0 and runs `script` on the first `connections` connections, one after
// the other, in its own thread.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(Peer&)> script, int connections = 1) {
    thread_ = std::thread([this, connections, script = std::move(script)] {
      for (int i = 0; i < connections; ++i) {
        const int fd = listener_.accept(10000);
        if (fd < 0) return;
        Peer peer(fd);
        script(peer);
      }
    });
  }
  ~FakeServer() { thread_.join(); }
  uint16_t port() const { return listener_.port(); }

 private:
  test::FakeSmb2Listener listener_;
  std::thread thread_;
};

std::vector<std::byte> data_at(uint64_t offset, size_t n) {
  std::vector<std::byte> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<std::byte>((offset + i) * 31 / 7);
  return d;
}

fuse_rdr::RdrOptions test_options() {
  fuse_rdr::RdrOptions o;  // anonymous
  o.max_dialect = 0x0202;
  o.connect_timeout = std::chrono::milliseconds(5000);
  return o;
}

struct Client {
  IoManager io{IoManagerOptions{.workers = 1}};
  explicit Client(fuse_rdr::RdrOptions o = test_options()) {
    EXPECT_EQ(io.register_driver("\\rdr", fuse_rdr::make_rdr_driver(o)), NtStatus::Success);
  }
  Result<FileHandle> open(uint16_t port) {
    CreateArgs a;
    a.path = "\\rdr\\127.0.0.1:" + std::to_string(port) + "\\share\\f.bin";
    a.desired_access = access::kFileGenericRead;
    a.share_access = share::kAll;
    return io.create_file(std::move(a));
  }
};

TEST(RdrConnection, PipelinedReadsMatchedOutOfOrderWithInterimResponse) {
  constexpr int kParts = 4;
  FakeServer server([&](Peer& p) {
    p.handshake(16);
    // All four READs of one IRP arrive before any answer: they are in flight together.
    std::vector<smb2::Header> reqs;
    std::vector<smb2::ReadRequest> reads;
    std::vector<std::vector<std::byte>> msgs;
    for (int i = 0; i < kParts; ++i) {
      msgs.push_back(p.recv_message());
      auto h = smb2::decode_header(msgs.back());
      ASSERT_TRUE(h.ok());
      ASSERT_EQ(h->command, smb2::Command::Read);
      auto r = smb2::decode_read_request(msgs.back());
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->file_id, kFileId);
      EXPECT_EQ(h->credit_charge, 0);  // 2.0.2: no multi-credit
      reqs.push_back(*h);
      reads.push_back(*r);
    }
    // The first gets an interim response, then the rest are answered last to first.
    p.reply(reqs[0], static_cast<uint32_t>(NtStatus::Pending), smb2::ErrorResponse{}, 1, 99);
    for (int i = kParts - 1; i >= 0; --i) {
      auto d = data_at(reads[i].offset, reads[i].length);
      smb2::ReadResponse rr;
      rr.data = d;
      p.reply(reqs[i], 0, rr, 1, i == 0 ? 99 : 0);
    }
    // Nothing else comes until the client closes.
    auto m = p.recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->command, smb2::Command::Close);
    smb2::CloseResponse c;
    p.reply(*h, 0, c);
  });
  Client client;
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  std::vector<std::byte> buf(kParts * 65536);
  auto st = client.io.read_file(*f, buf, 4096);
  EXPECT_EQ(st.status, NtStatus::Success);
  EXPECT_EQ(st.information, buf.size());
  EXPECT_EQ(buf, data_at(4096, buf.size()));
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
}

TEST(RdrConnection, CreditWindowHoldsRequestsBack) {
  FakeServer server([&](Peer& p) {
    p.handshake(1);  // one credit at a time
    uint64_t expect_offset = 0;
    for (int i = 0; i < 3; ++i) {
      auto m = p.recv_message();
      auto h = smb2::decode_header(m);
      ASSERT_TRUE(h.ok());
      auto r = smb2::decode_read_request(m);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->offset, expect_offset);
      // With its one credit spent, the client must not send the next READ yet.
      EXPECT_FALSE(p.readable(200)) << "request " << i + 1 << " sent without a credit";
      auto d = data_at(r->offset, r->length);
      smb2::ReadResponse rr;
      rr.data = d;
      p.reply(*h, 0, rr, 1);
      expect_offset += 65536;
    }
    p.shut();
  });
  Client client;
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  std::vector<std::byte> buf(3 * 65536);
  auto st = client.io.read_file(*f, buf, 0);
  EXPECT_EQ(st.status, NtStatus::Success);
  EXPECT_EQ(st.information, buf.size());
  EXPECT_EQ(buf, data_at(0, buf.size()));
}

TEST(RdrConnection, DroppedConnectionFailsInFlightAndLaterIrps) {
  FakeServer server([&](Peer& p) {
    p.handshake(8);
    auto m = p.recv_message();  // the READ, never answered
    EXPECT_FALSE(m.empty());
    p.shut();
  });
  Client client;
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  std::vector<std::byte> buf(1000);
  EXPECT_EQ(client.io.read_file(*f, buf, 0).status, NtStatus::ConnectionDisconnected);
  EXPECT_EQ(client.io.flush_file(*f).status, NtStatus::ConnectionDisconnected);
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::ConnectionDisconnected);
}

TEST(RdrConnection, GarbageAnswerDropsTheConnection) {
  for (int variant = 0; variant < 3; ++variant) {
    FakeServer server([&](Peer& p) {
      p.handshake(8);
      auto m = p.recv_message();
      auto h = smb2::decode_header(m);
      ASSERT_TRUE(h.ok());
      if (variant == 0) {
        p.send_raw(std::vector<std::byte>(80, std::byte{0xEE}));  // no protocol id
      } else if (variant == 1) {
        // A READ response whose data offset points past the message.
        smb2::Header rh = *h;
        rh.flags = smb2::header_flag::kServerToRedir;
        std::vector<std::byte> out;
        smb2::append_header(rh, out);
        std::vector<std::byte> body = {std::byte{17}, std::byte{0},    std::byte{0xF0},
                                       std::byte{0},  std::byte{0xFF}, std::byte{0xFF},
                                       std::byte{0},  std::byte{0}};
        out.insert(out.end(), body.begin(), body.end());
        out.resize(out.size() + 8);
        p.send_raw(out);
        p.recv_message();  // the client may go on; the peer just waits for it to leave
      } else {
        // A transform message on a session with no keys.
        std::vector<std::byte> t(smb2::kTransformHeaderSize + 64);
        smb2::TransformHeader th;
        th.original_message_size = 64;
        th.session_id = kSessionId;
        smb2::encode_transform_header(th, t);
        p.send_raw(t);
      }
      p.shut();
    });
    Client client;
    auto f = client.open(server.port());
    ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
    std::vector<std::byte> buf(1000);
    auto st = client.io.read_file(*f, buf, 0);
    if (variant == 1) {
      EXPECT_EQ(st.status, NtStatus::InvalidNetworkResponse);
    } else {
      EXPECT_EQ(st.status, NtStatus::ConnectionDisconnected) << variant;
    }
  }
}

TEST(RdrConnection, RefusedPortIsConnectionRefused) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  const uint16_t port = ntohs(a.sin_port);  // bound but not listening: refused
  Client client;
  auto f = client.open(port);
  EXPECT_EQ(f.status(), NtStatus::ConnectionRefused);
  ::close(s);
}

TEST(RdrConnection, EchoKeepsAliveAndASilentServerIsDropped) {
  FakeServer server([&](Peer& p) {
    p.handshake(8);
    // The first ECHO comes after about one interval and is answered.
    auto m = p.recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Echo);
    p.reply(*h, 0, smb2::EchoResponse{});
    // Then the server goes silent: the READ and the next ECHO get no answer.
    for (int i = 0; i < 2; ++i) {
      m = p.recv_message();
      ASSERT_FALSE(m.empty());
    }
    // The client gives up and closes; wait for that (bounded).
    (void)p.recv_message();
  });
  auto o = test_options();
  o.echo_interval = std::chrono::seconds(1);
  Client client(o);
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // one ECHO round trip
  std::vector<std::byte> buf(100);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(client.io.read_file(*f, buf, 0).status, NtStatus::ConnectionDisconnected);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
}

TEST(RdrConnection, ConnectTimeoutIsIoTimeout) {
  // A listener with a full accept queue drops further SYNs, so connect() never finishes.
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(l, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(c);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto o = test_options();
  o.connect_timeout = std::chrono::milliseconds(300);
  Client client(o);
  auto t0 = std::chrono::steady_clock::now();
  auto f = client.open(ntohs(a.sin_port));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(f.status(), NtStatus::IoTimeout);
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
  for (int c : fillers) ::close(c);
  ::close(l);
}

TEST(RdrConnection, WriteSplitsAndFailsWholeWhenAPartFails) {
  for (int fail_part = -1; fail_part < 2; ++fail_part) {
    FakeServer server([&](Peer& p) {
      p.handshake(8);
      std::vector<std::vector<std::byte>> msgs;
      for (int i = 0; i < 2; ++i) msgs.push_back(p.recv_message());
      for (int i = 0; i < 2; ++i) {
        auto h = smb2::decode_header(msgs[i]);
        ASSERT_TRUE(h.ok());
        ASSERT_EQ(h->command, smb2::Command::Write);
        auto w = smb2::decode_write_request(msgs[i]);
        ASSERT_TRUE(w.ok());
        EXPECT_EQ(w->offset, 1000u + 65536u * i);
        auto want = data_at(w->offset, 65536);
        EXPECT_TRUE(std::equal(w->data.begin(), w->data.end(), want.begin(), want.end()));
        if (i == fail_part) {
          p.reply(*h, static_cast<uint32_t>(NtStatus::DiskFull), smb2::ErrorResponse{});
        } else {
          p.reply(*h, 0, smb2::WriteResponse{65536, 0});
        }
      }
      p.shut();
    });
    Client client;
    auto f = client.open(server.port());
    ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
    auto data = data_at(1000, 2 * 65536);
    auto st = client.io.write_file(*f, data, 1000);
    if (fail_part < 0) {
      EXPECT_EQ(st.status, NtStatus::Success);
      EXPECT_EQ(st.information, data.size());
    } else {
      EXPECT_EQ(st.status, NtStatus::DiskFull) << fail_part;
    }
  }
}

TEST(RdrConnection, StatAfterOpenIsAnsweredFromTheCompoundedQuery) {
  proto::fscc::AllInfo all;
  all.standard.end_of_file = 123456;
  all.basic.attributes = file_attribute::kArchive;
  all.file_name = u"\\f.bin";
  std::vector<std::byte> info(proto::fscc::encoded_size(all));
  ASSERT_TRUE(proto::fscc::encode(all, info).ok());
  FakeServer server([&](Peer& p) {
    p.handshake(8, &info);
    // The FileAllInformation query is answered from the compound: next comes a second query
    // (its answer is no longer cached) and then CLOSE.
    auto m = p.recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::QueryInfo);
    p.reply(*h, static_cast<uint32_t>(NtStatus::AccessDenied), smb2::ErrorResponse{});
    m = p.recv_message();
    h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Close);
    p.reply(*h, 0, smb2::CloseResponse{});
  });
  Client client;
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  std::vector<std::byte> buf(4096);
  auto st = client.io.query_information(*f, FileInfoClass::All, buf);
  ASSERT_EQ(st.status, NtStatus::Success);
  auto back = proto::fscc::decode_all(std::span(buf).first(st.information));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->standard.end_of_file, 123456);
  EXPECT_EQ(client.io.query_information(*f, FileInfoClass::All, buf).status,
            NtStatus::AccessDenied);
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
}

TEST(RdrConnection, SilentPeerTimesOutDuringSetup) {
  FakeServer server([&](Peer& p) {
    auto m = p.recv_message();  // NEGOTIATE, never answered
    EXPECT_FALSE(m.empty());
    (void)p.recv_message();  // until the client gives up and closes
  });
  auto o = test_options();
  o.connect_timeout = std::chrono::milliseconds(300);
  Client client(o);
  auto t0 = std::chrono::steady_clock::now();
  auto f = client.open(server.port());
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(f.status(), NtStatus::IoTimeout);
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
}

}  // namespace

// A message-mode pipe (srvsvc on IPC$) answers a READ or FSCTL_PIPE_TRANSCEIVE whose buffer is
// too small with STATUS_BUFFER_OVERFLOW and the part that fits (MS-SMB2 3.3.4.4): the data and
// the status both reach the caller, which reads the rest next.
TEST(RdrConnection, PipeReadAndTransceivePassBufferOverflowWithData) {
  FakeServer server([&](Peer& p) {
    p.handshake(16);
    auto m = p.recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Ioctl);
    auto io = smb2::decode_ioctl_request(m);
    ASSERT_TRUE(io.ok());
    EXPECT_EQ(io->ctl_code, fsctl_pipe::kTransceive);
    EXPECT_EQ(io->flags, smb2::ioctl_flag::kIsFsctl);
    EXPECT_EQ(io->input.size(), 5u);
    EXPECT_EQ(io->max_output_response, 16u);
    auto first = data_at(0, 16);
    smb2::IoctlResponse ir;
    ir.ctl_code = fsctl_pipe::kTransceive;
    ir.file_id = kFileId;
    ir.output = first;
    p.reply(*h, static_cast<uint32_t>(NtStatus::BufferOverflow), ir);
    // The rest of the message by READ: first 8 bytes (overflow again), then the last 4.
    for (size_t n : {8u, 4u}) {
      m = p.recv_message();
      h = smb2::decode_header(m);
      ASSERT_TRUE(h.ok());
      ASSERT_EQ(h->command, smb2::Command::Read);
      auto r = smb2::decode_read_request(m);
      ASSERT_TRUE(r.ok());
      auto d = data_at(16 + (n == 4u ? 8 : 0), n);
      smb2::ReadResponse rr;
      rr.data = d;
      p.reply(*h, static_cast<uint32_t>(n == 8u ? NtStatus::BufferOverflow : NtStatus::Success),
              rr);
    }
    m = p.recv_message();
    h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->command, smb2::Command::Close);
    p.reply(*h, 0, smb2::CloseResponse{});
  });
  Client client;
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  std::vector<std::byte> in(5, std::byte{1});
  std::vector<std::byte> out(16);
  auto st = client.io.fs_control(*f, fsctl_pipe::kTransceive, in, out);
  EXPECT_EQ(st.status, NtStatus::BufferOverflow);
  EXPECT_EQ(st.information, 16u);
  EXPECT_EQ(out, data_at(0, 16));
  std::vector<std::byte> buf(8);
  st = client.io.read_file(*f, buf, 0);
  EXPECT_EQ(st.status, NtStatus::BufferOverflow);
  ASSERT_EQ(st.information, 8u);
  EXPECT_EQ(buf, data_at(16, 8));
  st = client.io.read_file(*f, buf, 0);
  EXPECT_EQ(st.status, NtStatus::Success);
  ASSERT_EQ(st.information, 4u);
  EXPECT_EQ(std::vector<std::byte>(buf.begin(), buf.begin() + 4), data_at(24, 4));
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
}

// ---- Leases, oplocks and teardown (rdr_lease.cpp, rdr_teardown.cpp) ----------------------------

namespace {

smb2::Header break_header() {
  smb2::Header h;
  h.command = smb2::Command::OplockBreak;
  h.flags = smb2::header_flag::kServerToRedir;
  h.message_id = ~uint64_t{0};
  return h;
}

template <class Body>
void send_break(Peer& p, const Body& body) {
  std::vector<std::byte> m;
  ASSERT_EQ(smb2::append_message(break_header(), body, m), NtStatus::Success);
  p.send_raw(m);
}

// Receives one request, checks its command and answers it with success.
template <class Body>
std::vector<std::byte> expect_request(Peer& p, smb2::Command cmd, const Body& answer,
                                      std::atomic<int>* seen = nullptr) {
  auto m = p.recv_message();
  auto h = smb2::decode_header(m);
  EXPECT_TRUE(h.ok());
  if (!h.ok()) return {};
  EXPECT_EQ(h->command, cmd);
  if (seen) ++*seen;
  p.reply(*h, 0, answer);
  return m;
}

void expect_teardown(Peer& p, std::atomic<int>* logoffs) {
  expect_request(p, smb2::Command::TreeDisconnect, smb2::TreeDisconnectResponse{});
  expect_request(p, smb2::Command::Logoff, smb2::LogoffResponse{}, logoffs);
}

// Collects on_cache_invalidate calls.
struct Dropped {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> paths;
  void add(const std::string& p) {
    std::lock_guard lock(m);
    paths.push_back(p);
    cv.notify_all();
  }
  bool wait_for(size_t n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] { return paths.size() >= n; });
  }
};

bool wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace

TEST(RdrLease, OplockBreakDropsTheCacheThenIsAcknowledged) {
  Dropped dropped;
  std::atomic<int> logoffs{0};
  FakeServer server([&](Peer& p) {
    p.grant_oplock = smb2::oplock_level::kBatch;
    p.handshake(8);
    EXPECT_EQ(p.requested_oplock, smb2::oplock_level::kII);  // a read-only open, no leasing
    // Ignored: an acknowledgment-shaped message, and a break of a file nobody has open.
    send_break(p, smb2::LeaseBreakAck{});
    send_break(p, smb2::OplockBreak{smb2::oplock_level::kII, {1, 2}});
    send_break(p, smb2::OplockBreak{smb2::oplock_level::kII, kFileId});
    auto m = expect_request(p, smb2::Command::OplockBreak,
                            smb2::OplockBreak{smb2::oplock_level::kII, kFileId});
    auto ack = smb2::decode_oplock_break(m);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->oplock_level, smb2::oplock_level::kII);
    EXPECT_EQ(ack->file_id, kFileId);
    expect_request(p, smb2::Command::Close, smb2::CloseResponse{});
    expect_teardown(p, &logoffs);  // when the client shuts down
  });
  {
    auto o = test_options();
    o.on_cache_invalidate = [&](const std::string& path) { dropped.add(path); };
    Client client(o);
    auto f = client.open(server.port());
    ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
    ASSERT_TRUE(dropped.wait_for(1));
    EXPECT_EQ(dropped.paths, std::vector<std::string>{"f.bin"});
    EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
  }
  EXPECT_EQ(logoffs, 1);
}

TEST(RdrLease, OpensShareOneLeaseKeyAndLeaseBreaksAreAcknowledged) {
  Dropped dropped;
  std::atomic<int> logoffs{0};
  namespace ls = smb2::lease_state;
  FakeServer server([&](Peer& p) {
    p.dialect = smb2::dialect::kSmb210;
    p.capabilities = smb2::capability::kLeasing;
    p.grant_oplock = smb2::oplock_level::kLease;
    p.grant_lease_state = ls::kRead | ls::kWrite | ls::kHandle;
    p.handshake(8);
    EXPECT_EQ(p.requested_oplock, smb2::oplock_level::kLease);
    const auto* c =
        smb2::find_create_context(p.create_contexts, smb2::create_context_tag::kRequestLease);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->data.size(), 32u);  // v1 on 2.1
    auto first = smb2::decode_lease_context(c->data);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->lease_state, ls::kRead | ls::kWrite | ls::kHandle);
    // The second open of the same file carries the same key.
    auto m = p.recv_message();
    auto parts = smb2::split_compound(m);
    ASSERT_TRUE(parts.ok());
    auto h = smb2::decode_header((*parts)[0]);
    ASSERT_TRUE(h.ok());
    auto creq = smb2::decode_create_request((*parts)[0]);
    ASSERT_TRUE(creq.ok());
    const auto* c2 =
        smb2::find_create_context(creq->contexts, smb2::create_context_tag::kRequestLease);
    ASSERT_NE(c2, nullptr);
    auto second = smb2::decode_lease_context(c2->data);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->lease_key, first->lease_key);
    smb2::CreateResponse cr;
    cr.oplock_level = smb2::oplock_level::kLease;
    cr.file_id = {33, 44};
    cr.contexts.push_back({smb2::create_context_tag::kRequestLease, c2->data});
    p.reply(*h, 0, cr);
    if (parts->size() == 2) {
      auto q = smb2::decode_header((*parts)[1]);
      ASSERT_TRUE(q.ok());
      p.reply(*q, static_cast<uint32_t>(NtStatus::AccessDenied), smb2::ErrorResponse{});
    }
    // A lease break that needs an acknowledgment, and one of a key nobody holds.
    smb2::LeaseBreakNotification n;
    n.flags = smb2::lease_break_flag::kAckRequired;
    n.lease_key = first->lease_key;
    n.current_lease_state = ls::kRead | ls::kWrite | ls::kHandle;
    n.new_lease_state = ls::kRead | ls::kHandle;
    send_break(p, n);
    auto ackm = expect_request(p, smb2::Command::OplockBreak, smb2::LeaseBreakAck{});
    auto ack = smb2::decode_lease_break_ack(ackm);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->lease_key, first->lease_key);
    EXPECT_EQ(ack->lease_state, ls::kRead | ls::kHandle);
    // Handle caching goes: the next open of the name must come with a key of its own.
    n.current_lease_state = ls::kRead | ls::kHandle;
    n.new_lease_state = ls::kRead;
    send_break(p, n);
    ackm = expect_request(p, smb2::Command::OplockBreak, smb2::LeaseBreakAck{});
    ack = smb2::decode_lease_break_ack(ackm);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->lease_state, ls::kRead);
    n.lease_key[0] ^= std::byte{0xFF};
    send_break(p, n);  // a key nobody holds: ignored
    m = p.recv_message();
    parts = smb2::split_compound(m);
    ASSERT_TRUE(parts.ok());
    h = smb2::decode_header((*parts)[0]);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Create);
    creq = smb2::decode_create_request((*parts)[0]);
    ASSERT_TRUE(creq.ok());
    const auto* c3 =
        smb2::find_create_context(creq->contexts, smb2::create_context_tag::kRequestLease);
    ASSERT_NE(c3, nullptr);
    auto third = smb2::decode_lease_context(c3->data);
    ASSERT_TRUE(third.ok());
    EXPECT_NE(third->lease_key, first->lease_key);
    cr.file_id = {55, 66};
    cr.contexts.clear();
    p.reply(*h, 0, cr);  // no lease this time
    if (parts->size() == 2) {
      auto q = smb2::decode_header((*parts)[1]);
      ASSERT_TRUE(q.ok());
      p.reply(*q, static_cast<uint32_t>(NtStatus::AccessDenied), smb2::ErrorResponse{});
    }
    for (int i = 0; i < 3; ++i) expect_request(p, smb2::Command::Close, smb2::CloseResponse{});
    expect_teardown(p, &logoffs);
  });
  {
    auto o = test_options();
    o.max_dialect = 0x0210;
    o.on_cache_invalidate = [&](const std::string& path) { dropped.add(path); };
    Client client(o);
    auto f1 = client.open(server.port());
    ASSERT_TRUE(f1.ok()) << ntstatus_name(f1.status());
    auto f2 = client.open(server.port());
    ASSERT_TRUE(f2.ok()) << ntstatus_name(f2.status());
    ASSERT_TRUE(dropped.wait_for(2));
    // Once per break and path of the lease.
    EXPECT_EQ(dropped.paths, (std::vector<std::string>{"f.bin", "f.bin"}));
    auto f3 = client.open(server.port());
    ASSERT_TRUE(f3.ok()) << ntstatus_name(f3.status());
    EXPECT_EQ(client.io.close_file(std::move(*f1)).status, NtStatus::Success);
    EXPECT_EQ(client.io.close_file(std::move(*f2)).status, NtStatus::Success);
    EXPECT_EQ(client.io.close_file(std::move(*f3)).status, NtStatus::Success);
  }
  EXPECT_EQ(logoffs, 1);
}

TEST(RdrTeardown, IdleConnectionLogsOffAndTheNextOpenConnectsAgain) {
  std::atomic<int> logoffs{0};
  FakeServer server(
      [&](Peer& p) {
        p.handshake(8);
        expect_request(p, smb2::Command::Close, smb2::CloseResponse{});
        expect_teardown(p, &logoffs);  // idle (first connection) or shutdown (second)
      },
      2);
  auto o = test_options();
  o.idle_timeout = std::chrono::milliseconds(300);
  Client client(o);
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
  ASSERT_TRUE(wait_until([&] { return logoffs == 1; }));
  auto again = client.open(server.port());
  ASSERT_TRUE(again.ok()) << ntstatus_name(again.status());
  EXPECT_EQ(client.io.close_file(std::move(*again)).status, NtStatus::Success);
  ASSERT_TRUE(wait_until([&] { return logoffs == 2; }));
}

// --- read-ahead and write-behind (rdr_readahead.cpp, rdr_writebehind.cpp) ---

// With write-behind a WRITE IRP completes before the server has answered; the server's failure
// comes back from the next FLUSH (fsync/close at the FUSE edge), once, and not from CLOSE again.
TEST(RdrConnection, WriteBehindCompletesEarlyAndFlushReportsTheFailure) {
  std::promise<void> write_returned;
  auto returned = write_returned.get_future();
  FakeServer server([&](Peer& p) {
    p.handshake(16);
    auto m = p.recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Write);
    auto w = smb2::decode_write_request(m);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->offset, 8192u);
    EXPECT_EQ(w->data.size(), 1000u);
    // The client's write returns while this WRITE is still unanswered (bounded wait: without
    // write-behind the client would still be waiting for the answer).
    EXPECT_EQ(returned.wait_for(std::chrono::seconds(10)), std::future_status::ready)
        << "the WRITE IRP waited for the server's answer";
    p.reply(*h, static_cast<uint32_t>(NtStatus::DiskFull), smb2::ErrorResponse{});
    m = p.recv_message();
    h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Flush);
    p.reply(*h, 0, smb2::FlushResponse{});
    m = p.recv_message();
    h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Close);
    p.reply(*h, 0, smb2::CloseResponse{});
  });
  auto o = test_options();
  o.write_behind = 1 << 20;
  Client client(o);
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  auto data = data_at(0, 1000);
  auto st = client.io.write_file(*f, data, 8192);
  write_returned.set_value();
  EXPECT_EQ(st.status, NtStatus::Success);
  EXPECT_EQ(st.information, 1000u);
  EXPECT_EQ(client.io.flush_file(*f).status, NtStatus::DiskFull);
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
}

// A sequential reader: the second read in a row starts the read-ahead window (four 64 KiB
// READs beyond the one asked for, all in flight before any answer), and later reads are served
// from it while the window moves on.
TEST(RdrConnection, ReadAheadKeepsTheWindowInFlight) {
  constexpr uint32_t kChunk = 65536;  // 2.0.2: one credit, 64 KiB per READ
  FakeServer server([&](Peer& p) {
    p.handshake(32);
    auto answer = [&p](const std::vector<std::byte>& m) {
      auto h = smb2::decode_header(m);
      auto r = smb2::decode_read_request(m);
      ASSERT_TRUE(h.ok() && r.ok());
      auto d = data_at(r->offset, r->length);
      smb2::ReadResponse rr;
      rr.data = d;
      p.reply(*h, 0, rr, 4);
    };
    auto read_offset = [](const std::vector<std::byte>& m) -> int64_t {
      auto h = smb2::decode_header(m);
      if (!h.ok() || h->command != smb2::Command::Read) return -1;
      auto r = smb2::decode_read_request(m);
      return r.ok() ? static_cast<int64_t>(r->offset) : -1;
    };
    // First read: direct.
    auto m = p.recv_message();
    EXPECT_EQ(read_offset(m), 0);
    answer(m);
    // Second read, sequential: its READ and four ahead, unanswered, all arrive.
    std::vector<std::vector<std::byte>> window;
    for (int i = 0; i < 5; ++i) {
      window.push_back(p.recv_message());
      EXPECT_EQ(read_offset(window.back()), int64_t{kChunk} * (i + 1)) << "READ " << i;
    }
    for (auto& w : window) answer(w);
    // Third read: served from the window, which moves on by one READ.
    m = p.recv_message();
    EXPECT_EQ(read_offset(m), int64_t{kChunk} * 6);
    answer(m);
    m = p.recv_message();
    auto h = smb2::decode_header(m);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->command, smb2::Command::Close);
    p.reply(*h, 0, smb2::CloseResponse{});
  });
  auto o = test_options();
  o.read_ahead = 4 * kChunk;
  Client client(o);
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  for (uint64_t off = 0; off < 3 * kChunk; off += kChunk) {
    std::vector<std::byte> buf(kChunk);
    auto st = client.io.read_file(*f, buf, off);
    EXPECT_EQ(st.status, NtStatus::Success);
    EXPECT_EQ(st.information, buf.size());
    EXPECT_EQ(buf, data_at(off, buf.size())) << "at " << off;
  }
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
}

// A read that asks for lent data (ReadArgs::lend, as mount.lwsmb's FUSE reads do) gets the
// read-ahead window's own bytes, in order and across two of its READs, and its buffer is left
// alone; the lent bytes stay valid after the window has moved on.
TEST(RdrConnection, ReadAheadLendsItsDataWhenAsked) {
  constexpr uint32_t kChunk = 65536;
  FakeServer server([&](Peer& p) {
    p.handshake(32);
    for (;;) {
      auto m = p.recv_message();
      auto h = smb2::decode_header(m);
      if (!h.ok()) return;
      if (h->command == smb2::Command::Close) {
        p.reply(*h, 0, smb2::CloseResponse{});
        return;
      }
      auto r = smb2::decode_read_request(m);
      ASSERT_TRUE(r.ok());
      auto d = data_at(r->offset, r->length);
      smb2::ReadResponse rr;
      rr.data = d;
      p.reply(*h, 0, rr, 4);
    }
  });
  auto o = test_options();
  o.read_ahead = 4 * kChunk;
  Client client(o);
  auto f = client.open(server.port());
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  for (uint64_t off = 0; off < 2 * kChunk; off += kChunk) {  // the window starts
    std::vector<std::byte> buf(kChunk);
    EXPECT_EQ(client.io.read_file(*f, buf, off).status, NtStatus::Success);
  }
  const uint64_t off = 2 * kChunk + kChunk / 2;  // half in one READ, half in the next
  std::vector<std::byte> buf(kChunk, std::byte{0xEE});
  std::promise<std::pair<IoStatusBlock, std::vector<LentBytes>>> done;
  ReadArgs args{buf, off};
  args.lend = true;
  client.io.call(*f, std::move(args), [&done](Irp& irp) {
    done.set_value({irp.status_block(), std::move(irp.args_as<ReadArgs>().lent)});
  });
  auto [st, lent] = done.get_future().get();
  EXPECT_EQ(st.status, NtStatus::Success);
  EXPECT_EQ(st.information, kChunk);
  ASSERT_EQ(lent.size(), 2u);
  std::vector<std::byte> got;
  for (const auto& p : lent) {
    EXPECT_NE(p.owner, nullptr);
    got.insert(got.end(), p.data.begin(), p.data.end());
  }
  EXPECT_EQ(got, data_at(off, kChunk));
  EXPECT_EQ(buf, std::vector<std::byte>(kChunk, std::byte{0xEE}));
  // Reads far ahead move the window on; what was lent is still there.
  for (uint64_t o2 = 4 * kChunk; o2 < 8 * kChunk; o2 += kChunk) {
    std::vector<std::byte> b(kChunk);
    EXPECT_EQ(client.io.read_file(*f, b, o2).status, NtStatus::Success);
    EXPECT_EQ(b, data_at(o2, kChunk));
  }
  got.clear();
  for (const auto& p : lent) got.insert(got.end(), p.data.begin(), p.data.end());
  EXPECT_EQ(got, data_at(off, kChunk));
  lent.clear();
  EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
}
