// lwbench: throughput and metadata benchmark against any SMB2/3 server through the rdr client
// driver, and side by side against a second server (--vs) with a table of medians and ratios.
//   lwbench //127.0.0.1/share -U user%pass -p 4450 --vs //127.0.0.1/share -p2 4451 seqread meta
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench_target.hpp"
#include "idle_sessions.hpp"
#include "workloads.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::bench;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string json_samples(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + json_number(v[i]);
  return s + "]";
}

// CLI11 takes only one-letter short options; the documented -U2 / -p2 become long ones.
std::vector<std::string> normalize_args(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {
    std::string a = argv[i];
    if (a == "-U2") a = "--user2";
    if (a == "-p2") a = "--port2";
    args.push_back(a);
  }
  return args;  // CLI11 wants them in reverse order
}

// One progress line on stderr: rewritten in place on a terminal, one line per step otherwise
// (logs and tests). An empty text ends it.
void progress(const std::string& text) {
  static const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) {
    std::fprintf(stderr, "\r\033[K%s%s", text.empty() ? "" : "lwbench: ", text.c_str());
  } else if (!text.empty()) {
    std::fprintf(stderr, "lwbench: %s\n", text.c_str());
  }
  std::fflush(stderr);
}

struct Options {
  std::string unc_a, unc_b, user_a, user_b;
  uint16_t port_a = 445, port_b = 0;
  unsigned rounds = 3, workers = 2;
  bool sign = false, seal = false, keep = false;
  std::string json;
  std::vector<std::string> workloads;
  Params params;
  IdleParams idle;
};

void write_json(const Options& o, const std::vector<std::unique_ptr<Target>>& targets,
                const std::vector<std::string>& order,
                const std::map<std::string, std::vector<std::vector<double>>>& samples) {
  std::ofstream out(o.json);
  if (!out) throw BenchError("cannot write " + o.json);
  const auto& p = o.params;
  out << "{\n  \"tool\": \"lwbench\",\n  \"version\": " << json_string(LWSMB_VERSION) << ",\n";
  out << "  \"targets\": {";
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& s = targets[i]->spec();
    out << (i ? ", " : "") << json_string(targets[i]->label())
        << ": {\"unc\": " << json_string(s.unc) << ", \"port\": " << s.port << "}";
  }
  out << "},\n  \"sign\": " << (o.sign ? "true" : "false")
      << ",\n  \"seal\": " << (o.seal ? "true" : "false") << ",\n  \"rounds\": " << o.rounds
      << ",\n";
  out << "  \"params\": {\"file_size\": " << p.file_size << ", \"io_size\": " << p.io_size
      << ", \"qd\": " << p.qd << ", \"rand_file_size\": " << p.rand_file_size
      << ", \"rand_ops\": " << p.rand_ops << ", \"rand_qd\": " << p.rand_qd
      << ", \"meta_files\": " << p.meta_files << ", \"meta_dirs\": " << p.meta_dirs
      << ", \"listdir_entries\": " << p.listdir_entries
      << ", \"listdir_passes\": " << p.listdir_passes << ", \"connect_count\": " << p.connect_count
      << ", \"clients\": " << p.clients << ", \"client_bytes\": " << p.client_bytes << "},\n";
  out << "  \"results\": [";
  for (size_t w = 0; w < order.size(); ++w) {
    const auto& per = samples.at(order[w]);
    out << (w ? "," : "") << "\n    {\"workload\": " << json_string(order[w])
        << ", \"unit\": " << json_string(workload(order[w]).unit) << ", \"samples\": {";
    for (size_t i = 0; i < targets.size(); ++i)
      out << (i ? ", " : "") << json_string(targets[i]->label()) << ": " << json_samples(per[i]);
    out << "}, \"median\": {";
    for (size_t i = 0; i < targets.size(); ++i)
      out << (i ? ", " : "") << json_string(targets[i]->label()) << ": "
          << json_number(median(per[i]));
    out << "}";
    if (targets.size() == 2) {
      const double b = median(per[1]);
      out << ", \"ratio\": " << (b > 0 ? json_number(median(per[0]) / b) : "null");
    }
    out << "}";
  }
  out << "\n  ]\n}\n";
  if (!out.flush()) throw BenchError("cannot write " + o.json);
}

void print_table(const std::vector<std::unique_ptr<Target>>& targets,
                 const std::vector<std::string>& order,
                 const std::map<std::string, std::vector<std::vector<double>>>& samples) {
  for (const auto& t : targets)
    std::printf("%s = %s port %u\n", t->label().c_str(), t->spec().unc.c_str(),
                unsigned(t->spec().port));
  if (targets.size() == 2) {
    std::printf("%-12s %-6s %12s %12s %7s\n", "workload", "unit", "median A", "median B", "A/B");
  } else {
    std::printf("%-12s %-6s %12s\n", "workload", "unit", "median A");
  }
  for (const auto& name : order) {
    const auto& per = samples.at(name);
    const double a = median(per[0]);
    if (targets.size() == 2) {
      const double b = median(per[1]);
      std::printf("%-12s %-6s %12.1f %12.1f %7.2f\n", name.c_str(), workload(name).unit, a, b,
                  b > 0 ? a / b : 0.0);
    } else {
      std::printf("%-12s %-6s %12.1f\n", name.c_str(), workload(name).unit, a);
    }
  }
  std::fflush(stdout);
}

int run_all(Options& o) {
  std::vector<std::unique_ptr<Target>> targets;
  auto make = [&](const std::string& unc, uint16_t port, const std::string& user,
                  const std::string& label) {
    TargetSpec spec = parse_target(unc, port);
    parse_user(user, spec.rdr.credentials);
    spec.rdr.sign = o.sign;
    spec.rdr.seal = o.seal;
    spec.rdr.default_port = port;
    targets.push_back(std::make_unique<Target>(std::move(spec), label, o.workers));
  };
  make(o.unc_a, o.port_a, o.user_a, "A");
  if (!o.unc_b.empty()) {
    make(o.unc_b, o.port_b ? o.port_b : o.port_a, o.user_b.empty() ? o.user_a : o.user_b, "B");
  }
  // "all" and repeats: each workload once, in the documented order.
  std::set<std::string> chosen(o.workloads.begin(), o.workloads.end());
  std::vector<std::string> order;
  for (const auto& w : all_workloads())
    if (chosen.count("all") || chosen.count(w.name)) order.push_back(w.name);
  chosen = std::set<std::string>(order.begin(), order.end());

  std::map<std::string, std::vector<std::vector<double>>> samples;
  for (const auto& w : order) samples[w].resize(targets.size());
  int rc = 0;
  size_t set_up = 0;
  try {
    for (auto& t : targets) {
      progress("setup on " + t->label() + " (" + t->spec().unc + ")");
      ++set_up;
      setup(*t, o.params, chosen);
    }
    for (unsigned r = 1; r <= o.rounds; ++r) {
      for (const auto& w : order) {
        // Alternate who goes first so that neither always meets a warm (or tired) machine.
        for (size_t k = 0; k < targets.size(); ++k) {
          const size_t i = (r % 2 == 1) ? k : targets.size() - 1 - k;
          auto& t = *targets[i];
          progress("round " + std::to_string(r) + "/" + std::to_string(o.rounds) + ": " + w +
                   " on " + t.label());
          const double v = run(t, o.params, w);
          samples[w][i].push_back(v);
          progress("");
          std::printf("round %u %-12s %s %12.1f %s\n", r, w.c_str(), t.label().c_str(), v,
                      workload(w).unit);
          std::fflush(stdout);
        }
      }
    }
    progress("");
    print_table(targets, order, samples);
    if (!o.json.empty()) write_json(o, targets, order, samples);
  } catch (const BenchError& e) {
    progress("");
    std::fprintf(stderr, "lwbench: %s\n", e.what());
    rc = 1;
  }
  if (!o.keep) {
    for (size_t i = 0; i < set_up; ++i) cleanup(*targets[i], o.params, chosen);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string help_workloads = "Workloads (any of them, or all):\n";
  for (const auto& w : all_workloads())
    help_workloads += std::string("  ") + w.name + " (" + w.unit + "): " + w.help + "\n";
  help_workloads += "  all: every workload above, in this order\n";
  help_workloads +=
      "  idle: on its own, without --vs: hold --sessions idle sessions (each its own connection,\n"
      "    session and tree connect), time --echoes ECHO round trips on one more connection\n"
      "    (p50/p99), and with --server-pid read the server's resident memory (the process and\n"
      "    its descendants) before and while they are held\n";
  CLI::App app{
      "lwbench: benchmark SMB2/3 servers through the lwsmb client driver (\\rdr).\n"
      "With --vs, runs each workload against A and B in turn for --rounds rounds and prints\n"
      "the median of each and the ratio A/B. Sizes take suffixes K, M, G (powers of 1024).\n"
      "MB/s means 10^6 bytes per second."};
  app.footer(help_workloads);
  // A later option wins, so that scripts can append overrides (vs-samba.sh -- --qd 16).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string("lwbench ") + LWSMB_VERSION);
  app.add_option("target", o.unc_a, "Server A as //host/share")->required();
  std::vector<std::string> names = {"all", "idle"};
  for (const auto& w : all_workloads()) names.push_back(w.name);
  app.add_option("workloads", o.workloads, "Workloads to run (see below)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::IsMember(names));
  app.add_option("-U,--user", o.user_a, "Credentials for A as [DOMAIN\\]USER[%PASSWORD]");
  app.add_option("-p,--port", o.port_a, "TCP port of A")->capture_default_str();
  app.add_option("--vs", o.unc_b, "Server B as //host/share, run side by side with A");
  app.add_option("--user2", o.user_b, "Credentials for B (also -U2; default: those of A)");
  app.add_option("--port2", o.port_b, "TCP port of B (also -p2; default: that of A)");
  app.add_option("--rounds", o.rounds, "Samples per workload and server")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--json", o.json, "Write every sample, the medians and ratios to FILE");
  app.add_flag("--sign", o.sign, "Require SMB signing");
  app.add_flag("--seal", o.seal, "Require SMB3 encryption");
  app.add_option("--workers", o.workers, "I/O manager event loops per server")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  app.add_flag("--keep", o.keep, "Leave the scratch directory lwbench-PID-A (-B) on the share");
  auto& p = o.params;
  auto size_opt = [&](const char* name, uint64_t& v, const char* help) {
    app.add_option(name, v, help)->capture_default_str()->transform(CLI::AsSizeValue(false));
  };
  size_opt("--file-size", p.file_size, "seqread/seqwrite file size");
  size_opt("--io-size", p.io_size, "seqread/seqwrite/concurrency request size");
  app.add_option("--qd", p.qd, "seqread/seqwrite requests in flight")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  size_opt("--rand-file-size", p.rand_file_size, "randread/randwrite file size");
  app.add_option("--rand-ops", p.rand_ops, "4 KiB requests per randread/randwrite sample")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}));
  app.add_option("--rand-qd", p.rand_qd, "randread/randwrite requests in flight")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  app.add_option("--meta-files", p.meta_files, "meta: files per sample")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10000000}));
  app.add_option("--meta-dirs", p.meta_dirs, "meta: directories the files spread over")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--listdir-entries", p.listdir_entries, "listdir: files in the directory")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10000000}));
  app.add_option("--listdir-passes", p.listdir_passes, "listdir: full listings per sample")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--connect-count", p.connect_count, "connect: sessions per sample")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  app.add_option("--clients", p.clients, "concurrency: clients at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  size_opt("--client-bytes", p.client_bytes, "concurrency: bytes each client reads");
  app.add_option("--sessions", o.idle.sessions, "idle: sessions held at once")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000}));
  app.add_option("--echoes", o.idle.echoes, "idle: ECHO round trips timed while they are held")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10000000}));
  app.add_option("--server-pid", o.idle.server_pid,
                 "idle: the server's process id, for its resident memory (local servers only)")
      ->check(CLI::Range(1, 1 << 30));

  try {
    app.parse(normalize_args(argc, argv));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (p.io_size < 512 || p.io_size > (64u << 20)) {
    std::fprintf(stderr, "lwbench: --io-size must be 512 bytes .. 64 MiB\n");
    return 2;
  }
  if (p.file_size < p.io_size || p.rand_file_size < 4096) {
    std::fprintf(stderr, "lwbench: --file-size must hold one --io-size; --rand-file-size >= 4K\n");
    return 2;
  }
  const bool idle = std::find(o.workloads.begin(), o.workloads.end(), "idle") != o.workloads.end();
  if (idle && (o.workloads.size() != 1 || !o.unc_b.empty() || o.sign || o.seal)) {
    std::fprintf(stderr,
                 "lwbench: idle runs on its own: no other workload, --vs, --sign or --seal\n");
    return 2;
  }
  try {
    if (idle) {
      TargetSpec spec = parse_target(o.unc_a, o.port_a);
      parse_user(o.user_a, spec.rdr.credentials);
      return run_idle(spec, o.idle);
    }
    return run_all(o);
  } catch (const BenchError& e) {
    std::fprintf(stderr, "lwbench: %s\n", e.what());
    return 2;
  }
}
