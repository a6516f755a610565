// Every decoder on random bytes from a fixed seed: it must return a value or one of the
// documented statuses, never crash or read out of bounds (run under ASan to check the latter).
#include <gtest/gtest.h>

#include <functional>

#include "lwsmb/proto/fscc.hpp"
#include "proto_test_util.hpp"

namespace lwsmb::proto::fscc {
namespace {

using test::Bytes;

template <class T>
NtStatus status_of(const Result<T>& r) {
  return r.status();
}

bool expected_status(NtStatus s) {
  return s == NtStatus::Success || s == NtStatus::InfoLengthMismatch ||
         s == NtStatus::InvalidParameter;
}

using Decoder = std::function<NtStatus(std::span<const std::byte>)>;

std::vector<std::pair<const char*, Decoder>> decoders() {
  std::vector<std::pair<const char*, Decoder>> d = {
      {"basic", [](auto in) { return status_of(decode_basic(in)); }},
      {"standard", [](auto in) { return status_of(decode_standard(in)); }},
      {"internal", [](auto in) { return status_of(decode_internal(in)); }},
      {"network_open", [](auto in) { return status_of(decode_network_open(in)); }},
      {"all", [](auto in) { return status_of(decode_all(in)); }},
      {"position", [](auto in) { return status_of(decode_position(in)); }},
      {"end_of_file", [](auto in) { return status_of(decode_end_of_file(in)); }},
      {"allocation", [](auto in) { return status_of(decode_allocation(in)); }},
      {"disposition", [](auto in) { return status_of(decode_disposition(in)); }},
      {"rename", [](auto in) { return status_of(decode_rename(in)); }},
      {"fs_size", [](auto in) { return status_of(decode_fs_size(in)); }},
      {"fs_full_size", [](auto in) { return status_of(decode_fs_full_size(in)); }},
      {"fs_attribute", [](auto in) { return status_of(decode_fs_attribute(in)); }},
      {"fs_device", [](auto in) { return status_of(decode_fs_device(in)); }},
      {"fs_volume", [](auto in) { return status_of(decode_fs_volume(in)); }},
  };
  for (auto cls :
       {FileInfoClass::Directory, FileInfoClass::FullDirectory, FileInfoClass::BothDirectory,
        FileInfoClass::IdBothDirectory, FileInfoClass::IdFullDirectory, FileInfoClass::Names}) {
    d.emplace_back("directory", [cls](auto in) { return status_of(decode_directory(cls, in)); });
  }
  return d;
}

TEST(FsccGarbage, RandomBytesNeverCrash) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<size_t> len(0, 300);
  size_t successes = 0;
  size_t failures = 0;
  for (const auto& [name, decode] : decoders()) {
    for (int iter = 0; iter < 3000; ++iter) {
      Bytes b = test::random_bytes(rng, len(rng));
      // Half the time shrink embedded lengths so that some inputs parse further.
      if (iter % 2 && b.size() >= 4) {
        for (size_t off = 0; off + 4 <= b.size(); off += 4) {
          if (std::to_integer<int>(b[off]) < 64) test::put32(b, off, std::to_integer<int>(b[off]));
        }
      }
      const NtStatus s = decode(b);
      EXPECT_TRUE(expected_status(s)) << name << " gave 0x" << std::hex << static_cast<uint32_t>(s);
      (s == NtStatus::Success ? successes : failures)++;
    }
  }
  // The generator reaches both outcomes (fixed-size decoders accept any long-enough input).
  EXPECT_GT(successes, 0u);
  EXPECT_GT(failures, 0u);
}

TEST(FsccGarbage, MutatedValidEncodingsNeverCrash) {
  AllInfo all;
  all.file_name = u"\\some\\path.bin";
  Bytes a(encoded_size(all));
  ASSERT_TRUE(encode(all, std::span(a)).ok());
  FsVolumeInfo vol{1, 2, true, u"VOLUME"};
  Bytes v(encoded_size(vol));
  ASSERT_TRUE(encode(vol, std::span(v)).ok());

  std::mt19937 rng(7);
  for (int iter = 0; iter < 5000; ++iter) {
    for (Bytes* base : {&a, &v}) {
      Bytes m = *base;
      std::uniform_int_distribution<size_t> pos(0, m.size() - 1);
      for (int k = 0; k < 4; ++k) m[pos(rng)] = static_cast<std::byte>(rng());
      m.resize(pos(rng) + 1);
      NtStatus s = base == &a ? decode_all(m).status() : decode_fs_volume(m).status();
      EXPECT_TRUE(expected_status(s));
    }
  }
}

}  // namespace
}  // namespace lwsmb::proto::fscc
