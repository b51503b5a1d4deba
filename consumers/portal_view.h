// PortalView: the read models of the identity and status contexts, kept in
// memory (they are small: accounts, users, services). A thread reads every
// partition of docket.identity.events and docket.status.events
// (read_committed) from the start and folds each event in; positions are
// tracked per topic partition for read-your-writes.
//
// An event that does not decode or does not fit (e.g. an address for an
// unknown account) is skipped and counted in stats().skipped, never applied
// half-way; the log is the truth and the view is rebuilt at every start.
//
// Thread-safe: readers take a shared lock; the reader thread the exclusive one.
#ifndef DOCKET_CONSUMERS_PORTAL_VIEW_H_
#define DOCKET_CONSUMERS_PORTAL_VIEW_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/codec.h"
#include "events/kafka.h"
#include "events/topics.h"

namespace docket::consumers {

struct PortalViewOptions {
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  std::chrono::milliseconds poll_wait{100};
  Status Validate() const;
};

struct AccountView {
  std::string id;
  std::string account_number;
  std::string name;
  std::vector<std::string> service_addresses;
  int64_t created_at_us = 0;
  uint64_t version = 0;
};

struct UserView {
  std::string id;
  std::string email;
  std::string name;
  fb::Role role = fb::Role::Customer;
  std::vector<std::string> account_ids;
  std::string password_hash;
  int64_t created_at_us = 0;
  uint64_t version = 0;
};

struct ServiceView {
  std::string service;
  fb::ServiceState status = fb::ServiceState::Operational;
  std::string message;
  int64_t updated_at_us = 0;
};

class PortalView {
 public:
  struct Stats {
    std::atomic<uint64_t> applied{0};
    std::atomic<uint64_t> skipped{0};
    std::atomic<uint64_t> feedback{0};
  };

  explicit PortalView(PortalViewOptions options);
  ~PortalView();

  // Connects and starts the reader thread. kUnavailable when the broker or
  // the topics cannot be reached.
  Status Start();
  void Stop();

  std::optional<AccountView> Account(const std::string& id) const;
  std::optional<UserView> User(const std::string& id) const;
  std::optional<UserView> UserByEmail(const std::string& email) const;  // any case
  std::vector<ServiceView> Services() const;  // by name

  // Waits until the event at `offset` of `context`'s events partition has
  // been applied. False on timeout or for an unknown context.
  bool WaitForPosition(std::string_view context, int32_t partition, int64_t offset,
                       std::chrono::milliseconds timeout);
  // True once the view has read up to the end offsets seen at Start().
  bool CaughtUp() const { return caught_up_.load(); }
  const Stats& stats() const { return stats_; }

 private:
  void Run();
  void ApplyMessage(const kafka::Message& m);

  PortalViewOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::map<std::string, int64_t> start_ends_;  // "topic/partition" -> end at start

  mutable std::shared_mutex mu_;
  std::map<std::string, AccountView> accounts_;
  std::map<std::string, UserView> users_;
  std::map<std::string, std::string> user_by_email_;  // lower-cased e-mail -> id
  std::map<std::string, ServiceView> services_;

  std::mutex pos_mu_;
  std::condition_variable pos_cv_;
  std::map<std::string, int64_t> next_;  // "topic/partition" -> next offset to read
  Stats stats_;
};

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_PORTAL_VIEW_H_
