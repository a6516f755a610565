// srvsvc server stubs (MS-SRVS 3.1.4.8 NetrShareEnum, 3.1.4.10 NetrShareGetInfo, 3.1.4.17
// NetrServerGetInfo) and the NetrShareEnum / NetrServerGetInfo client stubs. NDR 2.0: top-level
// [out] parameters in order; embedded pointers' referents follow their structure (or array).
#include "lwsmb/rpc/srvsvc.hpp"

#include <algorithm>
#include <cctype>

#include "lwsmb/rpc/ndr.hpp"

namespace lwsmb::rpc {

namespace {

constexpr uint32_t kPlatformIdNt = 500;
// SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_SERVER_UNIX | SV_TYPE_NT | SV_TYPE_SERVER_NT
constexpr uint32_t kServerType = 0x00000001 | 0x00000002 | 0x00000800 | 0x00001000 | 0x00008000;

bool valid_level(uint32_t level) {
  return level == 0 || level == 1 || level == 2 || level == 501 || level == 502;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "C:\srv\share", as Windows clients expect a share path to look.
std::string dos_path(const std::string& path) {
  if (path.empty()) return {};
  std::string out = "C:";
  for (char c : path) out += c == '/' ? '\\' : c;
  return out;
}

void put_string(NdrWriter& w, const std::string& s) {
  w.conformant_varying_string(utf8_to_utf16(s));
}

// SHARE_INFO_<level>: the fixed part (pointers as referent ids) ...
void put_share_fixed(NdrWriter& w, const RpcShare& s, uint32_t level) {
  w.pointer(true);  // netname
  if (level == 0) return;
  w.u32(s.type);
  w.pointer(true);  // remark
  if (level == 1) return;
  if (level == 501) {
    w.u32(0);  // shi501_flags: manual caching
    return;
  }
  w.u32(0);           // permissions (ignored: user-level security)
  w.u32(0xFFFFFFFF);  // max_uses: unlimited
  w.u32(0);           // current_uses
  w.pointer(true);    // path
  w.pointer(false);   // passwd
  if (level == 502) {
    w.u32(0);          // reserved: the security descriptor's length
    w.pointer(false);  // security_descriptor
  }
}

// ... then the strings it points to.
void put_share_deferred(NdrWriter& w, const RpcShare& s, uint32_t level) {
  put_string(w, s.name);
  if (level == 0) return;
  put_string(w, s.comment);
  if (level == 2 || level == 502)
    put_string(w, s.type == share_type::kDiskTree ? dos_path(s.path) : "");
}

// A [unique, string] wchar_t* parameter.
bool get_unique_string(NdrReader& r, std::u16string* s) {
  bool present = false;
  if (!r.pointer(&present)) return false;
  if (present) return r.conformant_varying_string(s);
  s->clear();
  return true;
}

class Srvsvc : public RpcInterface {
 public:
  explicit Srvsvc(std::shared_ptr<const RpcServerInfo> info) : info_(std::move(info)) {}
  SyntaxId syntax() const override { return srvsvc_syntax(); }
  std::string_view name() const override { return "srvsvc"; }

  uint32_t invoke(uint16_t opnum, std::span<const std::byte> in, NdrWriter& out) override {
    switch (opnum) {
      case srvsvc_opnum::kNetrShareEnum:
        return share_enum(in, out);
      case srvsvc_opnum::kNetrShareGetInfo:
        return share_get_info(in, out);
      case srvsvc_opnum::kNetrServerGetInfo:
        return server_get_info(in, out);
      default:
        return fault::kOpRangeError;
    }
  }

 private:
  uint32_t share_enum(std::span<const std::byte> in, NdrWriter& w) {
    NdrReader r(in);
    std::u16string server;
    uint32_t level = 0, discriminant = 0, pref_max = 0, resume = 0, entries = 0;
    bool container = false, buffer = false, has_resume = false;
    if (!get_unique_string(r, &server) || !r.u32(&level) || !r.u32(&discriminant) ||
        !r.pointer(&container) || level != discriminant) {
      return fault::kBadStubData;
    }
    if (container) {
      if (!r.u32(&entries) || !r.pointer(&buffer)) return fault::kBadStubData;
      if (buffer) {
        // The client's (normally empty) array: only its size is read, and it must be empty.
        uint32_t count = 0;
        if (!r.array_count(&count, 4) || count != 0) return fault::kBadStubData;
      }
    }
    if (!r.u32(&pref_max) || !r.pointer(&has_resume)) return fault::kBadStubData;
    if (has_resume && !r.u32(&resume)) return fault::kBadStubData;
    if (!r.ok()) return fault::kBadStubData;

    std::vector<const RpcShare*> listed;
    for (const auto& s : info_->shares) {
      if (s.browseable) listed.push_back(&s);
    }
    w.u32(level);
    w.u32(level);
    if (!valid_level(level)) {
      w.pointer(false);
      w.u32(0);  // TotalEntries
      w.pointer(has_resume);
      if (has_resume) w.u32(0);
      w.u32(werror::kInvalidLevel);
      return 0;
    }
    w.pointer(true);  // the container
    w.u32(static_cast<uint32_t>(listed.size()));
    w.pointer(!listed.empty());
    if (!listed.empty()) {
      w.u32(static_cast<uint32_t>(listed.size()));  // the array's max_count
      for (const auto* s : listed) put_share_fixed(w, *s, level);
      for (const auto* s : listed) put_share_deferred(w, *s, level);
    }
    w.u32(static_cast<uint32_t>(listed.size()));  // TotalEntries
    w.pointer(has_resume);
    if (has_resume) w.u32(0);  // everything went in one answer
    w.u32(werror::kSuccess);
    return 0;
  }

  uint32_t share_get_info(std::span<const std::byte> in, NdrWriter& w) {
    NdrReader r(in);
    std::u16string server, net_name;
    uint32_t level = 0;
    if (!get_unique_string(r, &server) || !r.conformant_varying_string(&net_name) ||
        !r.u32(&level) || !r.ok()) {
      return fault::kBadStubData;
    }
    std::string name = utf16_to_utf8(net_name);
    const RpcShare* found = nullptr;
    for (const auto& s : info_->shares) {
      if (iequals(s.name, name)) found = &s;
    }
    w.u32(level);  // the union's discriminant
    if (!valid_level(level) || !found) {
      w.pointer(false);
      w.u32(found ? werror::kInvalidLevel : werror::kNetNameNotFound);
      return 0;
    }
    w.pointer(true);
    put_share_fixed(w, *found, level);
    put_share_deferred(w, *found, level);
    w.u32(werror::kSuccess);
    return 0;
  }

  uint32_t server_get_info(std::span<const std::byte> in, NdrWriter& w) {
    NdrReader r(in);
    std::u16string server;
    uint32_t level = 0;
    if (!get_unique_string(r, &server) || !r.u32(&level) || !r.ok()) return fault::kBadStubData;
    w.u32(level);
    if (level != 100 && level != 101) {
      w.pointer(false);
      w.u32(werror::kInvalidLevel);
      return 0;
    }
    w.pointer(true);
    w.u32(kPlatformIdNt);
    w.pointer(true);  // name
    if (level == 101) {
      w.u32(info_->version_major);
      w.u32(info_->version_minor);
      w.u32(kServerType);
      w.pointer(true);  // comment
    }
    put_string(w, info_->netbios_name);
    if (level == 101) put_string(w, info_->comment);
    w.u32(werror::kSuccess);
    return 0;
  }

  std::shared_ptr<const RpcServerInfo> info_;
};

class Wkssvc : public RpcInterface {
 public:
  explicit Wkssvc(std::shared_ptr<const RpcServerInfo> info) : info_(std::move(info)) {}
  SyntaxId syntax() const override { return wkssvc_syntax(); }
  std::string_view name() const override { return "wkssvc"; }

  uint32_t invoke(uint16_t opnum, std::span<const std::byte> in, NdrWriter& w) override {
    if (opnum != wkssvc_opnum::kNetrWkstaGetInfo) return fault::kOpRangeError;
    // MS-WKST 3.2.4.1 NetrWkstaGetInfo.
    NdrReader r(in);
    std::u16string server;
    uint32_t level = 0;
    if (!get_unique_string(r, &server) || !r.u32(&level) || !r.ok()) return fault::kBadStubData;
    w.u32(level);
    if (level != 100) {
      w.pointer(false);
      w.u32(werror::kInvalidLevel);
      return 0;
    }
    w.pointer(true);
    w.u32(kPlatformIdNt);
    w.pointer(true);  // computer name
    w.pointer(true);  // lan group
    w.u32(info_->version_major);
    w.u32(info_->version_minor);
    put_string(w, info_->netbios_name);
    put_string(w, info_->workgroup);
    w.u32(werror::kSuccess);
    return 0;
  }

 private:
  std::shared_ptr<const RpcServerInfo> info_;
};

// Client-side decoding of a string referent announced by a non-null pointer.
bool get_deferred(NdrReader& r, bool present, std::string* out) {
  if (!present) return true;
  std::u16string s;
  if (!r.conformant_varying_string(&s)) return false;
  *out = utf16_to_utf8(s);
  return true;
}

void put_server_name(NdrWriter& w, std::string_view server) {
  w.pointer(true);
  w.conformant_varying_string(utf8_to_utf16(server));
}

}  // namespace

const SyntaxId& srvsvc_syntax() {
  static const SyntaxId s{*Uuid::parse("4b324fc8-1670-01d3-1278-5a47bf6ee188"), 3, 0};
  return s;
}

const SyntaxId& wkssvc_syntax() {
  static const SyntaxId s{*Uuid::parse("6bffd098-a112-3610-9833-46c3f87e345a"), 1, 0};
  return s;
}

std::shared_ptr<RpcInterface> make_srvsvc_interface(std::shared_ptr<const RpcServerInfo> info) {
  return std::make_shared<Srvsvc>(std::move(info));
}

std::shared_ptr<RpcInterface> make_wkssvc_interface(std::shared_ptr<const RpcServerInfo> info) {
  return std::make_shared<Wkssvc>(std::move(info));
}

std::vector<std::byte> encode_share_enum_request(std::string_view server, uint32_t level) {
  NdrWriter w;
  put_server_name(w, server);
  w.u32(level);
  w.u32(level);
  w.pointer(true);  // an empty container of this level
  w.u32(0);
  w.pointer(false);
  w.u32(0xFFFFFFFF);  // PreferedMaximumLength: everything
  w.pointer(true);    // ResumeHandle
  w.u32(0);
  return w.take();
}

Result<ShareEnumResult> decode_share_enum_response(std::span<const std::byte> stub) {
  NdrReader r(stub);
  ShareEnumResult res;
  uint32_t discriminant = 0, entries = 0, count = 0, resume = 0;
  bool container = false, array = false, has_resume = false;
  if (!r.u32(&res.level) || !r.u32(&discriminant) || discriminant != res.level ||
      !r.pointer(&container)) {
    return NtStatus::InvalidParameter;
  }
  const uint32_t level = res.level;
  if (container) {
    if (!valid_level(level) || !r.u32(&entries) || !r.pointer(&array)) {
      return NtStatus::InvalidParameter;
    }
    if (array) {
      // Each fixed part is at least one referent id (4 bytes).
      if (!r.array_count(&count, 4) || count < entries) return NtStatus::InvalidParameter;
      struct Fixed {
        bool name = false, remark = false, path = false, passwd = false, sd = false;
        uint32_t sd_len = 0;
      };
      std::vector<Fixed> fixed(count);
      res.shares.resize(count);
      for (uint32_t i = 0; i < count; ++i) {
        auto& f = fixed[i];
        auto& s = res.shares[i];
        uint32_t skip = 0;
        r.pointer(&f.name);
        if (level != 0) {
          r.u32(&s.type);
          r.pointer(&f.remark);
        }
        if (level == 501) r.u32(&skip);
        if (level == 2 || level == 502) {
          r.u32(&skip);
          r.u32(&skip);
          r.u32(&skip);
          r.pointer(&f.path);
          r.pointer(&f.passwd);
        }
        if (level == 502) {
          r.u32(&f.sd_len);
          r.pointer(&f.sd);
        }
      }
      for (uint32_t i = 0; i < count && r.ok(); ++i) {
        auto& f = fixed[i];
        auto& s = res.shares[i];
        std::string passwd;
        if (!get_deferred(r, f.name, &s.name) || !get_deferred(r, f.remark, &s.comment) ||
            !get_deferred(r, f.path, &s.path) || !get_deferred(r, f.passwd, &passwd)) {
          return NtStatus::InvalidParameter;
        }
        if (f.sd) {
          uint32_t n = 0;
          if (!r.array_count(&n, 1)) return NtStatus::InvalidParameter;
          std::vector<std::byte> sd(n);
          r.bytes(sd);
        }
      }
    }
  }
  if (!r.u32(&res.total_entries) || !r.pointer(&has_resume)) return NtStatus::InvalidParameter;
  if (has_resume && !r.u32(&resume)) return NtStatus::InvalidParameter;
  if (!r.u32(&res.status) || !r.ok()) return NtStatus::InvalidParameter;
  return res;
}

std::vector<std::byte> encode_server_get_info_request(std::string_view server, uint32_t level) {
  NdrWriter w;
  put_server_name(w, server);
  w.u32(level);
  return w.take();
}

Result<ServerInfoResult> decode_server_get_info_response(std::span<const std::byte> stub) {
  NdrReader r(stub);
  ServerInfoResult res;
  bool info = false, name = false, comment = false;
  if (!r.u32(&res.level) || !r.pointer(&info)) return NtStatus::InvalidParameter;
  if (info) {
    if (res.level != 100 && res.level != 101) return NtStatus::InvalidParameter;
    r.u32(&res.platform_id);
    r.pointer(&name);
    if (res.level == 101) {
      r.u32(&res.version_major);
      r.u32(&res.version_minor);
      r.u32(&res.type);
      r.pointer(&comment);
    }
    if (!get_deferred(r, name, &res.name) || !get_deferred(r, comment, &res.comment)) {
      return NtStatus::InvalidParameter;
    }
  }
  if (!r.u32(&res.status) || !r.ok()) return NtStatus::InvalidParameter;
  return res;
}

}  // namespace lwsmb::rpc
