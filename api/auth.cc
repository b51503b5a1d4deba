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
      queue_wait_(queue_wait),
      dummy_hash_(std::move(dummy_hash)) {}

bool PasswordHasher::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  // A short queue: callers beyond it are told to come back, instead of
  // holding a request thread for the whole wait.
  if (running_ >= max_concurrent_ && waiting_ >= 2 * max_concurrent_) return false;
  ++waiting_;
  const bool got = cv_.wait_for(lock, queue_wait_, [&] { return running_ < max_concurrent_; });
  --waiting_;
  if (!got) return false;
  ++running_;
  return true;
}

void PasswordHasher::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
  cv_.notify_one();
}

Result<std::string> PasswordHasher::Hash(const std::string& password) {
  if (!Acquire()) return UnavailableError("too many password hashes in flight; try again");
  Result<std::string> hash = HashPassword(password);
  Release();
  return hash;
}

Result<bool> PasswordHasher::Verify(const std::string& hash, const std::string& password) {
  if (!Acquire()) return UnavailableError("too many password hashes in flight; try again");
  const bool match = VerifyPassword(hash.empty() ? dummy_hash_ : hash, password);
  Release();
  return match && !hash.empty();
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

std::optional<int> RateLimiter::Take(const std::string& key) {
  if (limit_.per_second <= 0) return std::nullopt;
  const int64_t now = clock_.NowMicros();
  const double burst = std::max(1.0, limit_.burst);
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() > 100'000) {
    // Forget full buckets (idle clients); they start full again anyway.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      double t = it->second.tokens + (now - it->second.at_us) / 1e6 * limit_.per_second;
      it = t >= burst ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst, b.tokens + (now - b.at_us) / 1e6 * limit_.per_second);
  b.at_us = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  double wait = (1.0 - b.tokens) / limit_.per_second;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

}  // namespace docket::api
