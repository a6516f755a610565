// One server under test: an I/O manager with its own \rdr driver, the share's path in the
// rdr namespace ("\rdr\HOST:PORT\SHARE") and the small synchronous helpers the workloads share.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/io_manager.hpp"

namespace lwsmb::bench {

// A workload failed (a server error, a short read); the message says where.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TargetSpec {
  std::string unc;  // as given: //host/share
  std::string host;
  std::string share;
  uint16_t port = 445;
  fuse_rdr::RdrOptions rdr;  // credentials, sign, seal
};

// "//host/share" or "\\host\share" (a trailing path is refused). Throws BenchError.
TargetSpec parse_target(const std::string& unc, uint16_t port);
// "user%pass", "DOMAIN\user%pass" or "user" into credentials.
void parse_user(const std::string& user_pass, fuse_rdr::RdrCredentials& creds);

class Target {
 public:
  Target(TargetSpec spec, std::string label, unsigned workers);
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  const std::string& label() const { return label_; }
  const TargetSpec& spec() const { return spec_; }
  IoManager& io() { return *io_; }
  // "\rdr\HOST:PORT\SHARE" under `prefix` (another driver's namespace, e.g. "\c12").
  std::string share_path(const std::string& prefix = "\\rdr") const;
  // The scratch directory this run owns on the share, and a path inside it.
  std::string work(const std::string& rel = "") const;

  // Opens (or creates) with the given access; throws BenchError on failure.
  FileHandle open(const std::string& path, uint32_t access, CreateDisposition disp,
                  uint32_t options, uint32_t share_access = share::kAll);
  void close(FileHandle f, const std::string& what);
  void mkdir(const std::string& path);
  // Deletes a file or an empty directory (FILE_DELETE_ON_CLOSE).
  void remove(const std::string& path, bool directory);

 private:
  TargetSpec spec_;
  std::string label_;
  std::string workdir_;  // "lwbench-PID-LABEL"
  std::unique_ptr<IoManager> io_;
};

[[noreturn]] void fail_status(const std::string& what, NtStatus st);

CreateArgs make_create(std::string path, uint32_t access, CreateDisposition disp, uint32_t options,
                       uint32_t share_access);

}  // namespace lwsmb::bench
