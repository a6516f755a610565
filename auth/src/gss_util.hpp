// Small RAII and helpers over MIT GSSAPI for the Kerberos acceptor and initiator.
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::auth::gss {

// gss_buffer_desc filled by GSSAPI and released with gss_release_buffer.
class OwnedBuffer {
 public:
  OwnedBuffer() = default;
  ~OwnedBuffer();
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;
  gss_buffer_t get() { return &b_; }
  std::vector<std::byte> bytes() const;
  std::string str() const;

 private:
  gss_buffer_desc b_{0, nullptr};
};

class Name {
 public:
  Name() = default;
  ~Name();
  Name(const Name&) = delete;
  Name& operator=(const Name&) = delete;
  gss_name_t* out() { return &n_; }
  gss_name_t get() const { return n_; }
  std::string display() const;  // "" on failure

 private:
  gss_name_t n_ = GSS_C_NO_NAME;
};

class Cred {
 public:
  Cred() = default;
  ~Cred();
  Cred(const Cred&) = delete;
  Cred& operator=(const Cred&) = delete;
  gss_cred_id_t* out() { return &c_; }
  gss_cred_id_t get() const { return c_; }

 private:
  gss_cred_id_t c_ = GSS_C_NO_CREDENTIAL;
};

class Context {
 public:
  Context() = default;
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  gss_ctx_id_t* out() { return &c_; }
  gss_ctx_id_t get() const { return c_; }

 private:
  gss_ctx_id_t c_ = GSS_C_NO_CONTEXT;
};

// A read-only view of caller bytes as a gss_buffer_desc.
gss_buffer_desc view(std::span<const std::byte> data);
// "major/minor" status text for logs.
std::string status_text(OM_uint32 major, OM_uint32 minor);
// The krb5 mech OID set {gss_mech_krb5}.
gss_OID_set_desc* krb5_mech_set();
// GSS_C_INQ_SSPI_SESSION_KEY of an established context.
Result<std::vector<std::byte>> session_key(gss_ctx_id_t ctx);
Result<std::vector<std::byte>> get_mic(gss_ctx_id_t ctx, std::span<const std::byte> message);
bool verify_mic(gss_ctx_id_t ctx, std::span<const std::byte> message,
                std::span<const std::byte> mic);

}  // namespace lwsmb::auth::gss
