// rdr reconnect against a scripted SMB2 peer on loopback (MS-SMB2 3.2.4.3.5, 3.2.4.4): a CREATE
// asks for a durable handle and a batch oplock; when the connection drops during a WRITE the
// client connects again, names the old session, reopens the open with DHnC (2.1) or DH2C (3.0,
// same CreateGuid) and sends the WRITE again on the new FileId (flagged as a replay on 3.0).
// When the server refuses the reopen, the WRITE fails with STATUS_CONNECTION_DISCONNECTED and a
// new open on the same connection works.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "fake_smb2_peer.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/iocore/nt_constants.hpp"
#include "lwsmb/proto/smb2.hpp"
#include "lwsmb/proto/smb2_durable.hpp"

namespace {

using namespace lwsmb;
namespace smb2 = lwsmb::proto::smb2;

constexpr uint64_t kSessionId = 0x5150;
constexpr uint32_t kTreeId = 3;

class Peer : public test::FakeSmb2Peer {
 public:
  Peer(int fd, uint16_t dialect) : FakeSmb2Peer(fd, kSessionId, kTreeId, 16), dialect_(dialect) {}

  // NEGOTIATE, an anonymous SESSION_SETUP (its PreviousSessionId goes to *previous) and
  // TREE_CONNECT.
  void setup(uint64_t* previous) { serve_setup(dialect_, 0, 16, previous); }

  // The next CREATE (alone or compounded with a QUERY_INFO, which gets an error).
  smb2::CreateRequest recv_create(smb2::Header* hdr, std::optional<smb2::Header>* query) {
    auto m = recv_message();
    auto parts = smb2::split_compound(m);
    EXPECT_TRUE(parts.ok());
    if (!parts.ok() || parts->empty()) return {};
    auto h = smb2::decode_header((*parts)[0]);
    EXPECT_TRUE(h.ok());
    EXPECT_EQ(h->command, smb2::Command::Create);
    *hdr = *h;
    query->reset();
    if (parts->size() > 1) *query = *smb2::decode_header((*parts)[1]);
    auto c = smb2::decode_create_request((*parts)[0]);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : smb2::CreateRequest{};
  }
  void answer_create(const smb2::Header& h, const std::optional<smb2::Header>& query,
                     uint32_t status, const smb2::CreateResponse& cr) {
    if (status == 0) {
      reply(h, 0, cr);
    } else {
      reply(h, status, smb2::ErrorResponse{});
    }
    if (query) reply(*query, static_cast<uint32_t>(NtStatus::AccessDenied), smb2::ErrorResponse{});
  }

 private:
  uint16_t dialect_;
};

// Listens on 127.0.0.1:0; the script gets a function that accepts the next connection (null
// after 10 s without one).
using AcceptFn = std::function<std::unique_ptr<Peer>()>;
class ScriptedServer {
 public:
  ScriptedServer(uint16_t dialect, std::function<void(const AcceptFn&)> script) {
    thread_ = std::thread([this, dialect, script = std::move(script)] {
      AcceptFn accept_next = [this, dialect]() -> std::unique_ptr<Peer> {
        const int fd = listener_.accept(10000);
        if (fd < 0) return nullptr;
        return std::make_unique<Peer>(fd, dialect);
      };
      script(accept_next);
    });
  }
  ~ScriptedServer() { thread_.join(); }
  uint16_t port() const { return listener_.port(); }

 private:
  test::FakeSmb2Listener listener_;
  std::thread thread_;
};

struct Client {
  IoManager io{IoManagerOptions{.workers = 1}};
  explicit Client(uint16_t max_dialect) {
    fuse_rdr::RdrOptions o;  // anonymous
    o.max_dialect = max_dialect;
    o.connect_timeout = std::chrono::milliseconds(5000);
    o.echo_interval = std::chrono::seconds(0);
    EXPECT_EQ(io.register_driver("\\rdr", fuse_rdr::make_rdr_driver(o)), NtStatus::Success);
  }
  Result<FileHandle> open(uint16_t port, const std::string& name) {
    CreateArgs a;
    a.path = "\\rdr\\127.0.0.1:" + std::to_string(port) + "\\share\\" + name;
    a.desired_access = access::kFileGenericRead | access::kFileGenericWrite;
    a.share_access = share::kAll;
    a.disposition = CreateDisposition::OpenIf;
    return io.create_file(std::move(a));
  }
};

std::vector<std::byte> payload(size_t n) {
  std::vector<std::byte> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<std::byte>(i * 13 + 5);
  return d;
}

struct Case {
  uint16_t dialect;
  bool server_accepts_reopen;
};

class RdrReconnect : public ::testing::TestWithParam<Case> {};

TEST_P(RdrReconnect, DurableOpenSurvivesADroppedConnection) {
  const Case c = GetParam();
  const bool v2 = c.dialect >= smb2::dialect::kSmb300;
  const smb2::FileId first_id{0x11, 0x21};
  const smb2::FileId second_id{0x12, 0x22};
  const smb2::FileId third_id{0x13, 0x23};
  const auto data = payload(3000);
  ScriptedServer server(c.dialect, [&](const AcceptFn& accept_next) {
    auto p1 = accept_next();
    ASSERT_TRUE(p1);
    uint64_t previous = 99;
    p1->setup(&previous);
    EXPECT_EQ(previous, 0u);
    smb2::Header h;
    std::optional<smb2::Header> q;
    auto cr = p1->recv_create(&h, &q);
    // The open asks for a batch oplock and a durable handle (DH2Q on 3.x, DHnQ on 2.1).
    EXPECT_EQ(cr.requested_oplock_level, smb2::oplock_level::kBatch);
    smb2::Guid create_guid{};
    smb2::CreateResponse resp;
    resp.oplock_level = smb2::oplock_level::kBatch;
    resp.file_id = first_id;
    if (v2) {
      const auto* dh =
          smb2::find_create_context(cr.contexts, smb2::create_context_tag::kDurableHandleRequestV2);
      ASSERT_NE(dh, nullptr);
      auto q2 = smb2::decode_durable_v2_request(dh->data);
      ASSERT_TRUE(q2.ok());
      EXPECT_EQ(q2->timeout_ms, 0u);
      EXPECT_NE(q2->create_guid, smb2::Guid{});
      create_guid = q2->create_guid;
      resp.contexts.push_back({smb2::create_context_tag::kDurableHandleRequestV2,
                               smb2::encode_durable_v2_response({60000, 0})});
    } else {
      const auto* dh =
          smb2::find_create_context(cr.contexts, smb2::create_context_tag::kDurableHandleRequest);
      ASSERT_NE(dh, nullptr);
      EXPECT_EQ(smb2::decode_durable_request(dh->data), NtStatus::Success);
      resp.contexts.push_back(
          {smb2::create_context_tag::kDurableHandleRequest, smb2::encode_durable_response()});
    }
    p1->answer_create(h, q, 0, resp);
    // The WRITE arrives and the connection drops before it is answered.
    auto m = p1->recv_message();
    auto w = smb2::decode_write_request(m);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->file_id, first_id);
    p1->shut();

    auto p2 = accept_next();
    ASSERT_TRUE(p2);
    p2->setup(&previous);
    EXPECT_EQ(previous, kSessionId);  // the new session names the old one
    cr = p2->recv_create(&h, &q);
    EXPECT_FALSE(q.has_value());
    EXPECT_EQ(cr.name, u"f.bin");
    EXPECT_EQ(cr.create_disposition, static_cast<uint32_t>(CreateDisposition::Open));
    EXPECT_EQ(
        smb2::find_create_context(cr.contexts, smb2::create_context_tag::kDurableHandleRequestV2),
        nullptr);
    EXPECT_EQ(
        smb2::find_create_context(cr.contexts, smb2::create_context_tag::kDurableHandleRequest),
        nullptr);
    if (v2) {
      const auto* dc = smb2::find_create_context(
          cr.contexts, smb2::create_context_tag::kDurableHandleReconnectV2);
      ASSERT_NE(dc, nullptr);
      auto r = smb2::decode_durable_v2_reconnect(dc->data);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->file_id, first_id);
      EXPECT_EQ(r->create_guid, create_guid);
    } else {
      const auto* dc =
          smb2::find_create_context(cr.contexts, smb2::create_context_tag::kDurableHandleReconnect);
      ASSERT_NE(dc, nullptr);
      auto r = smb2::decode_durable_reconnect(dc->data);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(*r, first_id);
    }
    if (!c.server_accepts_reopen) {
      p2->answer_create(h, q, static_cast<uint32_t>(NtStatus::ObjectNameNotFound), {});
      // A new open on the new connection works normally.
      cr = p2->recv_create(&h, &q);
      EXPECT_EQ(cr.name, u"g.bin");
      smb2::CreateResponse fresh;
      fresh.file_id = third_id;
      p2->answer_create(h, q, 0, fresh);
      p2->serve_close(third_id);
      return;
    }
    smb2::CreateResponse again;
    again.oplock_level = smb2::oplock_level::kBatch;
    again.file_id = second_id;
    p2->answer_create(h, q, 0, again);
    // The WRITE again, on the new FileId, flagged as a replay on 3.x.
    m = p2->recv_message();
    auto hw = smb2::decode_header(m);
    ASSERT_TRUE(hw.ok());
    ASSERT_EQ(hw->command, smb2::Command::Write);
    EXPECT_EQ((hw->flags & smb2::header_flag::kReplayOperation) != 0, v2);
    EXPECT_EQ(hw->tree_id, kTreeId);
    w = smb2::decode_write_request(m);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->file_id, second_id);
    EXPECT_EQ(w->offset, 4096u);
    EXPECT_TRUE(std::equal(w->data.begin(), w->data.end(), data.begin(), data.end()));
    smb2::WriteResponse wr;
    wr.count = static_cast<uint32_t>(w->data.size());
    p2->reply(*hw, 0, wr);
    p2->serve_close(second_id);
  });
  Client client(c.dialect);
  auto f = client.open(server.port(), "f.bin");
  ASSERT_TRUE(f.ok()) << ntstatus_name(f.status());
  auto st = client.io.write_file(*f, data, 4096);
  if (c.server_accepts_reopen) {
    EXPECT_EQ(st.status, NtStatus::Success);
    EXPECT_EQ(st.information, data.size());
    EXPECT_EQ(client.io.close_file(std::move(*f)).status, NtStatus::Success);
  } else {
    EXPECT_EQ(st.status, NtStatus::ConnectionDisconnected);
    EXPECT_EQ(client.io.flush_file(*f).status, NtStatus::ConnectionDisconnected);
    auto g = client.open(server.port(), "g.bin");
    ASSERT_TRUE(g.ok()) << ntstatus_name(g.status());
    EXPECT_EQ(client.io.close_file(std::move(*g)).status, NtStatus::Success);
    (void)client.io.close_file(std::move(*f));
  }
}

INSTANTIATE_TEST_SUITE_P(All, RdrReconnect,
                         ::testing::Values(Case{0x0210, true}, Case{0x0300, true},
                                           Case{0x0210, false}, Case{0x0300, false}),
                         [](const auto& info) {
                           return std::string(info.param.dialect == 0x0210 ? "Smb21" : "Smb30") +
                                  (info.param.server_accepts_reopen ? "Reopened" : "Refused");
                         });

}  // namespace
