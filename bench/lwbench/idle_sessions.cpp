#include "idle_sessions.hpp"

#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/auth/spnego.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_session.hpp"

namespace lwsmb::bench {

namespace {

namespace smb2 = proto::smb2;
using Clock = std::chrono::steady_clock;

std::u16string u16(const std::string& s) {
  return proto::fscc::utf8_to_utf16(s).value_or(std::u16string());
}

std::string status_text(NtStatus st) {
  return std::string(ntstatus_name(st));
}

// One SMB2 connection with one session and one tree connect, over a blocking socket with send
// and receive timeouts (a server that stops answering fails the run instead of hanging it).
class RawSession {
 public:
  RawSession() = default;
  RawSession(const RawSession&) = delete;
  RawSession& operator=(const RawSession&) = delete;
  ~RawSession() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Connects and logs on; throws BenchError naming the step that failed.
  void open(const TargetSpec& spec) {
    connect(spec.host, spec.port);
    negotiate();
    session_setup(spec.rdr.credentials);
    tree_connect(spec.host, spec.share);
  }

  void echo() {
    auto r = call(smb2::Command::Echo, smb2::EchoRequest{});
    expect(r, NtStatus::Success, "ECHO");
  }

  // TREE_DISCONNECT and LOGOFF: both need the session and the tree to be valid still.
  void end() {
    auto r = call(smb2::Command::TreeDisconnect, smb2::TreeDisconnectRequest{});
    expect(r, NtStatus::Success, "TREE_DISCONNECT");
    tree_id_ = 0;
    r = call(smb2::Command::Logoff, smb2::LogoffRequest{});
    expect(r, NtStatus::Success, "LOGOFF");
  }

 private:
  struct Reply {
    smb2::Header header;
    std::vector<std::byte> msg;
  };

  void connect(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
      throw BenchError("resolve " + host + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(res, ::freeaddrinfo);
    int err = 0;
    for (auto* a = res; a; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        err = errno;
        continue;
      }
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        break;
      }
      err = errno;
      ::close(fd);
    }
    if (fd_ < 0) throw BenchError("connect to " + host + ":" + service + ": " + std::strerror(err));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{};
    tv.tv_sec = 30;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  void write_all(std::span<const std::byte> data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw BenchError(std::string("send: ") + std::strerror(errno));
      data = data.subspan(static_cast<size_t>(n));
    }
  }

  void read_all(std::span<std::byte> data) {
    while (!data.empty()) {
      ssize_t n = ::recv(fd_, data.data(), data.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) throw BenchError("the server closed the connection");
      if (n < 0) throw BenchError(std::string("recv: ") + std::strerror(errno));
      data = data.subspan(static_cast<size_t>(n));
    }
  }

  // Sends one request (signed once the session has a key) and returns its response; interim
  // (STATUS_PENDING) responses are skipped. keep_request keeps a copy of the request for the
  // 3.1.1 preauth hash.
  template <class Body>
  Reply call(smb2::Command cmd, const Body& body, bool keep_request = false) {
    smb2::Header h;
    h.command = cmd;
    h.credit_charge = dialect_ > smb2::dialect::kSmb202 ? 1 : 0;
    h.credit_request_response = 1;
    h.message_id = next_mid_++;
    h.session_id = session_id_;
    h.tree_id = tree_id_;
    std::vector<std::byte> msg(4);
    if (smb2::append_message(h, body, msg) != NtStatus::Success) {
      throw BenchError("cannot encode a request");
    }
    auto smb = std::span(msg).subspan(4);
    if (!signing_key_.empty()) {
      auto flags = std::to_integer<uint32_t>(smb[smb2::kHeaderFlagsOffset]);
      smb[smb2::kHeaderFlagsOffset] = std::byte(flags | smb2::header_flag::kSigned);
      (void)auth::sign_message(smb, signing_key_, signing_alg_);
    }
    (void)smb2::encode_transport_header(static_cast<uint32_t>(smb.size()),
                                        std::span<std::byte, 4>(msg.data(), 4));
    if (keep_request) preauth_request_ = {smb.begin(), smb.end()};
    write_all(msg);
    for (;;) {
      std::array<std::byte, 4> th{};
      read_all(th);
      auto len = smb2::decode_transport_header(th);
      if (!len || *len < smb2::kHeaderSize || *len > (16u << 20)) {
        throw BenchError("bad transport header from the server");
      }
      Reply r;
      r.msg.resize(*len);
      read_all(r.msg);
      auto rh = smb2::decode_header(r.msg);
      if (!rh || !rh->is_response() || rh->message_id != h.message_id) {
        throw BenchError("unexpected message from the server");
      }
      r.header = *rh;
      if (rh->is_async() && static_cast<NtStatus>(rh->status) == NtStatus::Pending) continue;
      return r;
    }
  }

  static void expect(const Reply& r, NtStatus want, const char* what) {
    auto st = static_cast<NtStatus>(r.header.status);
    if (st != want) throw BenchError(std::string(what) + ": " + status_text(st));
  }

  void negotiate() {
    smb2::NegotiateRequest r;
    r.dialects = {smb2::dialect::kSmb202, smb2::dialect::kSmb210, smb2::dialect::kSmb300,
                  smb2::dialect::kSmb302, smb2::dialect::kSmb311};
    r.security_mode = smb2::security_mode::kSigningEnabled;
    r.capabilities = smb2::capability::kLargeMtu | smb2::capability::kEncryption;
    RAND_bytes(reinterpret_cast<unsigned char*>(r.client_guid.data()), 16);
    smb2::PreauthIntegrityCapabilities pre;
    pre.hash_algorithms = {smb2::hash_algorithm::kSha512};
    pre.salt.resize(32);
    RAND_bytes(reinterpret_cast<unsigned char*>(pre.salt.data()), 32);
    r.contexts.push_back(smb2::to_context(pre));
    r.contexts.push_back(smb2::to_context(
        smb2::EncryptionCapabilities{{smb2::cipher::kAes128Gcm, smb2::cipher::kAes128Ccm}}));
    auto reply = call(smb2::Command::Negotiate, r, true);
    expect(reply, NtStatus::Success, "NEGOTIATE");
    auto n = smb2::decode_negotiate_response(reply.msg);
    if (!n) throw BenchError("NEGOTIATE: malformed response");
    dialect_ = n->dialect_revision;
    server_hint_.assign(n->security_buffer.begin(), n->security_buffer.end());
    signing_alg_ = dialect_ >= smb2::dialect::kSmb300 ? auth::SigningAlgorithm::AesCmac
                                                      : auth::SigningAlgorithm::HmacSha256;
    if (dialect_ == smb2::dialect::kSmb311) {
      preauth_.update(preauth_request_);
      preauth_.update(reply.msg);
    }
  }

  void session_setup(const fuse_rdr::RdrCredentials& c) {
    auth::NtlmCredentials creds;
    creds.user = u16(c.user);
    creds.domain = u16(c.domain);
    creds.workstation = u"LWBENCH";
    creds.password = u16(c.password);
    auth::SpnegoClient spnego(creds, c.user.empty());
    auto tok = spnego.initial(server_hint_);
    if (!tok) tok = spnego.initial({});
    if (!tok) throw BenchError("SESSION_SETUP: " + status_text(tok.status()));
    auth::PreauthHash pre = preauth_;
    const bool hash = dialect_ == smb2::dialect::kSmb311;
    for (int round = 0; round < 4; ++round) {
      smb2::SessionSetupRequest r;
      r.security_mode = smb2::security_mode::kSigningEnabled;
      r.security_buffer = *tok;
      auto reply = call(smb2::Command::SessionSetup, r, true);
      if (hash) pre.update(preauth_request_);
      auto st = static_cast<NtStatus>(reply.header.status);
      if (st != NtStatus::MoreProcessingRequired && st != NtStatus::Success) {
        throw BenchError("SESSION_SETUP: " + status_text(st));
      }
      auto rs = smb2::decode_session_setup_response(reply.msg);
      if (!rs) throw BenchError("SESSION_SETUP: malformed response");
      session_id_ = reply.header.session_id;
      if (st == NtStatus::MoreProcessingRequired) {
        if (hash) pre.update(reply.msg);
        tok = spnego.step(rs->security_buffer);
        if (!tok) throw BenchError("SESSION_SETUP: " + status_text(tok.status()));
        continue;
      }
      if (!rs->security_buffer.empty() && !spnego.done()) {
        auto fin = spnego.step(rs->security_buffer);
        if (!fin) throw BenchError("SESSION_SETUP: " + status_text(fin.status()));
      }
      const bool nobody =
          c.user.empty() ||
          (rs->session_flags & (smb2::session_flag::kIsGuest | smb2::session_flag::kIsNull));
      if (!nobody) {
        const auto& key = spnego.session_key();
        if (dialect_ >= smb2::dialect::kSmb300) {
          auto keys = auth::derive_smb3_keys(key, dialect_, pre.value());
          if (!keys) throw BenchError("SESSION_SETUP: key derivation failed");
          signing_key_ = keys->signing;
        } else {
          signing_key_.assign(key.begin(), key.begin() + std::min<size_t>(16, key.size()));
        }
      }
      return;
    }
    throw BenchError("SESSION_SETUP: too many rounds");
  }

  void tree_connect(const std::string& host, const std::string& share) {
    smb2::TreeConnectRequest r;
    r.path = u"\\\\" + u16(host) + u"\\" + u16(share);
    auto reply = call(smb2::Command::TreeConnect, r);
    expect(reply, NtStatus::Success, "TREE_CONNECT");
    tree_id_ = reply.header.tree_id;
  }

  int fd_ = -1;
  uint64_t next_mid_ = 0;
  uint16_t dialect_ = 0;
  uint64_t session_id_ = 0;
  uint32_t tree_id_ = 0;
  std::vector<std::byte> server_hint_;
  std::vector<std::byte> signing_key_;
  auth::SigningAlgorithm signing_alg_ = auth::SigningAlgorithm::HmacSha256;
  auth::PreauthHash preauth_;
  std::vector<std::byte> preauth_request_;
};

// Resident memory of a process tree from /proc: VmRSS summed (pages shared between the
// processes count in each) and Pss summed (shared pages split between their users).
struct TreeMemory {
  size_t processes = 0;
  uint64_t rss_kib = 0;
  uint64_t pss_kib = 0;
};

std::optional<uint64_t> proc_field_kib(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0) {
      std::istringstream v(line.substr(key.size()));
      uint64_t kib = 0;
      if (v >> kib) return kib;
    }
  }
  return std::nullopt;
}

// The parent of every process, from /proc/*/stat (field 4, after the parenthesised name).
std::multimap<int, int> children_by_parent() {
  std::multimap<int, int> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    std::getline(in, stat);
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    int ppid = 0;
    if (rest >> state >> ppid) out.emplace(ppid, static_cast<int>(pid));
  }
  ::closedir(d);
  return out;
}

std::optional<TreeMemory> tree_memory(int root) {
  auto kids = children_by_parent();
  std::vector<int> todo = {root};
  TreeMemory m;
  while (!todo.empty()) {
    int pid = todo.back();
    todo.pop_back();
    const std::string base = "/proc/" + std::to_string(pid);
    auto rss = proc_field_kib(base + "/status", "VmRSS:");
    if (!rss) {
      if (pid == root) return std::nullopt;
      continue;  // exited meanwhile
    }
    ++m.processes;
    m.rss_kib += *rss;
    m.pss_kib += proc_field_kib(base + "/smaps_rollup", "Pss:").value_or(*rss);
    auto range = kids.equal_range(pid);
    for (auto it = range.first; it != range.second; ++it) todo.push_back(it->second);
  }
  return m;
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// N connections need N descriptors: take the hard limit, as smbd and lwserver do.
void raise_fd_limit(uint64_t want) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + 16) {
    std::fprintf(stderr, "lwbench: idle: the descriptor limit %llu is below %llu sessions\n",
                 static_cast<unsigned long long>(rl.rlim_cur),
                 static_cast<unsigned long long>(want));
  }
}

void print_memory(const char* when, const TreeMemory& m) {
  std::printf("idle: server memory %s: %zu process%s, VmRSS %llu KiB, Pss %llu KiB\n", when,
              m.processes, m.processes == 1 ? "" : "es", static_cast<unsigned long long>(m.rss_kib),
              static_cast<unsigned long long>(m.pss_kib));
}

}  // namespace

int run_idle(const TargetSpec& spec, const IdleParams& p) {
  raise_fd_limit(p.sessions + 1);
  std::printf(
      "idle: %s port %u, %llu sessions (each its own connection, session and tree connect)\n",
      spec.unc.c_str(), unsigned(spec.port), static_cast<unsigned long long>(p.sessions));
  std::optional<TreeMemory> before;
  if (p.server_pid > 0) {
    before = tree_memory(p.server_pid);
    if (!before) throw BenchError("no process " + std::to_string(p.server_pid));
    print_memory("before", *before);
  }
  std::vector<std::unique_ptr<RawSession>> held;
  held.reserve(p.sessions);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < p.sessions; ++i) {
    auto s = std::make_unique<RawSession>();
    try {
      s->open(spec);
    } catch (const BenchError& e) {
      throw BenchError("session " + std::to_string(i + 1) + ": " + e.what());
    }
    held.push_back(std::move(s));
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("idle: %zu sessions up in %.2f s\n", held.size(), setup_s);
  std::fflush(stdout);

  // Echo round trips on one more connection while the others sit idle.
  RawSession probe;
  probe.open(spec);
  std::vector<double> ms;
  ms.reserve(p.echoes);
  for (uint64_t i = 0; i < p.echoes; ++i) {
    auto e0 = Clock::now();
    probe.echo();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - e0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("idle: echo round trips while held: %zu, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
              ms.size(), percentile(ms, 0.50), percentile(ms, 0.99), ms.empty() ? 0.0 : ms.back());

  if (before) {
    auto during = tree_memory(p.server_pid);
    if (!during)
      throw BenchError("the server process " + std::to_string(p.server_pid) + " is gone");
    print_memory("with the sessions held", *during);
    const double n = static_cast<double>(std::max<uint64_t>(p.sessions, 1));
    std::printf("idle: per session: VmRSS %+.1f KiB, Pss %+.1f KiB\n",
                (static_cast<double>(during->rss_kib) - static_cast<double>(before->rss_kib)) / n,
                (static_cast<double>(during->pss_kib) - static_cast<double>(before->pss_kib)) / n);
  }
  std::fflush(stdout);

  // Every held session must still be valid: end each one properly.
  uint64_t valid = 0;
  std::string first_error;
  for (auto& s : held) {
    try {
      s->end();
      ++valid;
    } catch (const BenchError& e) {
      if (first_error.empty()) first_error = e.what();
    }
  }
  probe.end();
  std::printf("idle: sessions still valid at the end: %llu/%zu\n",
              static_cast<unsigned long long>(valid), held.size());
  if (!first_error.empty()) std::fprintf(stderr, "lwbench: idle: %s\n", first_error.c_str());
  return valid == held.size() ? 0 : 1;
}

}  // namespace lwsmb::bench
