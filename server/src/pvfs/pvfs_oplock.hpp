// Oplocks per file (MS-FSA 2.1.5.17, 2.1.5.18, 2.1.4.12): Level II, Exclusive (level 1) and
// Batch, held by opens (their ShareModeTable tokens) across every connection and thread.
//
// A protocol head learns of a break through a pending FsControl IRP (oplock_fsctl::
// kWaitForBreak) that this table completes with the new level, and acknowledges it with
// oplock_fsctl::kAcknowledge. A CREATE that conflicts with an Exclusive or Batch oplock waits
// (break_for_open returns true) until the holder acknowledges, closes, or the waiter expires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>

#include "lwsmb/iocore/irp.hpp"
#include "pvfs/share_access.hpp"

namespace lwsmb::server::pvfs {

class OplockTable {
 public:
  OplockTable() = default;
  OplockTable(const OplockTable&) = delete;
  OplockTable& operator=(const OplockTable&) = delete;
  // Completes parked break IRPs with STATUS_CANCELLED and wakes every waiter.
  ~OplockTable();

  // MS-FSA 2.1.5.17.2: the level a new open `token` of the file gets for `requested`, with
  // `other_opens` other opens of the file registered. Exclusive and Batch only for the sole
  // open; Level II when no one holds (or is breaking) Exclusive or Batch; never on a directory.
  uint8_t grant(const FileKey& file, uint64_t token, uint8_t requested, bool directory,
                size_t other_opens);

  // MS-FSA 2.1.4.12 for an open about to be made with `access` (granted rights): starts what
  // breaks it needs. An Exclusive or Batch holder is broken (to Level II, or to none when the
  // open overwrites); a holder breaking already is waited for. An open with no rights beyond
  // FILE_READ_ATTRIBUTES, FILE_WRITE_ATTRIBUTES and SYNCHRONIZE that does not overwrite breaks
  // nothing. When the open would fail
  // the share check (`share_conflict`), only a Batch oplock is broken (its holder may close and
  // let the open pass, as Windows does); Exclusive and Level II are left alone. Level II
  // holders are broken to none when the open overwrites. Returns true when the caller must
  // wait: `wake` then runs once (on any thread) when the break resolves, and *waiter names the
  // wait for expire().
  bool break_for_open(const FileKey& file, uint32_t access, bool overwrite, bool share_conflict,
                      std::function<void()> wake, uint64_t* waiter);
  // The wait timed out (the 35 s of MS-SMB2 3.3.4.6's oplock break acknowledgment timer): if
  // the waiter still waits, every breaking holder is taken to none as if it had acknowledged
  // that, and all waiters wake. Does nothing for a waiter already woken.
  void expire(const FileKey& file, uint64_t waiter);

  // A write, byte-range lock or size change (MS-FSA 2.1.4.12 with the operation's type): every
  // Level II oplock of the file breaks to none at once; nobody waits.
  void break_level2(const FileKey& file);

  // Handles an oplock_fsctl::kWaitForBreak IRP of open `token`: completes it at once with a
  // break not yet delivered (or STATUS_OPLOCK_NOT_GRANTED when the open holds nothing), else
  // parks it, cancellable, until the next break.
  void wait_for_break(const FileKey& file, uint64_t token, const IrpPtr& irp);
  // MS-FSA 2.1.5.18: the holder accepts `level`. STATUS_INVALID_DEVICE_STATE when no break is
  // in progress; STATUS_INVALID_OPLOCK_PROTOCOL (the oplock then goes to none) for a level above
  // the one broken to. *held gets the level now held. Wakes the waiters.
  NtStatus acknowledge(const FileKey& file, uint64_t token, uint8_t level, uint8_t* held);
  // The open closes: its oplock goes, its parked IRP completes STATUS_CANCELLED, waiters wake.
  void release(const FileKey& file, uint64_t token);

  // Introspection (tests, diagnostics).
  uint8_t level(const FileKey& file, uint64_t token) const;
  bool breaking(const FileKey& file, uint64_t token) const;
  size_t waiter_count(const FileKey& file) const;

 private:
  struct Holder {
    uint8_t level = 0;
    bool breaking = false;  // a break to break_to awaits acknowledgment
    uint8_t break_to = 0;
    bool undelivered = false;  // a break happened while no IRP was parked
    uint8_t undelivered_level = 0;
    IrpPtr irp;  // the parked kWaitForBreak IRP
  };
  struct Waiter {
    uint64_t id = 0;
    std::function<void()> wake;
  };
  struct FileOplocks {
    std::map<uint64_t, Holder> holders;  // by open token
    std::list<Waiter> waiters;
  };
  // Work to finish once the mutex is released: IRP completions and wake-ups.
  struct Deferred {
    std::vector<std::pair<IrpPtr, uint8_t>> breaks;
    std::vector<IrpPtr> cancels;
    std::vector<std::function<void()>> wakes;
    void run();
  };

  // With mutex_ held: tells the holder of its break to `level` (completing its parked IRP, or
  // keeping the level for the next one).
  static void notify_locked(Holder& h, uint8_t level, Deferred& out);
  static void wake_all_locked(FileOplocks& f, Deferred& out);
  void erase_if_empty_locked(std::map<FileKey, FileOplocks>::iterator it);
  void cancel_wait(const FileKey& file, uint64_t token, const Irp* irp);

  mutable std::mutex mutex_;
  std::map<FileKey, FileOplocks> files_;
  uint64_t next_waiter_ = 1;
};

}  // namespace lwsmb::server::pvfs
