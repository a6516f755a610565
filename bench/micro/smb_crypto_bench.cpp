// SMB signing (HMAC-SHA256, AES-128-CMAC, AES-128-GMAC) and SMB 3 encryption (AES-128/256-CCM
// and -GCM, in place) over 64 KiB and 1 MiB messages, with bytes/second: what the server spends
// per READ/WRITE payload on a signed or encrypted session.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "lwsmb/auth/smb_crypto.hpp"
#include "lwsmb/auth/smb_encryption.hpp"

namespace {

using namespace lwsmb;
using namespace lwsmb::auth;

std::vector<std::byte> filled(size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
  return v;
}

void BM_Sign(benchmark::State& state, SigningAlgorithm alg) {
  const auto size = static_cast<size_t>(state.range(0));
  auto msg = filled(size, 1);
  msg[0] = std::byte{0xfe};  // an SMB2 header's ProtocolId
  msg[1] = std::byte{'S'};
  msg[2] = std::byte{'M'};
  msg[3] = std::byte{'B'};
  const auto key = filled(16, 7);
  for (auto _ : state) {
    if (sign_message(msg, key, alg) != NtStatus::Success) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(msg.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

void BM_Encrypt(benchmark::State& state, SmbCipher cipher) {
  const auto size = static_cast<size_t>(state.range(0));
  auto data = filled(size, 3);
  const auto key = filled(cipher_key_size(cipher), 9);
  const auto nonce = filled(cipher_nonce_size(cipher), 5);
  const auto aad = filled(32, 11);  // the transform header from Nonce on
  for (auto _ : state) {
    auto tag = smb_encrypt(cipher, key, nonce, aad, data);
    if (!tag) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(tag);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

void BM_Decrypt(benchmark::State& state, SmbCipher cipher) {
  const auto size = static_cast<size_t>(state.range(0));
  const auto plain = filled(size, 3);
  const auto key = filled(cipher_key_size(cipher), 9);
  const auto nonce = filled(cipher_nonce_size(cipher), 5);
  const auto aad = filled(32, 11);
  auto sealed = plain;
  auto tag = smb_encrypt(cipher, key, nonce, aad, sealed);
  if (!tag) {
    state.SkipWithError("encrypt failed");
    return;
  }
  std::vector<std::byte> work(size);
  for (auto _ : state) {
    // Decryption is in place: start each round from the sealed bytes (a memcpy, a few % of it).
    std::copy(sealed.begin(), sealed.end(), work.begin());
    if (smb_decrypt(cipher, key, nonce, aad, work, *tag) != NtStatus::Success) {
      state.SkipWithError("decrypt failed");
    }
    benchmark::DoNotOptimize(work.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

constexpr int64_t k64K = 64 * 1024;
constexpr int64_t k1M = 1024 * 1024;

BENCHMARK_CAPTURE(BM_Sign, hmac_sha256, SigningAlgorithm::HmacSha256)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Sign, aes128_cmac, SigningAlgorithm::AesCmac)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Sign, aes128_gmac, SigningAlgorithm::AesGmac)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Encrypt, aes128_ccm, SmbCipher::Aes128Ccm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Encrypt, aes128_gcm, SmbCipher::Aes128Gcm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Encrypt, aes256_ccm, SmbCipher::Aes256Ccm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Encrypt, aes256_gcm, SmbCipher::Aes256Gcm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Decrypt, aes128_ccm, SmbCipher::Aes128Ccm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Decrypt, aes128_gcm, SmbCipher::Aes128Gcm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Decrypt, aes256_ccm, SmbCipher::Aes256Ccm)->Arg(k64K)->Arg(k1M);
BENCHMARK_CAPTURE(BM_Decrypt, aes256_gcm, SmbCipher::Aes256Gcm)->Arg(k64K)->Arg(k1M);

}  // namespace
