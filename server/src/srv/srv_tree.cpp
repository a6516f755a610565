// TREE_CONNECT / TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8) and the lookups every file command
// shares.
#include <algorithm>
#include <cctype>

#include "lwsmb/iocore/log.hpp"
#include "lwsmb/proto/fscc.hpp"
#include "lwsmb/proto/smb2_session.hpp"
#include "srv/smb_connection.hpp"
#include "srv/srv_request.hpp"
#include "srv/srv_server.hpp"
#include "srv/srv_session_policy.hpp"

namespace lwsmb::server {

namespace smb2 = proto::smb2;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool listed(const std::vector<std::string>& users, std::string_view user) {
  return std::any_of(users.begin(), users.end(), [&](const auto& u) { return iequals(u, user); });
}

}  // namespace

Session* find_session(SmbRequest& req) {
  auto& sessions = req.conn.state().sessions;
  auto it = sessions.find(req.session_id);
  if (it == sessions.end() || it->second->phase != Session::Phase::Valid) return nullptr;
  return it->second.get();
}

TreeConnect* find_tree(SmbRequest& req, Session& s) {
  auto it = s.trees.find(req.tree_id);
  return it == s.trees.end() ? nullptr : &it->second;
}

// MS-SMB2 3.3.5.2.7.2: only a related request names "the previous request's file" with the
// all-ones FileId; in an unrelated one that id is just unknown. A request that finds its open
// passes it on to the related requests after it.
Open* find_open(SmbRequest& req, uint64_t persistent, uint64_t volatile_id) {
  if (persistent == ~uint64_t{0} && volatile_id == ~uint64_t{0}) {
    if (!(req.hdr.flags & smb2::header_flag::kRelatedOperations)) return nullptr;
    persistent = req.chain.file_persistent;
    volatile_id = req.chain.file_volatile;
  }
  auto& opens = req.conn.state().opens;
  auto it = opens.find(volatile_id);
  if (it == opens.end()) return nullptr;
  Open* o = it->second.get();
  if (o->persistent_id != persistent || o->session_id != req.session_id ||
      o->tree_id != req.tree_id) {
    return nullptr;
  }
  req.chain.file_persistent = o->persistent_id;
  req.chain.file_volatile = o->volatile_id;
  return o;
}

Task<NtStatus> handle_tree_connect(SmbRequest& req) {
  auto r = smb2::decode_tree_connect_request(req.msg);
  if (!r) co_return r.status();
  Session* s = find_session(req);
  if (!s) co_return NtStatus::UserSessionDeleted;
  auto path = proto::fscc::utf16_to_utf8(r->path);
  if (!path) co_return NtStatus::BadNetworkName;
  // "\\server\share": the share is the last component.
  auto slash = path->find_last_of('\\');
  std::string name = slash == std::string::npos ? *path : path->substr(slash + 1);
  const SrvShare* share = req.conn.server().find_share(name);
  if (!share) co_return NtStatus::BadNetworkName;
  const ShareConfig& sc = *share->config;
  if (!share->ipc) {
    if (s->guest || s->anonymous) {
      if (!sc.guest_ok) co_return NtStatus::AccessDenied;
    } else {
      if (!sc.valid_users.empty() && !listed(sc.valid_users, s->user)) {
        co_return NtStatus::AccessDenied;
      }
      if (listed(sc.invalid_users, s->user)) co_return NtStatus::AccessDenied;
    }
  }
  TreeConnect t;
  t.tree_id = s->next_tree_id++;
  t.share = share;
  t.is_ipc = share->ipc;
  t.maximal_access = sc.read_only || share->ipc ? access::kFileGenericRead | access::kExecute
                                                : access::kFileAllAccess;
  smb2::TreeConnectResponse resp;
  resp.share_type = share->ipc ? smb2::share_type::kPipe : smb2::share_type::kDisk;
  resp.share_flags = smb2::share_flag::kManualCaching;
  if (auto e = apply_share_policy(req.conn.state(), sc, *s, t, resp.share_flags);
      e != NtStatus::Success) {
    co_return e;
  }
  resp.maximal_access = t.maximal_access;
  auto e = smb2::encode_body(resp, req.out(), req.msg_start);
  if (e != NtStatus::Success) co_return e;
  req.tree_id = t.tree_id;
  s->trees[t.tree_id] = t;
  co_return NtStatus::Success;
}

Task<NtStatus> handle_tree_disconnect(SmbRequest& req) {
  auto r = smb2::decode_tree_disconnect_request(req.msg);
  if (!r) co_return r.status();
  Session* s = find_session(req);
  if (!s) co_return NtStatus::UserSessionDeleted;
  if (!find_tree(req, *s)) co_return NtStatus::NetworkNameDeleted;
  auto& opens = req.conn.state().opens;
  for (auto it = opens.begin(); it != opens.end();) {
    bool mine = it->second->session_id == req.session_id && it->second->tree_id == req.tree_id;
    it = mine ? opens.erase(it) : std::next(it);
  }
  s->trees.erase(req.tree_id);
  log::debug("connection ", req.conn.id(), ": TREE_DISCONNECT of tree ", req.tree_id);
  co_return smb2::encode_body(smb2::TreeDisconnectResponse{}, req.out(), req.msg_start);
}

}  // namespace lwsmb::server
