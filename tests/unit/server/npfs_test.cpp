// npfs through the I/O manager: instances, message reads, transceive, wait, disconnect, close
// from either end, pipe information; and the DCE/RPC client runtime talking to srvsvc over it.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/rpc/rpc_client.hpp"
#include "lwsmb/rpc/rpc_server.hpp"
#include "lwsmb/rpc/srvsvc.hpp"
#include "lwsmb/server/npfs_driver.hpp"
#include "npfs/npfs_info.hpp"
#include "test_util.hpp"

namespace lwsmb::test {
namespace {

using namespace std::chrono_literals;

class Npfs : public ::testing::Test {
 protected:
  Npfs() : io_(std::make_unique<IoManager>(IoManagerOptions{.workers = 2})) {
    EXPECT_EQ(io_->register_driver("\\npfs", server::make_npfs_driver()), NtStatus::Success);
  }

  Result<FileHandle> server_end(const std::string& name, uint32_t max_instances = 0xFFFFFFFF) {
    CreateArgs a;
    a.path = "\\npfs\\" + name;
    a.disposition = CreateDisposition::OpenIf;
    a.named_pipe = NamedPipeCreateParams{};
    a.named_pipe->max_instances = max_instances;
    return io_->create_file(std::move(a));
  }

  Result<FileHandle> client_end(const std::string& name) {
    CreateArgs a;
    a.path = "\\npfs\\" + name;
    a.disposition = CreateDisposition::Open;
    return io_->create_file(std::move(a));
  }

  FileHandle must(Result<FileHandle> r) {
    EXPECT_TRUE(r) << ntstatus_name(r.status());
    return r ? std::move(*r) : FileHandle();
  }

  NtStatus write(const FileHandle& h, std::string_view s) {
    return io_->write_file(h, bytes(s), 0).status;
  }

  std::string read(const FileHandle& h, size_t n, NtStatus* st = nullptr) {
    std::vector<std::byte> buf(n);
    auto sb = io_->read_file(h, buf, 0);
    if (st) *st = sb.status;
    return std::string(reinterpret_cast<const char*>(buf.data()), sb.information);
  }

  // An asynchronous IRP and a future for its status block.
  struct Async {
    IrpPtr irp;
    std::shared_ptr<std::promise<IoStatusBlock>> done;
    std::future<IoStatusBlock> result;
  };
  Async async(const FileHandle& h, IrpArgs args) {
    Async a;
    a.done = std::make_shared<std::promise<IoStatusBlock>>();
    a.result = a.done->get_future();
    a.irp =
        io_->call(h, std::move(args), [p = a.done](Irp& irp) { p->set_value(irp.status_block()); });
    return a;
  }

  std::unique_ptr<IoManager> io_;
};

TEST_F(Npfs, ClientsConnectToFreeInstances) {
  EXPECT_EQ(client_end("srvsvc").status(), NtStatus::ObjectNameNotFound);
  auto s1 = must(server_end("srvsvc", 2));
  auto c1 = must(client_end("SRVSVC"));  // names ignore case
  // The only instance is taken.
  EXPECT_EQ(client_end("srvsvc").status(), NtStatus::PipeNotAvailable);
  // Listening on a connected instance says so at once.
  EXPECT_EQ(io_->fs_control(s1, fsctl_pipe::kListen, {}, {}).status, NtStatus::PipeConnected);
  auto s2 = must(server_end("srvsvc", 2));
  EXPECT_EQ(server_end("srvsvc", 2).status(), NtStatus::InstanceNotAvailable);
  // A listen waits for the next client.
  std::vector<std::byte> none;
  auto listen = async(s2, FsControlArgs{fsctl_pipe::kListen, {}, none});
  EXPECT_EQ(listen.result.wait_for(50ms), std::future_status::timeout);
  auto c2 = must(client_end("srvsvc"));
  ASSERT_EQ(listen.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(listen.result.get().status, NtStatus::Success);
  // A client cannot make instances or listen.
  EXPECT_EQ(io_->fs_control(c1, fsctl_pipe::kListen, {}, {}).status,
            NtStatus::InvalidDeviceRequest);
}

TEST_F(Npfs, MessageModeReadsOverflowAndContinue) {
  auto s = must(server_end("p"));
  auto c = must(client_end("p"));
  EXPECT_EQ(write(c, "hello world"), NtStatus::Success);
  EXPECT_EQ(write(c, "x"), NtStatus::Success);
  NtStatus st;
  EXPECT_EQ(read(s, 5, &st), "hello");
  EXPECT_EQ(st, NtStatus::BufferOverflow);
  EXPECT_EQ(read(s, 100, &st), " world");  // the rest of the message, not the next one
  EXPECT_EQ(st, NtStatus::Success);
  EXPECT_EQ(read(s, 100, &st), "x");
  // The other direction.
  EXPECT_EQ(write(s, "reply"), NtStatus::Success);
  EXPECT_EQ(read(c, 100, &st), "reply");
  // Byte read mode joins messages.
  std::vector<std::byte> info(8, std::byte{0});  // byte-stream read mode, queued completion
  EXPECT_EQ(io_->set_information(s, FileInfoClass::Pipe, info).status, NtStatus::Success);
  write(c, "ab");
  write(c, "cd");
  EXPECT_EQ(read(s, 3, &st), "abc");
  EXPECT_EQ(read(s, 3, &st), "d");
}

TEST_F(Npfs, PendingReadsCompleteOnWriteAndCancel) {
  auto s = must(server_end("p"));
  auto c = must(client_end("p"));
  std::vector<std::byte> buf(64);
  auto r = async(s, ReadArgs{buf, 0, 0});
  EXPECT_EQ(r.result.wait_for(30ms), std::future_status::timeout);
  EXPECT_TRUE(r.irp->pending());
  write(c, "wake");
  ASSERT_EQ(r.result.wait_for(5s), std::future_status::ready);
  auto sb = r.result.get();
  EXPECT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 4u);
  // Cancel a waiting read; the pipe still works afterwards.
  auto r2 = async(s, ReadArgs{buf, 0, 0});
  r2.irp->cancel();
  ASSERT_EQ(r2.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(r2.result.get().status, NtStatus::Cancelled);
  write(c, "again");
  EXPECT_EQ(read(s, 64), "again");
}

TEST_F(Npfs, TransceiveWritesThenWaitsForTheReply) {
  auto s = must(server_end("p"));
  auto c = must(client_end("p"));
  std::vector<std::byte> out(4);
  auto in = bytes("request");
  auto t = async(c, FsControlArgs{fsctl_pipe::kTransceive, in, out});
  EXPECT_EQ(read(s, 100), "request");
  EXPECT_EQ(t.result.wait_for(30ms), std::future_status::timeout);
  write(s, "response");
  ASSERT_EQ(t.result.wait_for(5s), std::future_status::ready);
  auto sb = t.result.get();
  // The reply did not fit: the first part, STATUS_BUFFER_OVERFLOW, the rest by READ.
  EXPECT_EQ(sb.status, NtStatus::BufferOverflow);
  EXPECT_EQ(sb.information, 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), 4), "resp");
  EXPECT_EQ(read(c, 100), "onse");
  // Unread data makes a transceive fail.
  write(s, "unread");
  EXPECT_EQ(io_->fs_control(c, fsctl_pipe::kTransceive, in, out).status, NtStatus::PipeBusy);
}

TEST_F(Npfs, ClientCloseBreaksThePipe) {
  auto s = must(server_end("p"));
  auto c = must(client_end("p"));
  write(c, "last words");
  std::vector<std::byte> buf(64);
  io_->close_file(std::move(c));
  // Queued data is still there, then the pipe is broken.
  EXPECT_EQ(read(s, 64), "last words");
  NtStatus st;
  read(s, 64, &st);
  EXPECT_EQ(st, NtStatus::PipeBroken);
  EXPECT_EQ(write(s, "x"), NtStatus::PipeClosing);
  // A read waiting when the client goes completes too.
  auto s2 = must(server_end("p"));
  auto c2 = must(client_end("p"));
  auto r = async(s2, ReadArgs{buf, 0, 0});
  io_->close_file(std::move(c2));
  ASSERT_EQ(r.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(r.result.get().status, NtStatus::PipeBroken);
}

TEST_F(Npfs, ServerCloseAndDisconnect) {
  auto s = must(server_end("p"));
  auto c = must(client_end("p"));
  std::vector<std::byte> buf(64);
  auto r = async(c, ReadArgs{buf, 0, 0});
  io_->close_file(std::move(s));
  ASSERT_EQ(r.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(r.result.get().status, NtStatus::PipeBroken);
  io_->close_file(std::move(c));
  // The pipe is gone with its last instance.
  EXPECT_EQ(client_end("p").status(), NtStatus::ObjectNameNotFound);

  // FSCTL_PIPE_DISCONNECT cuts the client off; a new listen takes the next client.
  auto s2 = must(server_end("q"));
  auto c2 = must(client_end("q"));
  write(s2, "dropped");
  EXPECT_EQ(io_->fs_control(s2, fsctl_pipe::kDisconnect, {}, {}).status, NtStatus::Success);
  NtStatus st;
  read(c2, 64, &st);
  EXPECT_EQ(st, NtStatus::PipeDisconnected);
  EXPECT_EQ(write(c2, "x"), NtStatus::PipeDisconnected);
  EXPECT_EQ(read(s2, 64, &st), "");
  EXPECT_EQ(st, NtStatus::PipeDisconnected);
  std::vector<std::byte> none;
  auto listen = async(s2, FsControlArgs{fsctl_pipe::kListen, {}, none});
  auto c3 = must(client_end("q"));
  ASSERT_EQ(listen.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(listen.result.get().status, NtStatus::Success);
  write(c3, "new client");
  EXPECT_EQ(read(s2, 64), "new client");
  EXPECT_EQ(io_->close_file(std::move(c2)).status, NtStatus::Success);
}

std::vector<std::byte> wait_request(const std::string& name, int64_t timeout, bool specified) {
  return server::npfs::encode_pipe_wait({timeout, specified, name});
}

TEST_F(Npfs, PipeWaitOnTheRoot) {
  CreateArgs ra;
  ra.path = "\\npfs";
  auto root = must(io_->create_file(std::move(ra)));
  std::vector<std::byte> none;
  auto req = wait_request("w", -10'000'000, true);  // 1 s
  EXPECT_EQ(io_->fs_control(root, fsctl_pipe::kWait, req, none).status,
            NtStatus::ObjectNameNotFound);
  auto s = must(server_end("w"));
  EXPECT_EQ(io_->fs_control(root, fsctl_pipe::kWait, req, none).status, NtStatus::Success);
  auto c = must(client_end("w"));
  // Every instance busy: the wait ends when a new instance appears ...
  auto w = async(root, FsControlArgs{fsctl_pipe::kWait, req, none});
  EXPECT_EQ(w.result.wait_for(30ms), std::future_status::timeout);
  auto s2 = must(server_end("w"));
  ASSERT_EQ(w.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(w.result.get().status, NtStatus::Success);
  auto c2 = must(client_end("w"));
  // ... or when its time is up.
  auto short_req = wait_request("W", -200'000, true);  // 20 ms
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(io_->fs_control(root, fsctl_pipe::kWait, short_req, none).status, NtStatus::IoTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 15ms);
  // Cancelled.
  auto w2 = async(root, FsControlArgs{fsctl_pipe::kWait, req, none});
  w2.irp->cancel();
  ASSERT_EQ(w2.result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(w2.result.get().status, NtStatus::Cancelled);
  // Malformed requests.
  EXPECT_EQ(io_->fs_control(root, fsctl_pipe::kWait, std::span(req).first(13), none).status,
            NtStatus::InvalidParameter);
  auto bad = req;
  bad[8] = std::byte{0xF0};  // NameLength past the buffer
  EXPECT_EQ(io_->fs_control(root, fsctl_pipe::kWait, bad, none).status, NtStatus::InvalidParameter);
  // The root is no pipe.
  std::vector<std::byte> buf(8);
  EXPECT_EQ(io_->read_file(root, buf, 0).status, NtStatus::InvalidDeviceRequest);
}

TEST_F(Npfs, PipeInformation) {
  auto s = must(server_end("info", 4));
  auto c = must(client_end("info"));
  write(s, "12345");
  std::vector<std::byte> buf(64);
  auto u32 = [&](size_t at) {
    return std::to_integer<uint32_t>(buf[at]) | std::to_integer<uint32_t>(buf[at + 1]) << 8 |
           std::to_integer<uint32_t>(buf[at + 2]) << 16 |
           std::to_integer<uint32_t>(buf[at + 3]) << 24;
  };
  auto sb = io_->query_information(c, FileInfoClass::PipeLocal, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 40u);
  EXPECT_EQ(u32(0), pipe_value::kMessageType);
  EXPECT_EQ(u32(8), 4u);   // MaximumInstances
  EXPECT_EQ(u32(12), 1u);  // CurrentInstances
  EXPECT_EQ(u32(20), 5u);  // ReadDataAvailable
  EXPECT_EQ(u32(32), pipe_value::kConnectedState);
  EXPECT_EQ(u32(36), pipe_value::kClientEnd);
  sb = io_->query_information(s, FileInfoClass::PipeLocal, buf);
  EXPECT_EQ(u32(36), pipe_value::kServerEnd);
  sb = io_->query_information(c, FileInfoClass::Pipe, buf);
  ASSERT_EQ(sb.status, NtStatus::Success);
  EXPECT_EQ(sb.information, 8u);
  EXPECT_EQ(u32(0), pipe_value::kMessageMode);
  EXPECT_EQ(io_->query_information(c, FileInfoClass::Standard, buf).status, NtStatus::Success);
  EXPECT_EQ(io_->query_information(c, FileInfoClass::All, buf).status, NtStatus::InvalidParameter);
  EXPECT_EQ(io_->query_information(c, FileInfoClass::PipeLocal, std::span(buf).first(39)).status,
            NtStatus::InfoLengthMismatch);
  // Bad FilePipeInformation values.
  std::vector<std::byte> bad(8, std::byte{0});
  bad[0] = std::byte{2};
  EXPECT_EQ(io_->set_information(c, FileInfoClass::Pipe, bad).status, NtStatus::InvalidParameter);
  EXPECT_EQ(io_->set_information(c, FileInfoClass::Pipe, std::span(bad).first(4)).status,
            NtStatus::InfoLengthMismatch);
}

TEST(NpfsInfo, PipeWaitDecoderRejectsBadInput) {
  auto good = server::npfs::encode_pipe_wait({-5, true, "srvsvc"});
  auto r = server::npfs::decode_pipe_wait(good);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "srvsvc");
  EXPECT_EQ(r->timeout, -5);
  EXPECT_TRUE(r->timeout_specified);
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(server::npfs::decode_pipe_wait(std::span(good).first(n))) << n;
  }
  auto odd = good;
  odd[8] = std::byte{3};
  EXPECT_FALSE(server::npfs::decode_pipe_wait(odd));
  auto huge = good;
  huge[11] = std::byte{0x80};
  EXPECT_FALSE(server::npfs::decode_pipe_wait(huge));
  // An unpaired surrogate is no name.
  auto lone = server::npfs::encode_pipe_wait({0, false, "ab"});
  lone[14] = std::byte{0x00};
  lone[15] = std::byte{0xD8};
  EXPECT_FALSE(server::npfs::decode_pipe_wait(lone));
}

// The DCE/RPC client runtime against the server runtime, in process over \npfs.
class NpfsRpc : public Npfs {
 protected:
  NpfsRpc() {
    auto info = std::make_shared<rpc::RpcServerInfo>();
    info->netbios_name = "UNIT";
    info->shares.push_back({"data", "Data share", "/srv/data", rpc::share_type::kDiskTree, true});
    info->shares.push_back({"hidden", "", "/srv/h", rpc::share_type::kDiskTree, false});
    info->shares.push_back(
        {"IPC$", "IPC Service", "", rpc::share_type::kIpc | rpc::share_type::kSpecial, true});
    rpc_ = std::make_unique<rpc::RpcServer>(*io_);
    rpc_->register_interface(rpc::make_srvsvc_interface(info));
    EXPECT_EQ(rpc_->add_endpoint("\\npfs\\srvsvc", "\\PIPE\\srvsvc"), NtStatus::Success);
  }
  ~NpfsRpc() override { rpc_.reset(); }

  // The endpoint makes its next instance asynchronously: wait for a free one.
  FileHandle connect() {
    for (int i = 0; i < 200; ++i) {
      auto c = client_end("srvsvc");
      if (c) return std::move(*c);
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "no free srvsvc instance";
    return {};
  }

  std::unique_ptr<rpc::RpcServer> rpc_;
};

TEST_F(NpfsRpc, ClientBindsAndEnumeratesShares) {
  for (bool transceive : {true, false}) {
    SCOPED_TRACE(transceive);
    auto pipe = connect();
    rpc::RpcClient client(*io_, pipe, transceive);
    ASSERT_EQ(client.bind(rpc::srvsvc_syntax()), NtStatus::Success);
    EXPECT_EQ(client.max_xmit_frag(), 4280);
    for (uint32_t level : {1u, 502u}) {
      auto stub = client.call(rpc::srvsvc_opnum::kNetrShareEnum,
                              rpc::encode_share_enum_request("\\\\UNIT", level));
      ASSERT_TRUE(stub) << ntstatus_name(stub.status());
      auto shares = rpc::decode_share_enum_response(*stub);
      ASSERT_TRUE(shares);
      ASSERT_EQ(shares->shares.size(), 2u);
      EXPECT_EQ(shares->shares[0].name, "data");
      EXPECT_EQ(shares->shares[0].comment, "Data share");
      EXPECT_EQ(shares->shares[1].name, "IPC$");
    }
    auto info = client.call(rpc::srvsvc_opnum::kNetrServerGetInfo,
                            rpc::encode_server_get_info_request("x", 101));
    ASSERT_TRUE(info);
    EXPECT_EQ(rpc::decode_server_get_info_response(*info)->name, "UNIT");
    // A fault comes back as RPC_NT_CALL_FAILED with the code.
    EXPECT_EQ(client.call(99, {}).status(), NtStatus::RpcCallFailed);
    EXPECT_EQ(client.last_fault(), rpc::fault::kOpRangeError);
    io_->close_file(std::move(pipe));
  }
}

TEST_F(NpfsRpc, LargeRequestsAreFragmentedBothWays) {
  auto pipe = connect();
  rpc::RpcClient client(*io_, pipe);
  ASSERT_EQ(client.bind(rpc::srvsvc_syntax()), NtStatus::Success);
  // A server name of 6000 characters: the request spans several fragments.
  std::string big(6000, 'S');
  auto stub =
      client.call(rpc::srvsvc_opnum::kNetrShareEnum, rpc::encode_share_enum_request(big, 1));
  ASSERT_TRUE(stub) << ntstatus_name(stub.status());
  EXPECT_EQ(rpc::decode_share_enum_response(*stub)->shares.size(), 2u);
}

TEST_F(NpfsRpc, UnknownInterfaceIsRefused) {
  auto pipe = connect();
  rpc::RpcClient client(*io_, pipe);
  EXPECT_EQ(client.bind(rpc::wkssvc_syntax()), NtStatus::RpcUnknownIf);
  // The association is still usable: garbage gets a fault and the pipe breaks.
  std::vector<std::byte> junk(32, std::byte{0x41});
  EXPECT_EQ(io_->write_file(pipe, junk, 0).status, NtStatus::Success);
  std::vector<std::byte> buf(256);
  auto sb = io_->read_file(pipe, buf, 0);
  EXPECT_EQ(sb.status, NtStatus::Success);
  auto h = rpc::peek_pdu_header(std::span(buf).first(sb.information));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->type, rpc::PduType::Fault);
  sb = io_->read_file(pipe, buf, 0);
  EXPECT_EQ(sb.status, NtStatus::PipeBroken);
}

}  // namespace
}  // namespace lwsmb::test
