// Extended attributes of pvfs files (MS-FSA 2.1.5.14.4 set, 2.1.5.11 query): each EA is one
// "user.lwsmb.ea.<NAME>" extended attribute, the name upper-cased (NT EA names are
// case-insensitive and Windows reports them in capitals), the value its Flags byte followed
// by the data.
#pragma once

#include <vector>

#include "lwsmb/iocore/result.hpp"
#include "lwsmb/proto/fscc_ea.hpp"

namespace lwsmb::server::pvfs {

// All EAs of a file (any fd, O_PATH too), in name order.
Result<std::vector<proto::fscc::FullEa>> load_eas(int fd);

// Applies a list: an empty value removes that EA, any other sets it. Names are checked first
// (STATUS_INVALID_EA_NAME) so that a bad list changes nothing.
NtStatus apply_eas(int fd, const std::vector<proto::fscc::FullEa>& list);

// Removes every EA (a superseded or overwritten file starts without them).
NtStatus remove_all_eas(int fd);

// FileEaInformation.EaSize (MS-FSCC 2.4.12): the bytes the list takes, 0 with no EAs.
uint32_t ea_size(int fd);

}  // namespace lwsmb::server::pvfs
