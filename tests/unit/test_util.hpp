// Helpers shared by the unit tests.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lwsmb::test {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  explicit TempDir(const std::string& base);  // under `base` (empty: $TMPDIR, or /tmp)
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes a file (creating parent folders) relative to the directory.
  void write(std::string_view rel, std::string_view content) const;
  std::string read(std::string_view rel) const;

 private:
  std::filesystem::path path_;
};

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace lwsmb::test
