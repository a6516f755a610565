// lwio: drives the I/O manager directly, like the design talk's test_pvfs.
//   lwio cat '\pvfs\etc\hosts'
// Every command goes through IoCreateFile / IoReadFile / ... on IRPs to the drivers.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "lwsmb/fuse_rdr/rdr.hpp"
#include "lwsmb/iocore/io_manager.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/server/pvfs_driver.hpp"

namespace {

using namespace lwsmb;
namespace fscc = lwsmb::proto::fscc;

size_t kChunk = 1 << 20;       // --block
bool g_kerberos_only = false;  // --sec krb5
unsigned g_pause_ms = 0;       // --pause-ms

// A plain reason for the errors a user meets when reaching a server (file-level errors keep
// just their NTSTATUS name).
const char* plain_reason(NtStatus st) {
  if (st == NtStatus::LogonFailure && g_kerberos_only)
    return "logon failure (no usable Kerberos ticket for cifs/SERVER; kinit?)";
  return fuse_rdr::rdr_error_reason(st);
}

// Failures print one line: "lwio: cat \pvfs\x: STATUS_OBJECT_NAME_NOT_FOUND (0xc0000034)",
// with a plain reason first where there is one.
int fail(const std::string& what, const std::string& path, NtStatus st) {
  const char* reason = plain_reason(st);
  std::fprintf(stderr, "lwio: %s %s: %s%s%s (0x%08x)\n", what.c_str(), path.c_str(),
               reason ? reason : "", reason ? ": " : "", std::string(ntstatus_name(st)).c_str(),
               static_cast<unsigned>(st));
  return 1;
}

// Shell users may type '/' for '\'; the I/O manager only knows backslashes.
std::string nt_path(std::string p) {
  for (auto& c : p)
    if (c == '/') c = '\\';
  return p;
}

Result<FileHandle> open(IoManager& io, const std::string& path, uint32_t access,
                        CreateDisposition disp, uint32_t options, uint32_t share = share::kAll) {
  CreateArgs args;
  args.path = path;
  args.desired_access = access;
  args.share_access = share;
  args.disposition = disp;
  args.create_options = options;
  args.security = std::make_shared<SecurityContext>(
      SecurityContext{static_cast<uint32_t>(geteuid()), static_cast<uint32_t>(getegid()), {}});
  return io.create_file(std::move(args));
}

std::string format_time(int64_t filetime) {
  int64_t sec;
  uint32_t nsec;
  fscc::unix_from_filetime(filetime, &sec, &nsec);
  std::time_t t = static_cast<std::time_t>(sec);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string attr_string(uint32_t a) {
  std::string s = "------";
  if (a & file_attribute::kDirectory) s[0] = 'd';
  if (a & file_attribute::kReadonly) s[1] = 'r';
  if (a & file_attribute::kHidden) s[2] = 'h';
  if (a & file_attribute::kSystem) s[3] = 's';
  if (a & file_attribute::kArchive) s[4] = 'a';
  if (a & file_attribute::kReparsePoint) s[5] = 'l';
  return s;
}

int cmd_cat(IoManager& io, const std::string& path) {
  auto f = open(io, path, access::kFileGenericRead, CreateDisposition::Open,
                create_option::kNonDirectoryFile);
  if (!f) return fail("cat", path, f.status());
  std::vector<std::byte> buf(kChunk);
  for (uint64_t off = 0;;) {
    auto st = io.read_file(*f, buf, off);
    if (st.status == NtStatus::EndOfFile) break;
    if (!nt_success(st.status)) return fail("cat", path, st.status);
    if (st.information == 0) break;
    if (std::fwrite(buf.data(), 1, st.information, stdout) != st.information) return 1;
    off += st.information;
  }
  auto st = io.close_file(std::move(*f));
  return nt_success(st.status) ? 0 : fail("cat", path, st.status);
}

int cmd_ls(IoManager& io, const std::string& path) {
  auto f = open(io, path, access::kReadData | access::kReadAttributes | access::kSynchronize,
                CreateDisposition::Open, create_option::kDirectoryFile);
  if (!f) return fail("ls", path, f.status());
  std::vector<std::byte> buf(64 * 1024);
  uint8_t flags = query_directory_flag::kRestartScans;
  for (;;) {
    auto st = io.query_directory(*f, FileInfoClass::IdBothDirectory, "*", flags, buf);
    flags = 0;
    if (st.status == NtStatus::NoMoreFiles || st.status == NtStatus::NoSuchFile) break;
    if (!nt_success(st.status)) return fail("ls", path, st.status);
    auto entries = fscc::decode_directory(FileInfoClass::IdBothDirectory,
                                          std::span(buf).first(st.information));
    if (!entries) return fail("ls", path, entries.status());
    for (const auto& e : *entries) {
      auto name = fscc::utf16_to_utf8(e.file_name).value_or("?");
      std::printf("%s %12lld  %s  %s\n", attr_string(e.attributes).c_str(),
                  static_cast<long long>(e.end_of_file), format_time(e.last_write_time).c_str(),
                  name.c_str());
    }
  }
  auto st = io.close_file(std::move(*f));
  return nt_success(st.status) ? 0 : fail("ls", path, st.status);
}

int cmd_stat(IoManager& io, const std::string& path) {
  auto f =
      open(io, path, access::kReadAttributes | access::kSynchronize, CreateDisposition::Open, 0);
  if (!f) return fail("stat", path, f.status());
  std::array<std::byte, 4096> buf{};
  auto st = io.query_information(*f, FileInfoClass::All, buf);
  if (!nt_success(st.status)) return fail("stat", path, st.status);
  auto all = fscc::decode_all(std::span(buf).first(st.information));
  if (!all) return fail("stat", path, all.status());
  std::printf("  File: %s\n", path.c_str());
  std::printf("  Size: %lld\tAllocation: %lld\tLinks: %u\tFileId: 0x%016llx\n",
              static_cast<long long>(all->standard.end_of_file),
              static_cast<long long>(all->standard.allocation_size), all->standard.number_of_links,
              static_cast<unsigned long long>(all->internal.index_number));
  std::printf("  Attributes: 0x%08x (%s)%s\n", all->basic.attributes,
              attr_string(all->basic.attributes).c_str(),
              all->standard.delete_pending ? " delete-pending" : "");
  std::printf("  Created: %s\n", format_time(all->basic.creation_time).c_str());
  std::printf("  Access:  %s\n", format_time(all->basic.last_access_time).c_str());
  std::printf("  Modify:  %s\n", format_time(all->basic.last_write_time).c_str());
  std::printf("  Change:  %s\n", format_time(all->basic.change_time).c_str());
  auto cst = io.close_file(std::move(*f));
  return nt_success(cst.status) ? 0 : fail("stat", path, cst.status);
}

int cmd_cp(IoManager& io, const std::string& src, const std::string& dst) {
  auto in = open(io, src, access::kFileGenericRead, CreateDisposition::Open,
                 create_option::kNonDirectoryFile);
  if (!in) return fail("cp", src, in.status());
  auto out = open(io, dst, access::kFileGenericWrite, CreateDisposition::OverwriteIf,
                  create_option::kNonDirectoryFile, share::kRead);
  if (!out) return fail("cp", dst, out.status());
  // Two buffers: the next block is read (an asynchronous IRP) while this one is written, so
  // both sides stay busy.
  struct ReadWait {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    IoStatusBlock st;
    IoStatusBlock wait() {
      std::unique_lock lock(m);
      cv.wait(lock, [this] { return done; });
      return st;
    }
  };
  std::array<std::vector<std::byte>, 2> bufs{std::vector<std::byte>(kChunk),
                                             std::vector<std::byte>(kChunk)};
  auto start_read = [&](std::vector<std::byte>& buf, uint64_t off) {
    auto w = std::make_shared<ReadWait>();
    io.call(*in, ReadArgs{buf, off, 0}, [w](Irp& irp) {
      std::lock_guard lock(w->m);
      w->st = irp.status_block();
      w->done = true;
      w->cv.notify_one();
    });
    return w;
  };
  size_t cur = 0;
  uint64_t off = 0;
  auto pending = start_read(bufs[cur], off);
  for (;;) {
    auto r = pending->wait();
    if (r.status == NtStatus::EndOfFile || (nt_success(r.status) && r.information == 0)) break;
    if (!nt_success(r.status)) return fail("cp", src, r.status);
    const uint64_t next = off + r.information;
    pending = start_read(bufs[cur ^ 1], next);
    if (g_pause_ms && off > 0) ::usleep(g_pause_ms * 1000u);
    auto w = io.write_file(*out, std::span(bufs[cur]).first(r.information), off);
    if (!nt_success(w.status) || w.information != r.information) {
      pending->wait();  // the buffer it fills must outlive it
      return fail("cp", dst, nt_success(w.status) ? NtStatus::DiskFull : w.status);
    }
    off = next;
    cur ^= 1;
  }
  auto fl = io.flush_file(*out);
  if (!nt_success(fl.status)) return fail("cp", dst, fl.status);
  auto c = io.close_file(std::move(*out));
  if (!nt_success(c.status)) return fail("cp", dst, c.status);
  return 0;
}

int cmd_rm(IoManager& io, const std::string& path, bool by_disposition) {
  auto f = open(io, path, access::kDelete | access::kReadAttributes, CreateDisposition::Open,
                by_disposition ? 0 : create_option::kDeleteOnClose, share::kAll);
  if (!f) return fail("rm", path, f.status());
  if (by_disposition) {
    // FileDispositionInformation: delete when the last handle closes (MS-FSCC 2.4.11).
    std::array<std::byte, 1> buf{std::byte{1}};
    auto st = io.set_information(*f, FileInfoClass::Disposition, buf);
    if (!nt_success(st.status)) return fail("rm", path, st.status);
  }
  auto st = io.close_file(std::move(*f));
  return nt_success(st.status) ? 0 : fail("rm", path, st.status);
}

// Rename within one share / namespace: target is the new path from its root.
int cmd_mv(IoManager& io, const std::string& path, const std::string& target) {
  auto f = open(io, path, access::kDelete | access::kReadAttributes | access::kSynchronize,
                CreateDisposition::Open, 0, share::kAll);
  if (!f) return fail("mv", path, f.status());
  fscc::RenameInfo ri;
  ri.replace_if_exists = true;
  auto name = fscc::utf8_to_utf16(target);
  if (!name) return fail("mv", target, NtStatus::ObjectNameInvalid);
  ri.file_name = *name;
  std::vector<std::byte> buf(fscc::encoded_size(ri));
  auto n = fscc::encode(ri, buf);
  if (!n) return fail("mv", path, n.status());
  auto st = io.set_information(*f, FileInfoClass::Rename, std::span(buf).first(*n));
  if (!nt_success(st.status)) return fail("mv", path, st.status);
  auto c = io.close_file(std::move(*f));
  return nt_success(c.status) ? 0 : fail("mv", path, c.status);
}

int cmd_truncate(IoManager& io, const std::string& path, int64_t size) {
  auto f = open(io, path, access::kWriteData | access::kReadAttributes | access::kSynchronize,
                CreateDisposition::Open, create_option::kNonDirectoryFile);
  if (!f) return fail("truncate", path, f.status());
  std::array<std::byte, 8> buf{};
  auto n = fscc::encode(fscc::EndOfFileInfo{size}, buf);
  if (!n) return fail("truncate", path, n.status());
  auto st = io.set_information(*f, FileInfoClass::EndOfFile, buf);
  if (!nt_success(st.status)) return fail("truncate", path, st.status);
  auto c = io.close_file(std::move(*f));
  return nt_success(c.status) ? 0 : fail("truncate", path, c.status);
}

int cmd_df(IoManager& io, const std::string& path) {
  auto f =
      open(io, path, access::kReadAttributes | access::kSynchronize, CreateDisposition::Open, 0);
  if (!f) return fail("df", path, f.status());
  std::array<std::byte, 64> buf{};
  auto st = io.query_volume_information(*f, FsInfoClass::FullSize, buf);
  if (!nt_success(st.status)) return fail("df", path, st.status);
  auto v = fscc::decode_fs_full_size(std::span(buf).first(st.information));
  if (!v) return fail("df", path, v.status());
  const auto unit = static_cast<long long>(v->sectors_per_allocation_unit) * v->bytes_per_sector;
  std::printf("total %lld bytes, available %lld bytes\n",
              static_cast<long long>(v->total_allocation_units) * unit,
              static_cast<long long>(v->caller_available_allocation_units) * unit);
  auto c = io.close_file(std::move(*f));
  return nt_success(c.status) ? 0 : fail("df", path, c.status);
}

// Byte-range locks through two opens of one file: the second open's lock must conflict while
// the first holds it and succeed once it is released. Prints each step's status.
int cmd_locktest(IoManager& io, const std::string& path) {
  const uint32_t acc = access::kReadData | access::kWriteData | access::kSynchronize;
  auto a = open(io, path, acc, CreateDisposition::OpenIf, create_option::kNonDirectoryFile);
  if (!a) return fail("locktest", path, a.status());
  auto b = open(io, path, acc, CreateDisposition::Open, create_option::kNonDirectoryFile);
  if (!b) return fail("locktest", path, b.status());
  LockRange r{0, 100, true};
  auto s1 = io.lock_file(*a, r, true);
  auto s2 = io.lock_file(*b, r, true);
  auto s3 = io.unlock_file(*a, r);
  auto s4 = io.lock_file(*b, r, true);
  auto s5 = io.unlock_file(*b, r);
  auto s6 = io.unlock_file(*b, r);
  for (auto* st : {&s1, &s2, &s3, &s4, &s5, &s6}) {
    std::printf("%s\n", std::string(ntstatus_name(st->status)).c_str());
  }
  io.close_file(std::move(*a));
  io.close_file(std::move(*b));
  return 0;
}

int cmd_mkdir(IoManager& io, const std::string& path) {
  auto f = open(io, path, access::kReadAttributes, CreateDisposition::Create,
                create_option::kDirectoryFile);
  if (!f) return fail("mkdir", path, f.status());
  auto st = io.close_file(std::move(*f));
  return nt_success(st.status) ? 0 : fail("mkdir", path, st.status);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "lwio: run I/O manager requests (IRPs) against the lwsmb drivers.\n"
      "Paths start with a driver's namespace, e.g. '\\pvfs\\etc\\hosts' ('/' works as '\\')."};
  app.set_version_flag("--version", std::string("lwio ") + LWSMB_VERSION);
  std::string pvfs_root = "/";
  unsigned workers = 1;
  app.add_option("--pvfs-root", pvfs_root, "Directory that \\pvfs maps to")
      ->capture_default_str()
      ->check(CLI::ExistingDirectory);
  app.add_option("--workers", workers, "I/O manager event loops")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  std::string user_pass, domain, vers;
  bool sign = false, seal = false;
  uint32_t rsize = 4u << 20, wsize = 4u << 20;
  size_t block = 0;
  app.add_option("-U,--user", user_pass,
                 "\\rdr credentials as USER[%PASSWORD] (else $LWIO_USER, $LWIO_PASSWORD; "
                 "none: anonymous)");
  app.add_option("-W,--domain", domain, "\\rdr logon domain");
  std::string sec = "ntlmssp", address;
  app.add_option("--sec", sec,
                 "\\rdr: authentication: ntlmssp, krb5 (Kerberos only, ticket from KRB5CCNAME) "
                 "or krb5+ntlmssp (Kerberos, else NTLMSSP)")
      ->capture_default_str()
      ->check(CLI::IsMember({"ntlmssp", "krb5", "krb5+ntlmssp"}));
  app.add_flag_callback(
      "-k,--kerberos", [&sec] { sec = "krb5"; }, "\\rdr: same as --sec krb5");
  app.add_option("-I,--ip", address,
                 "\\rdr: connect to this IP address instead of resolving the server name "
                 "(the name is still used for Kerberos: cifs/NAME)");
  app.add_flag("--sign", sign, "\\rdr: require SMB signing");
  app.add_flag("--seal", seal, "\\rdr: require SMB3 encryption");
  app.add_option("--vers", vers, "\\rdr: highest dialect: 2.0, 2.1, 3.0, 3.02, 3.1.1")
      ->check(CLI::IsMember({"2.0", "2.1", "3.0", "3.02", "3.1.1"}));
  app.add_option("--rsize", rsize, "\\rdr: largest READ per request")
      ->check(CLI::Range(4096u, 8u << 20));
  app.add_option("--wsize", wsize, "\\rdr: largest WRITE per request")
      ->check(CLI::Range(4096u, 8u << 20));
  app.add_option("--pause-ms", g_pause_ms,
                 "cp: pause before each block after the first (tests that act during a copy)")
      ->check(CLI::Range(0u, 60000u));
  app.add_option("--block", block,
                 "Bytes per read/write IRP in cp and cat (default 1 MiB, 16 MiB for \\rdr)")
      ->check(CLI::Range(size_t{4096}, size_t{256} << 20));
  app.require_subcommand(1);

  std::string a, b;
  auto* cat = app.add_subcommand("cat", "Print a file to standard output");
  cat->add_option("path", a, "File to print")->required();
  auto* ls = app.add_subcommand("ls", "List a directory");
  ls->add_option("path", a, "Directory to list")->required();
  auto* stat = app.add_subcommand("stat", "Show a file's information (FileAllInformation)");
  stat->add_option("path", a, "File or directory")->required();
  auto* cp = app.add_subcommand("cp", "Copy a file from any namespace to any other");
  cp->add_option("source", a, "File to copy")->required();
  cp->add_option("dest", b, "Destination file (replaced if it exists)")->required();
  auto* rm = app.add_subcommand("rm", "Delete a file or an empty directory");
  rm->add_option("path", a, "File or directory")->required();
  bool rm_set_info = false;
  rm->add_flag("--set-info", rm_set_info,
               "Delete through FileDispositionInformation instead of FILE_DELETE_ON_CLOSE");
  int64_t size = 0;
  auto* mv = app.add_subcommand("mv", "Rename a file or directory within its share/namespace");
  mv->add_option("path", a, "File or directory")->required();
  mv->add_option("target", b, "New path from the root of the same share or namespace")->required();
  auto* truncate = app.add_subcommand("truncate", "Set a file's size");
  truncate->add_option("path", a, "File")->required();
  truncate->add_option("size", size, "New size in bytes")
      ->required()
      ->check(CLI::NonNegativeNumber);
  auto* df = app.add_subcommand("df", "Show the size and free space of a volume");
  df->add_option("path", a, "Any path on the volume")->required();
  auto* locktest = app.add_subcommand("locktest", "Byte-range lock conflicts between two opens");
  locktest->add_option("path", a, "File (created if missing)")->required();
  auto* mkdir = app.add_subcommand("mkdir", "Create a directory");
  mkdir->add_option("path", a, "Directory to create")->required();

  CLI11_PARSE(app, argc, argv);

  IoManager io(IoManagerOptions{.workers = workers});
  auto st = io.register_driver("\\pvfs", server::make_pvfs_driver({.root = pvfs_root}));
  if (!nt_success(st)) return fail("register", "\\pvfs", st);

  fuse_rdr::RdrOptions ropt;
  if (user_pass.empty()) {
    if (const char* u = std::getenv("LWIO_USER")) user_pass = u;
    if (const char* p = std::getenv("LWIO_PASSWORD")) {
      if (user_pass.find('%') == std::string::npos) user_pass += std::string("%") + p;
    }
  }
  if (auto pct = user_pass.find('%'); pct != std::string::npos) {
    ropt.credentials.user = user_pass.substr(0, pct);
    ropt.credentials.password = user_pass.substr(pct + 1);
  } else {
    ropt.credentials.user = user_pass;
  }
  if (auto bs = ropt.credentials.user.find_first_of("\\/"); bs != std::string::npos) {
    ropt.credentials.domain = ropt.credentials.user.substr(0, bs);
    ropt.credentials.user = ropt.credentials.user.substr(bs + 1);
  }
  if (!domain.empty()) ropt.credentials.domain = domain;
  ropt.credentials.kerberos = sec != "ntlmssp";
  ropt.credentials.ntlm = sec != "krb5";
  g_kerberos_only = sec == "krb5";
  ropt.address = address;
  ropt.sign = sign;
  ropt.seal = seal;
  ropt.rsize = rsize;
  ropt.wsize = wsize;
  if (vers == "2.0") ropt.max_dialect = 0x0202;
  if (vers == "2.1") ropt.max_dialect = 0x0210;
  if (vers == "3.0") ropt.max_dialect = 0x0300;
  if (vers == "3.02") ropt.max_dialect = 0x0302;
  if (vers == "3.1.1") ropt.max_dialect = 0x0311;
  st = io.register_driver("\\rdr", fuse_rdr::make_rdr_driver(std::move(ropt)));
  if (!nt_success(st)) return fail("register", "\\rdr", st);

  a = nt_path(a);
  b = nt_path(b);
  auto is_rdr = [](const std::string& p) {
    return p.size() >= 4 && (p.compare(0, 5, "\\rdr\\") == 0 || p.compare(0, 5, "\\RDR\\") == 0);
  };
  kChunk = block ? block : (is_rdr(a) || is_rdr(b)) ? size_t{16} << 20 : size_t{1} << 20;
  if (cat->parsed()) return cmd_cat(io, a);
  if (ls->parsed()) return cmd_ls(io, a);
  if (stat->parsed()) return cmd_stat(io, a);
  if (cp->parsed()) return cmd_cp(io, a, b);
  if (rm->parsed()) return cmd_rm(io, a, rm_set_info);
  if (mkdir->parsed()) return cmd_mkdir(io, a);
  if (mv->parsed()) return cmd_mv(io, a, nt_path(b));
  if (truncate->parsed()) return cmd_truncate(io, a, size);
  if (df->parsed()) return cmd_df(io, a);
  if (locktest->parsed()) return cmd_locktest(io, a);
  return 2;
}
