#include "bench_target.hpp"

#include <unistd.h>

#include <cstdio>

#include <string>

namespace lwsmb::bench {

void fail_status(const std::string& what, NtStatus st) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%08x", static_cast<unsigned>(st));
  throw BenchError(what + ": " + std::string(ntstatus_name(st)) + " (" + code + ")");
}

TargetSpec parse_target(const std::string& unc, uint16_t port) {
  std::string s = unc;
  for (auto& c : s)
    if (c == '\\') c = '/';
  if (s.size() < 5 || s.compare(0, 2, "//") != 0)
    throw BenchError("target '" + unc + "' is not //host/share");
  s = s.substr(2);
  while (!s.empty() && s.back() == '/') s.pop_back();
  auto slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size())
    throw BenchError("target '" + unc + "' is not //host/share");
  TargetSpec t;
  t.unc = unc;
  t.host = s.substr(0, slash);
  t.share = s.substr(slash + 1);
  if (t.share.find('/') != std::string::npos)
    throw BenchError("target '" + unc + "': give only //host/share, no path");
  t.port = port;
  return t;
}

void parse_user(const std::string& user_pass, fuse_rdr::RdrCredentials& creds) {
  std::string user = user_pass;
  if (auto pct = user_pass.find('%'); pct != std::string::npos) {
    user = user_pass.substr(0, pct);
    creds.password = user_pass.substr(pct + 1);
  }
  if (auto bs = user.find_first_of("\\/"); bs != std::string::npos) {
    creds.domain = user.substr(0, bs);
    user = user.substr(bs + 1);
  }
  creds.user = user;
}

Target::Target(TargetSpec spec, std::string label, unsigned workers)
    : spec_(std::move(spec)),
      label_(std::move(label)),
      workdir_("lwbench-" + std::to_string(::getpid()) + "-" + label_),
      io_(std::make_unique<IoManager>(IoManagerOptions{.workers = workers})) {
  auto st = io_->register_driver("\\rdr", fuse_rdr::make_rdr_driver(spec_.rdr));
  if (!nt_success(st)) fail_status("register \\rdr", st);
}

std::string Target::share_path(const std::string& prefix) const {
  return prefix + "\\" + spec_.host + ":" + std::to_string(spec_.port) + "\\" + spec_.share;
}

std::string Target::work(const std::string& rel) const {
  return share_path() + "\\" + workdir_ + (rel.empty() ? "" : "\\" + rel);
}

CreateArgs make_create(std::string path, uint32_t access, CreateDisposition disp, uint32_t options,
                       uint32_t share_access) {
  CreateArgs args;
  args.path = std::move(path);
  args.desired_access = access;
  args.share_access = share_access;
  args.disposition = disp;
  args.create_options = options;
  args.security = std::make_shared<SecurityContext>(
      SecurityContext{static_cast<uint32_t>(geteuid()), static_cast<uint32_t>(getegid()), {}});
  return args;
}

FileHandle Target::open(const std::string& path, uint32_t access, CreateDisposition disp,
                        uint32_t options, uint32_t share_access) {
  auto f = io_->create_file(make_create(path, access, disp, options, share_access));
  if (!f) fail_status(label_ + ": open " + path, f.status());
  return std::move(*f);
}

void Target::close(FileHandle f, const std::string& what) {
  auto st = io_->close_file(std::move(f));
  if (!nt_success(st.status)) fail_status(label_ + ": close " + what, st.status);
}

void Target::mkdir(const std::string& path) {
  auto f = open(path, access::kReadAttributes | access::kSynchronize, CreateDisposition::OpenIf,
                create_option::kDirectoryFile);
  close(std::move(f), path);
}

void Target::remove(const std::string& path, bool directory) {
  auto f = open(path, access::kDelete | access::kReadAttributes, CreateDisposition::Open,
                create_option::kDeleteOnClose |
                    (directory ? create_option::kDirectoryFile : create_option::kNonDirectoryFile));
  close(std::move(f), path);
}

}  // namespace lwsmb::bench
