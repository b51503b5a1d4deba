#include "consumers/notifier/outbox.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

namespace docket::notifier {

using nlohmann::json;

std::string EncodePending(const Pending& p) {
  return json{{"key", p.key},
              {"event_id", p.event_id},
              {"recipient", p.intent.recipient},
              {"template", p.intent.template_name},
              {"vars", p.intent.vars},
              {"skip_user_id", p.intent.skip_user_id},
              {"queued_us", p.queued_us},
              {"attempts", p.attempts},
              {"next_us", p.next_us},
              {"last_error", p.last_error}}
      .dump();
}

Result<Pending> DecodePending(const std::string& row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("notifier: a stored mail is not JSON");
  try {
    Pending p;
    p.key = j.at("key").get<std::string>();
    p.event_id = j.at("event_id").get<std::string>();
    p.intent.recipient = j.at("recipient").get<std::string>();
    p.intent.template_name = j.at("template").get<std::string>();
    p.intent.vars = j.at("vars");
    p.intent.skip_user_id = j.at("skip_user_id").get<std::string>();
    p.queued_us = j.at("queued_us").get<int64_t>();
    p.attempts = j.at("attempts").get<int>();
    p.next_us = j.at("next_us").get<int64_t>();
    p.last_error = j.at("last_error").get<std::string>();
    return p;
  } catch (const json::exception& e) {
    return DataLossError(std::string("notifier: a stored mail: ") + e.what());
  }
}

std::string Outbox::KeyOf(const std::string& event_id, const MailIntent& intent) {
  return event_id + "|" + intent.recipient;
}

Outbox::Outbox(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
Outbox::~Outbox() = default;

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& dir) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(o, dir, &db);
  if (!st.ok()) return UnavailableError("notifier store " + dir + ": " + st.ToString());
  return std::unique_ptr<Outbox>(new Outbox(std::unique_ptr<rocksdb::DB>(db)));
}

Result<std::unique_ptr<Outbox>> Outbox::OpenReadOnly(const std::string& dir) {
  rocksdb::DB* db = nullptr;
  rocksdb::Status st = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir, &db);
  if (!st.ok()) return NotFoundError("notifier store " + dir + ": " + st.ToString());
  return std::unique_ptr<Outbox>(new Outbox(std::unique_ptr<rocksdb::DB>(db)));
}

Result<std::optional<std::string>> Outbox::Read(const std::string& key) const {
  std::string v;
  rocksdb::Status st = db_->Get(rocksdb::ReadOptions(), key, &v);
  if (st.IsNotFound()) return std::optional<std::string>();
  if (!st.ok()) return UnavailableError("notifier store: " + st.ToString());
  return std::optional<std::string>(std::move(v));
}

Status Outbox::Write(const std::map<std::string, std::optional<std::string>>& writes,
                     bool sync) {
  rocksdb::WriteBatch b;
  for (const auto& [k, v] : writes) {
    rocksdb::Status st = v ? b.Put(k, *v) : b.Delete(k);
    if (!st.ok()) return InternalError("notifier store: " + st.ToString());
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status st = db_->Write(wo, &b);
  if (!st.ok()) return UnavailableError("notifier store: " + st.ToString());
  return Status::Ok();
}

Result<std::optional<std::string>> Outbox::Batch::Get(const std::string& key) {
  auto it = writes_.find("r/" + key);
  if (it != writes_.end()) return std::optional<std::string>(it->second);
  return outbox_->Read("r/" + key);
}

void Outbox::Batch::Put(const std::string& key, const std::string& value) {
  writes_["r/" + key] = value;
}

Status Outbox::Batch::Queue(const std::string& event_id, const MailIntent& intent,
                            int64_t now_us) {
  const std::string key = KeyOf(event_id, intent);
  if (writes_.count("o/" + key)) return Status::Ok();
  for (const char* prefix : {"o/", "s/", "f/"}) {
    DOCKET_ASSIGN_OR_RETURN(auto row, outbox_->Read(prefix + key));
    if (row) return Status::Ok();  // a replayed event: queued once only
  }
  Pending p;
  p.key = key;
  p.event_id = event_id;
  p.intent = intent;
  p.queued_us = now_us;
  p.next_us = now_us;
  writes_["o/" + key] = EncodePending(p);
  ++queued_;
  return Status::Ok();
}

void Outbox::Batch::SetOffset(const std::string& topic, int32_t partition, int64_t next) {
  writes_["p/" + topic + "/" + std::to_string(partition)] = std::to_string(next);
}

Status Outbox::Commit(const Batch& batch) {
  std::map<std::string, std::optional<std::string>> writes(batch.writes_.begin(),
                                                           batch.writes_.end());
  return Write(writes);
}

Result<std::optional<int64_t>> Outbox::Offset(const std::string& topic, int32_t partition) const {
  DOCKET_ASSIGN_OR_RETURN(auto v, Read("p/" + topic + "/" + std::to_string(partition)));
  if (!v) return std::optional<int64_t>();
  try {
    return std::optional<int64_t>(std::stoll(*v));
  } catch (const std::exception&) {
    return DataLossError("notifier store: offset of " + topic + " is '" + *v + "'");
  }
}

Result<std::vector<Pending>> Outbox::Scan(const std::string& prefix) const {
  std::vector<Pending> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    DOCKET_ASSIGN_OR_RETURN(Pending p, DecodePending(it->value().ToString()));
    out.push_back(std::move(p));
  }
  if (!it->status().ok()) return UnavailableError("notifier store: " + it->status().ToString());
  return out;
}

Result<std::vector<Pending>> Outbox::Due(int64_t now_us, size_t limit) const {
  DOCKET_ASSIGN_OR_RETURN(std::vector<Pending> all, Scan("o/"));
  std::erase_if(all, [&](const Pending& p) { return p.next_us > now_us; });
  std::sort(all.begin(), all.end(),
            [](const Pending& a, const Pending& b) { return a.queued_us < b.queued_us; });
  if (all.size() > limit) all.resize(limit);
  return all;
}

Result<std::vector<Pending>> Outbox::Failed() const { return Scan("f/"); }

Result<size_t> Outbox::PendingCount() const {
  size_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("o/"); it->Valid() && it->key().starts_with("o/"); it->Next()) ++n;
  return n;
}

Status Outbox::MarkSent(const Pending& p, int64_t now_us) {
  return Write({{"o/" + p.key, std::nullopt}, {"s/" + p.key, std::to_string(now_us)}},
               /*sync=*/false);
}

Status Outbox::MarkRetry(const Pending& p) { return Write({{"o/" + p.key, EncodePending(p)}}); }

Status Outbox::MarkFailed(const Pending& p) {
  return Write({{"o/" + p.key, std::nullopt}, {"f/" + p.key, EncodePending(p)}});
}

Status Outbox::Retry(const std::string& key, int64_t now_us) {
  DOCKET_ASSIGN_OR_RETURN(auto row, Read("f/" + key));
  if (!row) return NotFoundError("no refused mail " + key);
  DOCKET_ASSIGN_OR_RETURN(Pending p, DecodePending(*row));
  p.attempts = 0;
  p.next_us = now_us;
  return Write({{"f/" + key, std::nullopt}, {"o/" + key, EncodePending(p)}});
}

}  // namespace docket::notifier
