// The one logger: levels, one sink (stderr or a file), thread-safe. Library code logs through
// this and never prints.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace lwsmb::log {

enum class Level : int { Error = 0, Warning = 1, Notice = 2, Info = 3, Debug = 4, Trace = 5 };

void set_level(Level level);
Level level();
// Sends messages to a file (appending) instead of stderr; false when it cannot be opened.
bool set_file(const std::string& path);
bool enabled(Level level);
void write(Level level, std::string_view message);

template <class... Args>
void emit(Level lvl, const Args&... args) {
  if (!enabled(lvl)) return;
  std::ostringstream ss;
  (ss << ... << args);
  write(lvl, ss.str());
}

template <class... Args>
void error(const Args&... args) {
  emit(Level::Error, args...);
}
template <class... Args>
void warning(const Args&... args) {
  emit(Level::Warning, args...);
}
template <class... Args>
void notice(const Args&... args) {
  emit(Level::Notice, args...);
}
template <class... Args>
void info(const Args&... args) {
  emit(Level::Info, args...);
}
template <class... Args>
void debug(const Args&... args) {
  emit(Level::Debug, args...);
}

}  // namespace lwsmb::log
