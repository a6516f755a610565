#include "lwsmb/fuse_rdr/rdr.hpp"

namespace lwsmb::fuse_rdr {

const char* rdr_error_reason(NtStatus st) {
  switch (st) {
    case NtStatus::ConnectionRefused:
      return "connection refused";
    case NtStatus::HostUnreachable:
      return "host unreachable";
    case NtStatus::BadNetworkPath:
      return "no such host";
    case NtStatus::IoTimeout:
      return "no answer from the server";
    case NtStatus::LogonFailure:
    case NtStatus::WrongPassword:
    case NtStatus::NoSuchUser:
      return "logon failure (wrong user name or password)";
    case NtStatus::AccountDisabled:
      return "account disabled";
    case NtStatus::AccessDenied:
    case NtStatus::NetworkAccessDenied:
      return "access denied";
    case NtStatus::BadNetworkName:
      return "no such share";
    case NtStatus::ConnectionDisconnected:
    case NtStatus::ConnectionReset:
      return "connection lost";
    default:
      return nullptr;
  }
}

}  // namespace lwsmb::fuse_rdr
