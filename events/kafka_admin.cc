// Admin: topics created, described and deleted (events/kafka.h), through
// librdkafka's C Admin API on a C++ handle.
#include "events/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <set>
#include <thread>

#include "events/kafka_internal.h"

namespace docket::kafka {
namespace {

using internal::ApplyExtra;
using internal::BaseConf;
using internal::ConfPtr;
using internal::Ms;
using internal::TimedOut;

template <typename T, void (*F)(T*)>
struct CDeleter {
  void operator()(T* p) const {
    if (p) F(p);
  }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, CDeleter<rd_kafka_queue_t, rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, CDeleter<rd_kafka_event_t, rd_kafka_event_destroy>>;
using AdminOptsPtr = std::unique_ptr<rd_kafka_AdminOptions_t,
                                     CDeleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>>;

}  // namespace

Admin::Admin(KafkaOptions options)
    : options_(std::move(options)),
      callbacks_(std::make_unique<ClientCallbacks>(options_.brokers)) {}

Admin::~Admin() = default;

Result<std::unique_ptr<Admin>> Admin::Create(KafkaOptions options) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Admin> a(new Admin(std::move(options)));
  DOCKET_ASSIGN_OR_RETURN(ConfPtr conf, BaseConf(a->options_, a->callbacks_.get()));
  DOCKET_RETURN_IF_ERROR(ApplyExtra(conf.get(), a->options_));
  std::string err;
  a->handle_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!a->handle_) return InvalidArgumentError("kafka admin: " + err);
  return a;
}

namespace {

// Runs one admin request and waits (bounded) for its result event.
template <typename Call>
Result<EventPtr> RunAdmin(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                          std::chrono::milliseconds timeout,
                          const std::string& what, const ClientCallbacks& cb,
                          Call call) {
  AdminOptsPtr opts(rd_kafka_AdminOptions_new(rk, op));
  char err[512];
  if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), Ms(timeout), err, sizeof err)) {
    return InvalidArgumentError(what + ": " + err);
  }
  // Only topic creation and deletion have an operation (controller) timeout.
  const bool has_operation_timeout =
      op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS;
  if (has_operation_timeout &&
      rd_kafka_AdminOptions_set_operation_timeout(opts.get(), Ms(timeout), err, sizeof err)) {
    return InvalidArgumentError(what + ": " + err);
  }
  QueuePtr queue(rd_kafka_queue_new(rk));
  call(opts.get(), queue.get());
  EventPtr ev(rd_kafka_queue_poll(queue.get(), Ms(timeout) + 2000));
  if (!ev) {
    return cb.FromKafka(RdKafka::ERR__TIMED_OUT, TimedOut(what, timeout));
  }
  if (rd_kafka_event_error(ev.get())) {
    return cb.FromKafka(
        static_cast<RdKafka::ErrorCode>(rd_kafka_event_error(ev.get())),
        what + ": " + rd_kafka_event_error_string(ev.get()));
  }
  return ev;
}

}  // namespace

Status Admin::CreateTopics(const std::vector<TopicSpec>& specs) {
  if (specs.empty()) return Status::Ok();
  rd_kafka_t* rk = handle_->c_ptr();
  std::vector<rd_kafka_NewTopic_t*> topics;
  struct Cleanup {
    std::vector<rd_kafka_NewTopic_t*>* t;
    ~Cleanup() { rd_kafka_NewTopic_destroy_array(t->data(), t->size()); }
  } cleanup{&topics};
  char err[512];
  for (const auto& s : specs) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(
        s.name.c_str(), s.partitions, s.replication_factor, err, sizeof err);
    if (!nt) return InvalidArgumentError("topic '" + s.name + "': " + err);
    topics.push_back(nt);
    for (const auto& [k, v] : s.configs) {
      if (rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str())) {
        return InvalidArgumentError("topic '" + s.name + "': config " + k);
      }
    }
  }
  DOCKET_ASSIGN_OR_RETURN(
      EventPtr ev,
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, options_.timeout,
               "create topics", *callbacks_,
               [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                 rd_kafka_CreateTopics(rk, topics.data(), topics.size(), o, q);
               }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
      rd_kafka_event_CreateTopics_result(ev.get()), &n);
  return TopicResults(results, n, "create");
}

Status Admin::TopicResults(const rd_kafka_topic_result_t** results, size_t n,
                           const std::string& op) const {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    std::string name = rd_kafka_topic_result_name(results[i]);
    if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      return AlreadyExistsError("topic '" + name + "' already exists");
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return callbacks_->FromKafka(static_cast<RdKafka::ErrorCode>(e),
                                   op + " topic '" + name + "': " +
                                       (msg ? msg : rd_kafka_err2str(e)));
    }
  }
  return Status::Ok();
}

namespace {
using ConfigResourcePtr =
    std::unique_ptr<rd_kafka_ConfigResource_t,
                    CDeleter<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>>;

// The partitions and configs of the `names` that exist, asked in one
// metadata request and one DescribeConfigs request for them all (a request
// per topic, each with the metadata of every topic in the cluster, took
// docketd's start about 300 ms on a broker with many topics).
Result<std::map<std::string, TopicDescription>> DescribeTopics(
    RdKafka::Producer& handle, const KafkaOptions& options, const ClientCallbacks& callbacks,
    const std::vector<std::string>& names) {
  std::map<std::string, TopicDescription> found;
  {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode err = handle.metadata(true, nullptr, &raw, Ms(options.timeout));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (err != RdKafka::ERR_NO_ERROR) {
      return callbacks.FromKafka(err, TimedOut("metadata", options.timeout));
    }
    const std::set<std::string> wanted(names.begin(), names.end());
    for (const auto* t : *md->topics()) {
      if (t->err() != RdKafka::ERR_NO_ERROR || !wanted.count(t->topic())) continue;
      TopicDescription& d = found[t->topic()];
      d.name = t->topic();
      d.partitions = static_cast<int32_t>(t->partitions()->size());
    }
  }
  if (found.empty()) return found;
  rd_kafka_t* rk = handle.c_ptr();
  std::vector<ConfigResourcePtr> owned;
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const auto& [name, d] : found) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
    resources.push_back(owned.back().get());
  }
  const std::string what = "describe configs of " + std::to_string(found.size()) + " topic(s)";
  DOCKET_ASSIGN_OR_RETURN(
      EventPtr ev,
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, options.timeout, what, callbacks,
               [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                 rd_kafka_DescribeConfigs(rk, resources.data(), resources.size(), o, q);
               }));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(rs[i]);
    if (rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(rs[i])) {
      return callbacks.FromKafka(static_cast<RdKafka::ErrorCode>(e),
                                 "describe configs of '" + name + "'");
    }
    auto it = found.find(name);
    if (it == found.end()) continue;
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &m);
    for (size_t j = 0; j < m; ++j) {
      const char* v = rd_kafka_ConfigEntry_value(entries[j]);
      it->second.configs[rd_kafka_ConfigEntry_name(entries[j])] = v ? v : "";
    }
  }
  return found;
}
}  // namespace

Result<TopicDescription> Admin::DescribeTopic(const std::string& name) {
  DOCKET_ASSIGN_OR_RETURN(auto found, DescribeTopics(*handle_, options_, *callbacks_, {name}));
  auto it = found.find(name);
  if (it == found.end()) return NotFoundError("topic '" + name + "' does not exist");
  return std::move(it->second);
}

Status Admin::EnsureTopics(const std::vector<TopicSpec>& specs) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  DOCKET_ASSIGN_OR_RETURN(auto found, DescribeTopics(*handle_, options_, *callbacks_, names));
  std::vector<TopicSpec> missing;
  for (const auto& s : specs) {
    auto it = found.find(s.name);
    if (it == found.end()) {
      missing.push_back(s);
      continue;
    }
    const TopicDescription* d = &it->second;
    if (d->partitions != s.partitions) {
      return FailedPreconditionError(
          "topic '" + s.name + "' has " + std::to_string(d->partitions) +
          " partitions, expected " + std::to_string(s.partitions) +
          " (partition counts are fixed for life)");
    }
    for (const auto& [k, v] : s.configs) {
      auto c = d->configs.find(k);
      std::string actual = c == d->configs.end() ? "<unset>" : c->second;
      if (actual != v) {
        return FailedPreconditionError("topic '" + s.name + "': " + k + " is " +
                                       actual + ", expected " + v);
      }
    }
  }
  Status s = CreateTopics(missing);
  if (s.code() == StatusCode::kAlreadyExists) {
    // Raced with another creator, or the topic is still being deleted: look
    // again, a bounded number of times.
    if (++ensure_attempts_ > 20) {
      ensure_attempts_ = 0;
      return s.Annotate("ensure topics: still racing after 20 attempts");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return EnsureTopics(specs);
  }
  ensure_attempts_ = 0;
  DOCKET_RETURN_IF_ERROR(s);
  return WaitForLeaders(specs);
}

Status Admin::WaitForLeaders(const std::vector<TopicSpec>& specs) {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode err = handle_->metadata(true, nullptr, &raw, Ms(options_.timeout));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (err != RdKafka::ERR_NO_ERROR) {
      return callbacks_->FromKafka(err, TimedOut("metadata", options_.timeout));
    }
    std::string waiting;
    for (const auto& spec : specs) {
      int32_t led = 0;
      for (const auto* t : *md->topics()) {
        if (t->topic() != spec.name) continue;
        for (const auto* p : *t->partitions()) {
          led += p->err() == RdKafka::ERR_NO_ERROR && p->leader() >= 0;
        }
      }
      if (led < spec.partitions) waiting = spec.name;
    }
    if (waiting.empty()) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return UnavailableError("brokers " + options_.brokers + ": topic '" + waiting +
                              "' has partitions without a leader after " +
                              std::to_string(options_.timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status Admin::DeleteTopics(const std::vector<std::string>& names) {
  if (names.empty()) return Status::Ok();
  rd_kafka_t* rk = handle_->c_ptr();
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const auto& n : names) topics.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
  struct Cleanup {
    std::vector<rd_kafka_DeleteTopic_t*>* t;
    ~Cleanup() { rd_kafka_DeleteTopic_destroy_array(t->data(), t->size()); }
  } cleanup{&topics};
  DOCKET_ASSIGN_OR_RETURN(
      EventPtr ev,
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, options_.timeout,
               "delete topics", *callbacks_,
               [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                 rd_kafka_DeleteTopics(rk, topics.data(), topics.size(), o, q);
               }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(
      rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  return TopicResults(results, n, "delete");
}

}  // namespace docket::kafka
