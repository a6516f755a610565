// A real IoManager with pvfs registered at "\pvfs" over <tmp>/share; <tmp>/outside holds a
// sentinel that no test may reach.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/server/pvfs_driver.hpp"
#include "test_util.hpp"

namespace lwsmb::test {

namespace fs = std::filesystem;

inline std::vector<std::byte> to_bytes(std::string_view s) {
  auto b = bytes(s);
  return {b.begin(), b.end()};
}

class PvfsTest : public ::testing::Test {
 protected:
  // The share under $TMPDIR, or under `base` (a tmpfs, to test pvfs's inline I/O there).
  explicit PvfsTest(const std::string& base = {}) : tmp(base) {
    fs::create_directory(root());
    tmp.write("outside/sentinel", "secret");
    auto opts = server::PvfsOptions{};
    opts.root = root().string();
    EXPECT_EQ(io.register_driver("\\pvfs", server::make_pvfs_driver(opts)), NtStatus::Success);
  }

  fs::path root() const { return tmp.path() / "share"; }
  void put(const std::string& rel, std::string_view content) { tmp.write("share/" + rel, content); }
  std::string get(const std::string& rel) const { return tmp.read("share/" + rel); }
  bool exists(const std::string& rel) const { return fs::exists(root() / rel); }

  struct Opened {
    IoStatusBlock iosb;
    FileHandle handle;
    NtStatus status() const { return iosb.status; }
    explicit operator bool() const { return static_cast<bool>(handle); }
  };

  Opened open(const std::string& path, uint32_t desired, CreateDisposition disp,
              uint32_t options = 0, uint32_t share_mode = share::kAll, uint32_t attrs = 0,
              std::shared_ptr<const SecurityContext> who = nullptr) {
    CreateArgs a;
    a.path = "\\pvfs\\" + path;
    a.desired_access = desired;
    a.disposition = disp;
    a.create_options = options;
    a.share_access = share_mode;
    a.file_attributes = attrs;
    a.security = std::move(who);
    Opened o;
    auto r = io.create_file(std::move(a), &o.iosb);
    if (r) o.handle = std::move(*r);
    return o;
  }
  // Opens that must succeed.
  FileHandle must_open(const std::string& path, uint32_t desired = access::kGenericAll,
                       CreateDisposition disp = CreateDisposition::Open, uint32_t options = 0,
                       uint32_t share_mode = share::kAll) {
    auto o = open(path, desired, disp, options, share_mode);
    EXPECT_EQ(o.status(), NtStatus::Success) << path << ": " << ntstatus_name(o.status());
    return std::move(o.handle);
  }

  NtStatus close(FileHandle h) { return io.close_file(std::move(h)).status; }

  IoStatusBlock write(const FileHandle& h, std::string_view data, uint64_t off = 0) {
    return io.write_file(h, bytes(data), off);
  }
  std::string read(const FileHandle& h, size_t len, uint64_t off, IoStatusBlock* sb = nullptr) {
    std::string buf(len, '\0');
    auto r = io.read_file(h, std::as_writable_bytes(std::span<char>(buf)), off);
    if (sb) *sb = r;
    buf.resize(nt_success(r.status) ? r.information : 0);
    return buf;
  }

  IoStatusBlock query(const FileHandle& h, FileInfoClass cls, std::vector<std::byte>& buf) {
    return io.query_information(h, cls, buf);
  }
  IoStatusBlock set_info(const FileHandle& h, FileInfoClass cls, std::span<const std::byte> b) {
    return io.set_information(h, cls, b);
  }
  IoStatusBlock set_disposition(const FileHandle& h, bool pending) {
    std::vector<std::byte> b(1);
    EXPECT_TRUE(proto::fscc::encode(proto::fscc::DispositionInfo{pending}, b).ok());
    return set_info(h, FileInfoClass::Disposition, b);
  }

  // Every name of a directory listing, in one class, in chunks of `bufsize`.
  std::vector<std::string> list(const FileHandle& dir, const std::string& pattern,
                                FileInfoClass cls = FileInfoClass::BothDirectory,
                                size_t bufsize = 4096, NtStatus* end = nullptr) {
    std::vector<std::string> names;
    uint8_t flags = query_directory_flag::kRestartScans;
    for (int guard = 0; guard < 10000; ++guard) {
      std::vector<std::byte> buf(bufsize);
      auto sb = io.query_directory(dir, cls, pattern, flags, buf);
      flags = 0;
      if (sb.status != NtStatus::Success) {
        if (end) *end = sb.status;
        break;
      }
      auto entries = proto::fscc::decode_directory(cls, std::span(buf).first(sb.information));
      EXPECT_TRUE(entries.ok());
      if (!entries) break;
      for (auto& e : *entries) names.push_back(*proto::fscc::utf16_to_utf8(e.file_name));
    }
    return names;
  }

  TempDir tmp;
  IoManager io;
};

}  // namespace lwsmb::test
