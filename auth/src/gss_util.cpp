#include "gss_util.hpp"

namespace lwsmb::auth::gss {

OwnedBuffer::~OwnedBuffer() {
  OM_uint32 minor = 0;
  if (b_.value) gss_release_buffer(&minor, &b_);
}

std::vector<std::byte> OwnedBuffer::bytes() const {
  const auto* p = static_cast<const std::byte*>(b_.value);
  return p ? std::vector<std::byte>(p, p + b_.length) : std::vector<std::byte>{};
}

std::string OwnedBuffer::str() const {
  return b_.value ? std::string(static_cast<const char*>(b_.value), b_.length) : std::string();
}

Name::~Name() {
  OM_uint32 minor = 0;
  if (n_ != GSS_C_NO_NAME) gss_release_name(&minor, &n_);
}

std::string Name::display() const {
  OM_uint32 minor = 0;
  OwnedBuffer buf;
  if (n_ == GSS_C_NO_NAME || gss_display_name(&minor, n_, buf.get(), nullptr) != GSS_S_COMPLETE) {
    return {};
  }
  return buf.str();
}

Cred::~Cred() {
  OM_uint32 minor = 0;
  if (c_ != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &c_);
}

Context::~Context() {
  OM_uint32 minor = 0;
  if (c_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &c_, GSS_C_NO_BUFFER);
}

gss_buffer_desc view(std::span<const std::byte> data) {
  gss_buffer_desc b;
  b.length = data.size();
  b.value = const_cast<std::byte*>(data.data());  // GSSAPI's input buffers are not written
  return b;
}

namespace {

void append_status(std::string& out, OM_uint32 code, int type, gss_OID mech) {
  OM_uint32 minor = 0, ctx = 0;
  do {
    OwnedBuffer msg;
    if (GSS_ERROR(gss_display_status(&minor, code, type, mech, &ctx, msg.get()))) break;
    if (!out.empty()) out += "; ";
    out += msg.str();
  } while (ctx != 0);
}

}  // namespace

std::string status_text(OM_uint32 major, OM_uint32 minor) {
  std::string out;
  append_status(out, major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) append_status(out, minor, GSS_C_MECH_CODE, const_cast<gss_OID>(gss_mech_krb5));
  return out;
}

gss_OID_set_desc* krb5_mech_set() {
  static gss_OID_set_desc set{1, const_cast<gss_OID>(gss_mech_krb5)};
  return &set;
}

Result<std::vector<std::byte>> session_key(gss_ctx_id_t ctx) {
  OM_uint32 minor = 0;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  OM_uint32 major = gss_inquire_sec_context_by_oid(&minor, ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
  if (GSS_ERROR(major) || set == GSS_C_NO_BUFFER_SET || set->count < 1 ||
      set->elements[0].length == 0) {
    if (set != GSS_C_NO_BUFFER_SET) gss_release_buffer_set(&minor, &set);
    return NtStatus::LogonFailure;
  }
  const auto* p = static_cast<const std::byte*>(set->elements[0].value);
  std::vector<std::byte> key(p, p + set->elements[0].length);
  gss_release_buffer_set(&minor, &set);
  return key;
}

Result<std::vector<std::byte>> get_mic(gss_ctx_id_t ctx, std::span<const std::byte> message) {
  if (ctx == GSS_C_NO_CONTEXT) return NtStatus::InvalidParameter;
  OM_uint32 minor = 0;
  gss_buffer_desc in = view(message);
  OwnedBuffer mic;
  if (GSS_ERROR(gss_get_mic(&minor, ctx, GSS_C_QOP_DEFAULT, &in, mic.get()))) {
    return NtStatus::InternalError;
  }
  return mic.bytes();
}

bool verify_mic(gss_ctx_id_t ctx, std::span<const std::byte> message,
                std::span<const std::byte> mic) {
  if (ctx == GSS_C_NO_CONTEXT) return false;
  OM_uint32 minor = 0;
  gss_buffer_desc in = view(message);
  gss_buffer_desc tok = view(mic);
  return gss_verify_mic(&minor, ctx, &in, &tok, nullptr) == GSS_S_COMPLETE;
}

}  // namespace lwsmb::auth::gss
