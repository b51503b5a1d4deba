#include "api/auth.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "common/password.h"

namespace docket::api {

Result<std::unique_ptr<PasswordHasher>> PasswordHasher::Create(
    int max_concurrent, std::chrono::milliseconds queue_wait) {
  DOCKET_ASSIGN_OR_RETURN(std::string dummy, HashPassword(RandomHex(16)));
  return std::unique_ptr<PasswordHasher>(
      new PasswordHasher(max_concurrent, queue_wait, std::move(dummy)));
}

PasswordHasher::PasswordHasher(int max_concurrent, std::chrono::milliseconds queue_wait,
                               std::string dummy_hash)
    : max_concurrent_(std::max(1, max_concurrent)),
      max_dummy_(std::max(1, max_concurrent_ - 1)),
      queue_wait_(queue_wait),
      dummy_hash_(std::move(dummy_hash)) {}

bool PasswordHasher::CanRun(bool dummy) const {
  const int running = real_.running + dummy_.running;
  if (running >= max_concurrent_) return false;
  return !dummy || (dummy_.running < max_dummy_ && real_.waiting == 0);
}

bool PasswordHasher::Acquire(bool dummy) {
  Queue& q = dummy ? dummy_ : real_;
  std::unique_lock<std::mutex> lock(mu_);
  // A short queue: callers beyond it are told to come back, instead of
  // holding a request thread for the whole wait.
  if (!CanRun(dummy) && q.waiting >= 2 * max_concurrent_) return false;
  ++q.waiting;
  const bool got = cv_.wait_for(lock, queue_wait_, [&] { return CanRun(dummy); });
  --q.waiting;
  if (!got) {
    if (!dummy) cv_.notify_all();  // dummies may go now
    return false;
  }
  ++q.running;
  return true;
}

void PasswordHasher::Release(bool dummy) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --(dummy ? dummy_ : real_).running;
  }
  cv_.notify_all();  // a real caller, else a dummy, takes the slot
}

Result<std::string> PasswordHasher::Hash(const std::string& password) {
  if (!Acquire(false)) return UnavailableError("too many password hashes in flight; try again");
  Result<std::string> hash = HashPassword(password);
  Release(false);
  return hash;
}

Result<bool> PasswordHasher::Verify(const std::string& hash, const std::string& password) {
  const bool dummy = hash.empty();
  if (!Acquire(dummy)) return UnavailableError("too many password hashes in flight; try again");
  const bool match = VerifyPassword(dummy ? dummy_hash_ : hash, password);
  Release(dummy);
  return match && !dummy;
}

bool PasswordHasher::NeedsRehash(const std::string& hash) { return PasswordNeedsRehash(hash); }

Status SessionOptions::Validate() const {
  if (idle.count() <= 0 || absolute.count() <= 0) {
    return InvalidArgumentError("sessions: idle and absolute expiry must be > 0");
  }
  return Status::Ok();
}

Result<std::unique_ptr<SessionStore>> SessionStore::Open(const std::string& dir,
                                                         SessionOptions options,
                                                         const Clock& clock) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<SessionStore> s(new SessionStore(options, clock));
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(o, dir, &db);
  if (!st.ok()) return UnavailableError("session store " + dir + ": " + st.ToString());
  s->db_.reset(db);
  return s;
}

SessionStore::SessionStore(SessionOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

SessionStore::~SessionStore() = default;

Result<std::string> SessionStore::Create(const std::string& user_id) {
  const std::string token = RandomHex(32);  // 256 bits
  const int64_t now = clock_.NowMicros();
  nlohmann::json v = {{"user_id", user_id}, {"created_us", now}, {"last_seen_us", now}};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status st = db_->Put(wo, Sha256Hex(token), v.dump());
  if (!st.ok()) return UnavailableError("session store: " + st.ToString());
  // Sessions nobody presents again are deleted by a sweep every 1000 logins.
  if (++creates_ % 1000 == 0) Sweep();
  return token;
}

size_t SessionStore::Count() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

void SessionStore::Sweep() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  rocksdb::WriteBatch dead;
  const int64_t now = clock_.NowMicros();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    nlohmann::json v = nlohmann::json::parse(it->value().ToString(), nullptr, false);
    const bool ok = v.is_object() && v["created_us"].is_number_integer() &&
                    v["last_seen_us"].is_number_integer();
    if (!ok || now >= ExpiresAt({"", v["created_us"], v["last_seen_us"]})) {
      dead.Delete(it->key()).PermitUncheckedError();
    }
  }
  db_->Write(rocksdb::WriteOptions(), &dead).PermitUncheckedError();
}

int64_t SessionStore::ExpiresAt(const Session& s) const {
  const int64_t idle_end =
      s.last_seen_us + std::chrono::duration_cast<std::chrono::microseconds>(options_.idle).count();
  const int64_t abs_end =
      s.created_us +
      std::chrono::duration_cast<std::chrono::microseconds>(options_.absolute).count();
  return std::min(idle_end, abs_end);
}

Result<Session> SessionStore::Find(const std::string& token) {
  if (token.size() != 64) return NotFoundError("no such session");
  const std::string key = Sha256Hex(token);
  std::string raw;
  rocksdb::Status st = db_->Get(rocksdb::ReadOptions(), key, &raw);
  if (st.IsNotFound()) return NotFoundError("no such session");
  if (!st.ok()) return UnavailableError("session store: " + st.ToString());
  nlohmann::json v = nlohmann::json::parse(raw, nullptr, false);
  if (!v.is_object() || !v["user_id"].is_string() || !v["created_us"].is_number_integer() ||
      !v["last_seen_us"].is_number_integer()) {
    db_->Delete(rocksdb::WriteOptions(), key).PermitUncheckedError();
    return NotFoundError("no such session");
  }
  Session s{v["user_id"], v["created_us"], v["last_seen_us"]};
  const int64_t now = clock_.NowMicros();
  if (now >= ExpiresAt(s)) {
    db_->Delete(rocksdb::WriteOptions(), key).PermitUncheckedError();
    return NotFoundError("session expired");
  }
  if (now - s.last_seen_us >=
      std::chrono::duration_cast<std::chrono::microseconds>(options_.touch_interval).count()) {
    s.last_seen_us = now;
    v["last_seen_us"] = now;
    db_->Put(rocksdb::WriteOptions(), key, v.dump()).PermitUncheckedError();
  }
  return s;
}

Status SessionStore::Revoke(const std::string& token) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status st = db_->Delete(wo, Sha256Hex(token));
  if (!st.ok()) return UnavailableError("session store: " + st.ToString());
  return Status::Ok();
}

}  // namespace docket::api
