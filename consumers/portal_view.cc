#include "consumers/portal_view.h"

#include <algorithm>

#include "common/text.h"
#include "consumers/log.h"

namespace docket::consumers {
namespace {

std::string PartKey(const std::string& topic, int32_t partition) {
  return topic + "/" + std::to_string(partition);
}

}  // namespace

Status PortalViewOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  return layout.Validate();
}

PortalView::PortalView(PortalViewOptions options) : options_(std::move(options)) {}

PortalView::~PortalView() { Stop(); }

Status PortalView::Start() {
  DOCKET_RETURN_IF_ERROR(options_.Validate());
  kafka::Consumer::Options co;
  co.kafka = options_.kafka;
  co.kafka.client_id = "docket-portal-view";
  DOCKET_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(co));
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (std::string_view context : {"identity", "status"}) {
    const std::string topic = options_.layout.EventsTopic(context);
    DOCKET_ASSIGN_OR_RETURN(auto parts, consumer_->Partitions(topic));
    for (int32_t p : parts) {
      DOCKET_ASSIGN_OR_RETURN(auto wm, consumer_->Watermarks(topic, p));
      assignment.push_back({topic, p, wm.first});
      start_ends_[PartKey(topic, p)] = wm.second;
      std::lock_guard<std::mutex> lock(pos_mu_);
      next_[PartKey(topic, p)] = wm.first;
    }
  }
  DOCKET_RETURN_IF_ERROR(consumer_->Assign(assignment));
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void PortalView::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  consumer_.reset();
}

void PortalView::Run() {
  while (!stop_) {
    Result<kafka::PollBatch> batch = consumer_->Poll(500, options_.poll_wait);
    if (!batch.ok()) {
      ViewLog()->warn("portal view: {}", batch.status().ToString());
      continue;
    }
    for (const kafka::Message& m : batch->messages) ApplyMessage(m);
    {
      std::lock_guard<std::mutex> lock(pos_mu_);
      for (const kafka::Message& m : batch->messages) {
        int64_t& n = next_[PartKey(m.topic, m.partition)];
        n = std::max(n, m.offset + 1);
      }
      for (const auto& e : batch->reached_end) {
        int64_t& n = next_[PartKey(e.topic, e.partition)];
        n = std::max(n, e.offset);
      }
      if (!caught_up_) {
        bool all = true;
        for (const auto& [k, end] : start_ends_) all = all && next_[k] >= end;
        if (all) caught_up_ = true;
      }
    }
    pos_cv_.notify_all();
  }
}

void PortalView::ApplyMessage(const kafka::Message& m) {
  Result<fb::EventEnvelopeT> ev = events::DecodeEvent(m.value);
  if (!ev.ok()) {
    ++stats_.skipped;
    ViewLog()->error("portal view: {}@{}:{}: {}", m.topic, m.partition, m.offset,
                 ev.status().ToString());
    return;
  }
  const fb::EventEnvelopeT& e = *ev;
  std::unique_lock<std::shared_mutex> lock(mu_);
  bool applied = true;
  switch (e.event.type) {
    case fb::Event::AccountCreated: {
      const auto* a = e.event.AsAccountCreated();
      AccountView v;
      v.id = a->account_id;
      v.account_number = a->account_number;
      v.name = a->name;
      v.service_addresses = a->service_addresses;
      v.created_at_us = e.occurred_at_us;
      v.version = e.version;
      accounts_[v.id] = std::move(v);
      break;
    }
    case fb::Event::ServiceAddressAdded: {
      auto it = accounts_.find(e.aggregate_id);
      applied = it != accounts_.end();
      if (applied) {
        it->second.service_addresses.push_back(e.event.AsServiceAddressAdded()->address);
        it->second.version = e.version;
      }
      break;
    }
    case fb::Event::UserCreated: {
      const auto* u = e.event.AsUserCreated();
      UserView v;
      v.id = u->user_id;
      v.email = u->email;
      v.name = u->name;
      v.role = u->role;
      v.account_ids = u->account_ids;
      v.password_hash = u->password_hash;
      v.created_at_us = e.occurred_at_us;
      v.version = e.version;
      user_by_email_[Lower(v.email)] = v.id;
      users_[v.id] = std::move(v);
      break;
    }
    case fb::Event::PasswordHashChanged: {
      auto it = users_.find(e.aggregate_id);
      applied = it != users_.end();
      if (applied) {
        it->second.password_hash = e.event.AsPasswordHashChanged()->password_hash;
        it->second.version = e.version;
      }
      break;
    }
    case fb::Event::ServiceStatusChanged: {
      const auto* s = e.event.AsServiceStatusChanged();
      ServiceView v;
      v.service = s->service;
      v.status = s->status;
      v.message = s->message;
      v.updated_at_us = e.occurred_at_us;
      services_[v.service] = std::move(v);
      break;
    }
    case fb::Event::FeedbackSubmitted:
      ++stats_.feedback;
      break;
    default:
      applied = false;
  }
  if (applied) {
    ++stats_.applied;
  } else {
    ++stats_.skipped;
    ViewLog()->error("portal view: {}@{}:{}: {} does not fit aggregate {}", m.topic, m.partition,
                 m.offset, fb::EnumNameEvent(e.event.type), e.aggregate_id);
  }
}

std::optional<AccountView> PortalView::Account(const std::string& id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = accounts_.find(id);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

std::optional<UserView> PortalView::User(const std::string& id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::optional<UserView> PortalView::UserByEmail(const std::string& email) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = user_by_email_.find(Lower(email));
  if (it == user_by_email_.end()) return std::nullopt;
  return users_.at(it->second);
}

std::vector<ServiceView> PortalView::Services() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<ServiceView> out;
  for (const auto& [name, v] : services_) out.push_back(v);
  return out;
}

bool PortalView::WaitForPosition(std::string_view context, int32_t partition, int64_t offset,
                                 std::chrono::milliseconds timeout) {
  if (context != "identity" && context != "status") return false;
  const std::string key = PartKey(options_.layout.EventsTopic(context), partition);
  std::unique_lock<std::mutex> lock(pos_mu_);
  return pos_cv_.wait_for(lock, timeout, [&] {
    auto it = next_.find(key);
    return it != next_.end() && it->second > offset;
  });
}

}  // namespace docket::consumers
