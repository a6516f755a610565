// Share-mode table (MS-FSA 2.1.5.1.2.2, "Algorithm to Check Sharing Access to an Existing Stream
// or Directory") and delete-pending bookkeeping shared by all opens of a file.
#include "pvfs/share_access.hpp"

#include "lwsmb/iocore/nt_constants.hpp"

namespace lwsmb::server::pvfs {
namespace {

constexpr uint32_t kReadBits = access::kReadData | access::kExecute;
constexpr uint32_t kWriteBits = access::kWriteData | access::kAppendData;
constexpr uint32_t kDeleteBits = access::kDelete;
constexpr uint32_t kSharedBits = kReadBits | kWriteBits | kDeleteBits;

// Does an open asking for `access` get past an existing open's `share` mode?
bool allowed_by(uint32_t access, uint32_t share) {
  if ((access & kReadBits) && !(share & share::kRead)) return false;
  if ((access & kWriteBits) && !(share & share::kWrite)) return false;
  if ((access & kDeleteBits) && !(share & share::kDelete)) return false;
  return true;
}

// An open of the file against the shadow of an open of one of its streams.
bool shadow_compatible(uint32_t access, uint32_t shadow_share) {
  return !(access & kDeleteBits) || (shadow_share & share::kDelete);
}

}  // namespace

bool share_compatible(uint32_t access, uint32_t share, uint32_t other_access,
                      uint32_t other_share) {
  // MS-FSA 2.1.5.1.2.2: both opens must carry a data or delete right to take part.
  if (!(access & kSharedBits) || !(other_access & kSharedBits)) return true;
  return allowed_by(access, other_share) && allowed_by(other_access, share);
}

NtStatus ShareModeTable::add(const FileKey& key, uint32_t access, uint32_t share, uint64_t* token) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it != files_.end()) {
    if (it->second.delete_pending) return NtStatus::DeletePending;
    for (const auto& [tok, open] : it->second.opens) {
      const bool ok = open.stream_shadow ? shadow_compatible(access, open.share)
                                         : share_compatible(access, share, open.access, open.share);
      if (!ok) return NtStatus::SharingViolation;
    }
  } else {
    it = files_.emplace(key, Entry{}).first;
  }
  const uint64_t t = next_token_++;
  it->second.opens.emplace(t, Open{access, share, false, false});
  if (token) *token = t;
  return NtStatus::Success;
}

NtStatus ShareModeTable::check(const FileKey& key, uint32_t access, uint32_t share) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return NtStatus::Success;
  for (const auto& [tok, open] : it->second.opens) {
    const bool ok = open.stream_shadow ? shadow_compatible(access, open.share)
                                       : share_compatible(access, share, open.access, open.share);
    if (!ok) return NtStatus::SharingViolation;
  }
  return NtStatus::Success;
}

bool ShareModeTable::remove(const FileKey& key, uint64_t token, bool* delete_now) {
  if (delete_now) *delete_now = false;
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return false;
  Entry& entry = it->second;
  auto open = entry.opens.find(token);
  if (open == entry.opens.end()) return false;
  // Closing a delete-on-close open makes the file delete-pending (MS-FSA 2.1.5.4).
  if (open->second.delete_on_close) entry.delete_pending = true;
  entry.opens.erase(open);
  if (!entry.opens.empty()) return false;
  if (delete_now) *delete_now = entry.delete_pending;
  files_.erase(it);
  return true;
}

void ShareModeTable::set_delete_pending(const FileKey& key, bool pending) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it != files_.end()) it->second.delete_pending = pending;
}

bool ShareModeTable::delete_pending(const FileKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  return it != files_.end() && it->second.delete_pending;
}

void ShareModeTable::set_delete_on_close(const FileKey& key, uint64_t token) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return;
  auto open = it->second.opens.find(token);
  if (open != it->second.opens.end()) open->second.delete_on_close = true;
}

bool ShareModeTable::delete_on_close(const FileKey& key, uint64_t token) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return false;
  auto open = it->second.opens.find(token);
  return open != it->second.opens.end() && open->second.delete_on_close;
}

bool ShareModeTable::any_open_with(const FileKey& key, uint32_t rights) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return false;
  for (const auto& [tok, open] : it->second.opens) {
    if (open.access & rights) return true;
  }
  return false;
}

size_t ShareModeTable::open_count(const FileKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  return it == files_.end() ? 0 : it->second.opens.size();
}

NtStatus ShareModeTable::add_stream_shadow(const FileKey& key, uint32_t share, uint64_t* token) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it != files_.end()) {
    if (it->second.delete_pending) return NtStatus::DeletePending;
  } else {
    it = files_.emplace(key, Entry{}).first;
  }
  const uint64_t t = next_token_++;
  it->second.opens.emplace(t, Open{0, share, false, true});
  if (token) *token = t;
  return NtStatus::Success;
}

size_t ShareModeTable::stream_open_count(const FileKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return 0;
  size_t n = 0;
  for (const auto& [tok, open] : it->second.opens) n += open.stream_shadow ? 1 : 0;
  return n;
}

}  // namespace lwsmb::server::pvfs
