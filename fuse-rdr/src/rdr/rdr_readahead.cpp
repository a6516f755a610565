// Read-ahead for sequential readers (rdr_readahead.hpp). A reader counts as sequential once
// two reads in a row started where the one before ended; from then on the open keeps READs of
// up to a quarter of the window each in flight, `window` bytes ahead of the reader, and serves
// its reads from them. Reads that arrive a little out of order (the kernel sends read-ahead
// requests from several threads) are still served from the window; a read far away drops it.
#include "rdr/rdr_readahead.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "lwsmb/iocore/event_loop.hpp"
#include "rdr/rdr_connection.hpp"
#include "rdr/rdr_file.hpp"
#include "rdr/rdr_frame_pool.hpp"
#include "rdr/rdr_path.hpp"

namespace lwsmb::fuse_rdr {

namespace {

std::string file_key(const RdrConnection* conn, const std::string& share, const std::string& path) {
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(conn));
  key += '\\';
  key += share;
  key += '\\';
  key += path;
  return rdr_lower(std::move(key));
}

// Opens are made and dropped on loop threads and destroyed on any thread: a mutex for the map.
std::mutex g_shared_mutex;
std::map<std::string, std::weak_ptr<RdrFileShared>>& shared_map() {
  static std::map<std::string, std::weak_ptr<RdrFileShared>> m;
  return m;
}

struct ChunkWait {
  RdrReadAheadChunk* c;
  bool await_ready() const noexcept { return c->done; }
  void await_suspend(std::coroutine_handle<> h) { c->waiters.push_back(h); }
  void await_resume() const noexcept {}
};

Task<void> fetch_chunk(std::shared_ptr<RdrConnection> conn, std::shared_ptr<RdrTree> tree,
                       smb2::FileId file_id, std::shared_ptr<RdrReadAheadChunk> chunk) {
  smb2::ReadRequest r;
  r.length = chunk->length;
  r.offset = chunk->offset;
  r.file_id = file_id;
  smb2::Header h;
  h.command = smb2::Command::Read;
  std::vector<std::byte> msg;
  NtStatus st = smb2::append_message(h, r, msg);
  if (st == NtStatus::Success) {
    const uint32_t charge =
        conn->negotiated().multi_credit() ? CreditWindow::charge_for(chunk->length) : 1;
    auto reply = co_await conn->call(std::move(msg), charge, tree.get());
    st = reply.status;
    if (st == NtStatus::EndOfFile) {
      st = NtStatus::Success;  // past the end: an empty chunk, like a short one
    } else if (nt_success(st)) {
      auto resp = smb2::decode_read_response(reply.msg);
      if (!resp || resp->data.size() > chunk->length) {
        st = NtStatus::InvalidNetworkResponse;
      } else {
        // The span points into the message, which moves without reallocating.
        const size_t at = static_cast<size_t>(resp->data.data() - reply.msg.data());
        const size_t n = resp->data.size();
        chunk->msg = std::move(reply.msg);
        chunk->data = std::span<const std::byte>(chunk->msg).subspan(at, n);
      }
    }
  }
  chunk->status = st;
  chunk->done = true;
  auto waiters = std::move(chunk->waiters);
  chunk->waiters.clear();
  for (auto w : waiters) conn->loop().post([w] { w.resume(); });
}

// Copies (or lends, ReadArgs::lend) the chunks' data for [offset, offset + buffer size) to the
// IRP and completes it.
Task<void> serve(std::vector<std::shared_ptr<RdrReadAheadChunk>> chunks, IrpPtr irp,
                 uint64_t offset) {
  auto& a = irp->args_as<ReadArgs>();
  const size_t want = a.buffer.size();
  size_t copied = 0;
  NtStatus st = NtStatus::Success;
  for (auto& c : chunks) {
    co_await ChunkWait{c.get()};
    if (!nt_success(c->status)) {
      if (copied == 0) st = c->status;
      break;
    }
    const uint64_t from = offset + copied;
    if (from < c->offset) break;
    const uint64_t in_chunk = from - c->offset;
    if (in_chunk >= c->data.size()) {
      if (copied == 0) st = NtStatus::EndOfFile;
      break;
    }
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(c->data.size() - in_chunk, want - copied));
    auto piece = c->data.subspan(in_chunk, n);
    if (a.lend) {
      a.lent.push_back(LentBytes{c, piece});  // the chunk lives while the caller holds it
    } else {
      std::memcpy(a.buffer.data() + copied, piece.data(), n);
    }
    copied += n;
    c->consumed += n;
    if (copied == want || c->data.size() < c->length) break;  // done, or end of file
  }
  irp->complete(copied > 0 ? NtStatus::Success : st, copied);
}

}  // namespace

RdrReadAheadChunk::~RdrReadAheadChunk() {
  rdr_frame_buffer_return(std::move(msg));
}

std::shared_ptr<RdrFileShared> rdr_file_shared(const RdrConnection* conn, const std::string& share,
                                               const std::string& path) {
  std::string key = file_key(conn, share, path);
  std::lock_guard lock(g_shared_mutex);
  auto& m = shared_map();
  if (auto it = m.find(key); it != m.end()) {
    if (auto s = it->second.lock()) return s;
  }
  // The deleter forgets the entry when the last open lets go (unless a new one took its place).
  std::shared_ptr<RdrFileShared> s(new RdrFileShared, [key](RdrFileShared* p) {
    {
      std::lock_guard l(g_shared_mutex);
      auto& mm = shared_map();
      if (auto it = mm.find(key); it != mm.end() && it->second.expired()) mm.erase(it);
    }
    std::default_delete<RdrFileShared>()(p);
  });
  m[key] = s;
  return s;
}

std::shared_ptr<RdrFileShared> rdr_file_shared_find(const RdrConnection* conn,
                                                    const std::string& share,
                                                    const std::string& path) {
  std::string key = file_key(conn, share, path);
  std::lock_guard lock(g_shared_mutex);
  auto& m = shared_map();
  auto it = m.find(key);
  return it == m.end() ? nullptr : it->second.lock();
}

Task<void> rdr_wait_writes(EventLoop& loop, std::shared_ptr<RdrFileShared> shared) {
  (void)loop;
  struct Park {
    RdrFileShared* s;
    bool await_ready() const noexcept { return s->writes_in_flight == 0; }
    void await_suspend(std::coroutine_handle<> h) { s->drain_waiters.push_back(h); }
    void await_resume() const noexcept {}
  };
  while (shared && shared->writes_in_flight > 0) co_await Park{shared.get()};
}

void rdr_writes_drained(EventLoop& loop, RdrFileShared& shared) {
  if (shared.writes_in_flight != 0) return;
  auto waiters = std::move(shared.drain_waiters);
  shared.drain_waiters.clear();
  for (auto w : waiters) loop.post([w] { w.resume(); });
}

void rdr_drop_read_ahead(RdrFile& f) {
  if (f.shared) ++f.shared->generation;  // the other opens of the file drop theirs too
  if (!f.read_ahead) return;
  f.read_ahead->chunks.clear();
  f.read_ahead->sequential = 0;
  f.read_ahead->fill_end = 0;
}

bool rdr_read_ahead_read(const std::shared_ptr<RdrConnection>& conn, RdrFile* f, const IrpPtr& irp,
                         uint32_t window) {
  if (window == 0 || !f->shared) return false;
  auto& a = irp->args_as<ReadArgs>();
  const uint64_t off = a.offset;
  const uint64_t len = a.buffer.size();
  if (len == 0 || len > window) return false;
  if (!f->read_ahead) f->read_ahead = std::make_unique<RdrReadAhead>();
  RdrReadAhead& ra = *f->read_ahead;
  auto drop = [&] {
    ra.chunks.clear();
    ra.fill_end = 0;
  };
  // A write or a size change through any open of the file since the chunks were read.
  if (ra.generation != f->shared->generation) {
    drop();
    ra.generation = f->shared->generation;
  }
  // Chunks every reader is done with, or that ended far behind the reader.
  while (!ra.chunks.empty()) {
    auto& c = *ra.chunks.front();
    const uint64_t end = c.offset + c.length;
    if ((c.done && c.consumed >= c.data.size() && nt_success(c.status) &&
         c.data.size() == c.length) ||
        end + window < off) {
      ra.chunks.pop_front();
      continue;
    }
    break;
  }
  // A failed READ, or a read at or past the end of file seen by a chunk: read directly, so that
  // the answer is the server's now (the file may have grown).
  bool eof_known = false;
  for (auto& c : ra.chunks) {
    if (!c->done) continue;
    eof_known = eof_known || c->data.size() < c->length;
    const bool failed = !nt_success(c->status);
    const bool past_eof = c->data.size() < c->length && off + len > c->offset + c->data.size();
    if (failed || past_eof) {
      drop();
      ra.sequential = 0;
      ra.next_offset = off + len;
      return false;
    }
  }
  const bool hit = !ra.chunks.empty() && off >= ra.chunks.front()->offset && off < ra.fill_end;
  if (!hit) {
    const bool near = off + window >= ra.next_offset && off <= ra.next_offset + window;
    if (off == ra.next_offset) {
      ++ra.sequential;
    } else if (!near) {
      drop();
      ra.sequential = 0;
    }
    ra.next_offset = std::max(ra.next_offset, off + len);
    if (ra.sequential < 2 || off != ra.next_offset - len) return false;
  } else {
    ra.next_offset = std::max(ra.next_offset, off + len);
  }
  // Keep the window filled: READs of a quarter of it (at most the server's maximum).
  const uint32_t chunk_size =
      std::max<uint32_t>(64 * 1024, std::min<uint32_t>(conn->max_read(), window / 4));
  if (ra.chunks.empty()) ra.fill_end = off;
  while (ra.fill_end < off + len + window && !(eof_known && ra.fill_end >= off + len)) {
    auto c = std::make_shared<RdrReadAheadChunk>();
    c->offset = ra.fill_end;
    c->length = chunk_size;
    ra.fill_end += chunk_size;
    ra.chunks.push_back(c);
    spawn(fetch_chunk(conn, f->tree, f->file_id, std::move(c)));
  }
  std::vector<std::shared_ptr<RdrReadAheadChunk>> cover;
  for (auto& c : ra.chunks) {
    if (c->offset + c->length <= off) continue;
    if (c->offset >= off + len) break;
    cover.push_back(c);
  }
  if (cover.empty() || cover.front()->offset > off) {
    // Not covered (cannot happen once filled from off): read directly.
    return false;
  }
  spawn(serve(std::move(cover), irp, off));
  return true;
}

}  // namespace lwsmb::fuse_rdr
