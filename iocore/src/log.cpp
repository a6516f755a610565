#include "lwsmb/iocore/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

namespace lwsmb::log {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};

std::atomic<int> g_level{static_cast<int>(Level::Notice)};
std::mutex g_mutex;
std::unique_ptr<FILE, FileCloser> g_file;

const char* level_name(Level l) {
  switch (l) {
    case Level::Error:
      return "error";
    case Level::Warning:
      return "warning";
    case Level::Notice:
      return "notice";
    case Level::Info:
      return "info";
    case Level::Debug:
      return "debug";
    case Level::Trace:
      return "trace";
  }
  return "?";
}

}  // namespace

void set_level(Level level) {
  g_level.store(static_cast<int>(level));
}
Level level() {
  return static_cast<Level>(g_level.load());
}
bool enabled(Level l) {
  return static_cast<int>(l) <= g_level.load(std::memory_order_relaxed);
}

bool set_file(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "ae"));
  if (!f) return false;
  std::lock_guard lock(g_mutex);
  g_file = std::move(f);
  return true;
}

void write(Level l, std::string_view message) {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::lock_guard lock(g_mutex);
  FILE* out = g_file ? g_file.get() : stderr;
  std::fprintf(out, "[%s] %s: %.*s\n", stamp, level_name(l), static_cast<int>(message.size()),
               message.data());
  std::fflush(out);
}

}  // namespace lwsmb::log
