// Small pieces the file handlers share.
#pragma once

#include <memory>
#include <string>

#include "lwsmb/iocore/task.hpp"
#include "lwsmb/proto/smb2_header.hpp"

namespace lwsmb::server {

class SmbConnection;

// What CREATE and CLOSE report about a file (FileNetworkOpenInformation + FileInternal).
struct FileFacts {
  int64_t creation_time = 0;
  int64_t last_access_time = 0;
  int64_t last_write_time = 0;
  int64_t change_time = 0;
  int64_t allocation_size = 0;
  int64_t end_of_file = 0;
  uint32_t attributes = 0;
  bool directory = false;
  uint64_t file_id = 0;
  uint64_t volume_id = 0;
};

// The times, sizes and attributes CREATE and CLOSE responses share (MS-SMB2 2.2.14, 2.2.16).
template <class Response>
void copy_facts(const FileFacts& f, Response& r) {
  r.creation_time = f.creation_time;
  r.last_access_time = f.last_access_time;
  r.last_write_time = f.last_write_time;
  r.change_time = f.change_time;
  r.allocation_size = f.allocation_size;
  r.end_of_file = f.end_of_file;
  r.file_attributes = f.attributes;
}

Task<NtStatus> query_facts(SmbConnection& conn, const FileHandle& file, FileFacts* out);

// MS-SMB2 3.3.5.12/13: the length must fit the negotiated maximum and, from 2.1 on, the
// request's CreditCharge (one credit per 64 KiB).
NtStatus check_io_size(SmbConnection& conn, const proto::smb2::Header& h, uint32_t length);

// The Unix account of that name with its groups; null when there is none.
std::shared_ptr<const SecurityContext> lookup_unix_identity(const std::string& user);

// The identity of a share's "force user".
std::shared_ptr<const SecurityContext> forced_identity(
    const std::string& user, const std::shared_ptr<const SecurityContext>& fallback);

}  // namespace lwsmb::server
