// The pipe names SMB clients send on IPC$, mapped onto \npfs.
#include "srv/srv_ipc.hpp"

#include <gtest/gtest.h>

namespace lwsmb::server {
namespace {

TEST(SrvIpc, PipeNamesAreNormalised) {
  EXPECT_EQ(ipc_pipe_name("srvsvc"), "srvsvc");
  EXPECT_EQ(ipc_pipe_name("SRVSVC"), "srvsvc");
  EXPECT_EQ(ipc_pipe_name("\\PIPE\\srvsvc"), "srvsvc");
  EXPECT_EQ(ipc_pipe_name("pipe\\WksSvc"), "wkssvc");
  EXPECT_EQ(ipc_pipe_name("\\wkssvc"), "wkssvc");
  // Nothing, a bare prefix, or a path below a pipe name: no pipe.
  EXPECT_FALSE(ipc_pipe_name(""));
  EXPECT_FALSE(ipc_pipe_name("\\"));
  EXPECT_FALSE(ipc_pipe_name("\\PIPE\\"));
  EXPECT_FALSE(ipc_pipe_name("srvsvc\\x"));
  EXPECT_FALSE(ipc_pipe_name("..\\srvsvc"));
}

}  // namespace
}  // namespace lwsmb::server
