// The notifier's store (RocksDB, <data-dir>/notifier): the mails still to
// send, those sent and those refused for good, the rules' state, and the
// offsets consumed. Everything one poll of the events causes -- new mails,
// rules' state, offsets -- is written in one WriteBatch (WAL synced): a
// crash never loses a mail nor queues one twice, and the log is never read
// again from before what was queued.
//
// Keys: "o/<key>" a mail to send (Pending as JSON); "s/<key>" sent (the
// time); "f/<key>" refused for good (Pending with its error); "r/<key>" the
// rules' state; "p/<topic>/<partition>" the next offset. <key> is
// "<event id>|<recipient>".
//
// Thread-safe (RocksDB is); a Batch is not.
#ifndef DOCKET_CONSUMERS_NOTIFIER_OUTBOX_H_
#define DOCKET_CONSUMERS_NOTIFIER_OUTBOX_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "consumers/notifier/mail_rules.h"

namespace rocksdb {
class DB;
}

namespace docket::notifier {

struct Pending {
  std::string key;
  std::string event_id;
  MailIntent intent;
  int64_t queued_us = 0;
  int attempts = 0;        // sends tried so far
  int64_t next_us = 0;     // not before
  std::string last_error;  // of the last try
};

class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> Open(const std::string& dir);
  // For docketctl while docketd runs: sees what was written, writes nothing.
  static Result<std::unique_ptr<Outbox>> OpenReadOnly(const std::string& dir);
  ~Outbox();

  // The writes of one poll: rules' state (RuleState), mails, offsets.
  class Batch final : public RuleState {
   public:
    explicit Batch(Outbox* outbox) : outbox_(outbox) {}
    Result<std::optional<std::string>> Get(const std::string& key) override;
    void Put(const std::string& key, const std::string& value) override;
    // Queues a mail unless one with this key was queued, sent or refused.
    Status Queue(const std::string& event_id, const MailIntent& intent, int64_t now_us);
    void SetOffset(const std::string& topic, int32_t partition, int64_t next);
    size_t queued() const { return queued_; }

   private:
    friend class Outbox;
    Outbox* outbox_;
    std::map<std::string, std::string> writes_;  // full keys
    size_t queued_ = 0;
  };
  Status Commit(const Batch& batch);

  // The next offset stored for a partition; nullopt when none.
  Result<std::optional<int64_t>> Offset(const std::string& topic, int32_t partition) const;
  // Mails due at `now_us`, oldest queued first, at most `limit`.
  Result<std::vector<Pending>> Due(int64_t now_us, size_t limit) const;
  Result<std::vector<Pending>> Failed() const;
  Result<size_t> PendingCount() const;

  // Not fsynced: it must land microseconds after the SMTP server's 250, and
  // a killed process keeps it; only a power loss could send that mail again.
  Status MarkSent(const Pending& p, int64_t now_us);
  Status MarkRetry(const Pending& p);  // p.attempts, next_us, last_error set
  Status MarkFailed(const Pending& p);
  // Queues a refused mail again (kNotFound when `key` was not refused).
  Status Retry(const std::string& key, int64_t now_us);

  static std::string KeyOf(const std::string& event_id, const MailIntent& intent);

 private:
  explicit Outbox(std::unique_ptr<rocksdb::DB> db);
  Result<std::optional<std::string>> Read(const std::string& key) const;
  Result<std::vector<Pending>> Scan(const std::string& prefix) const;
  // `sync`: fsync the WAL (power loss); without, a write still survives the
  // process being killed.
  Status Write(const std::map<std::string, std::optional<std::string>>& writes,
               bool sync = true);
  std::unique_ptr<rocksdb::DB> db_;
};

std::string EncodePending(const Pending& p);
Result<Pending> DecodePending(const std::string& row);

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_NOTIFIER_OUTBOX_H_
