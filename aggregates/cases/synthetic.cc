#include "aggregates/cases/synthetic.h"

#include <array>

#include "aggregates/cases/case.h"
#include "events/envelope.h"

namespace docket::aggregates {
using events::MakeEvent;
namespace {

using fb::Event;

constexpr std::array<const char*, 12> kSubjects = {
    "Backups failing on the office NAS",   "Résumé upload keeps timing out",
    "Internet outage at the branch office", "Billing question about last invoice",
    "Slow speed every evening",            "Add a new fiber line",
    "Change our service plan",             "Router keeps rebooting",
    "VoIP calls dropping after a minute",  "Email not syncing on phones",
    "Static IP address request",           "Porting our phone numbers"};

constexpr std::array<const char*, 48> kWords = {
    "internet", "router",   "modem",    "fiber",    "outage",   "invoice", "billing",
    "speed",    "latency",  "voip",     "phone",    "line",     "backup",  "office",
    "branch",   "customer", "service",  "address",  "upgrade",  "plan",    "contract",
    "technician", "visit",  "cable",    "wifi",     "signal",   "drops",   "slow",
    "evening",  "morning",  "restart",  "firmware", "password", "account", "charge",
    "refund",   "credit",   "porting",  "number",   "static",   "dns",     "email",
    "mailbox",  "sync",     "handset",  "dialtone", "bandwidth", "ticket"};

constexpr std::array<const char*, 4> kTypes = {"technical_support", "account_billing",
                                               "new_service", "change_service"};
constexpr std::array<const char*, 4> kCategories = {"internet", "billing", "voice",
                                                    "email"};

std::vector<Event> Script(std::mt19937_64& rng) {
  switch (rng() % 7) {
    case 0:
      return {Event::CommentAdded, Event::WatcherAdded, Event::CaseAccepted,
              Event::CommentAdded, Event::AttachmentAdded, Event::CaseResolved,
              Event::ResolutionAccepted};
    case 1:
      return {Event::CaseAccepted, Event::InformationRequested, Event::CommentAdded,
              Event::InformationProvided, Event::CaseResolved, Event::CaseClosed};
    case 2:
      return {Event::CommentAdded, Event::CaseCancelled};
    case 3:
      return {Event::CaseAccepted, Event::InternalNoteAdded, Event::CommentAdded};
    case 4:
      return {Event::CommentAdded};
    case 5:
      return {Event::CaseAccepted, Event::CaseResolved, Event::ResolutionRejected,
              Event::CommentAdded, Event::CaseResolved, Event::ResolutionAccepted};
    default:
      return {Event::AttachmentAdded, Event::AttachmentRenamed, Event::WatcherAdded,
              Event::AttachmentRemoved, Event::WatcherRemoved, Event::CaseAccepted};
  }
}

}  // namespace

Status SyntheticOptions::Validate() const {
  if (partitions < 1) return InvalidArgumentError("partitions must be at least 1");
  if (accounts < 1 || accounts > 9999) return InvalidArgumentError("accounts must be 1..9999");
  if (active_cases < 1) return InvalidArgumentError("active_cases must be at least 1");
  return Status::Ok();
}

SyntheticCases::SyntheticCases(SyntheticOptions options)
    : options_(options),
      rng_(options.seed),
      counters_(static_cast<size_t>(options.partitions), 0),
      now_us_(options.start_us) {}

std::string SyntheticCases::AccountId(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "ACC-%04d", i);
  return buf;
}

std::string SyntheticCases::Sentence(int words) {
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i) out.push_back(' ');
    // Zipf-like: common words often, a long tail of rarer made-up ones.
    if (rng_() % 3) {
      out += kWords[rng_() % kWords.size()];
    } else {
      out += "w" + std::to_string(rng_() % 20000);
    }
  }
  return out;
}

SyntheticCases::Flight SyntheticCases::OpenFlight() {
  Flight f;
  const int32_t p = static_cast<int32_t>(opened_ % static_cast<uint64_t>(options_.partitions));
  f.number = FormatCaseNumber(++counters_[static_cast<size_t>(p)], p,
                                          options_.partitions);
  f.account = AccountId(1 + static_cast<int>(rng_() % static_cast<uint64_t>(options_.accounts)));
  f.script.push_back(Event::CaseOpened);
  for (Event e : Script(rng_)) f.script.push_back(e);
  ++opened_;
  return f;
}

fb::EventEnvelopeT SyntheticCases::Step(Flight& f) {
  const Event type = f.script[f.step++];
  const uint64_t version = ++f.version;
  now_us_ += 1000 + static_cast<int64_t>(rng_() % 1000000);
  fb::ActorT actor;
  const bool staff = type != Event::CaseOpened && type != Event::CommentAdded &&
                     type != Event::WatcherAdded && type != Event::ResolutionAccepted &&
                     type != Event::ResolutionRejected && type != Event::CaseCancelled &&
                     type != Event::InformationProvided;
  if (staff) {
    actor.user_id = "agent-" + std::to_string(1 + rng_() % 5);
    actor.role = fb::Role::Staff;
    actor.display_name = "Agent " + actor.user_id.substr(6);
  } else {
    actor.user_id = "cust-" + f.account;
    actor.role = fb::Role::Customer;
    actor.account_ids = {f.account};
    actor.display_name = "Customer of " + f.account;
  }
  const std::string command_id = "syn-" + std::to_string(++seq_);
  auto make = [&](auto payload) {
    return MakeEvent(f.number, version, actor, command_id, 0, now_us_, std::move(payload));
  };
  switch (type) {
    case Event::CaseOpened: {
      fb::CaseOpenedT o;
      o.case_number = f.number;
      o.account_id = f.account;
      o.case_type = kTypes[rng_() % kTypes.size()];
      o.category = kCategories[rng_() % kCategories.size()];
      o.subject = kSubjects[rng_() % kSubjects.size()];
      o.description = Sentence(20 + static_cast<int>(rng_() % 30));
      o.service_address = std::to_string(1 + rng_() % 999) + " Main Street, Springfield";
      o.catalog_version = 1;
      return make(std::move(o));
    }
    case Event::CommentAdded: {
      fb::CommentAddedT c;
      c.comment_id = command_id;
      c.body = Sentence(8 + static_cast<int>(rng_() % 20));
      return make(std::move(c));
    }
    case Event::InternalNoteAdded: {
      fb::InternalNoteAddedT n;
      n.note_id = command_id;
      n.body = "internal " + Sentence(6);
      return make(std::move(n));
    }
    case Event::AttachmentAdded: {
      fb::AttachmentAddedT a;
      a.attachment_id = "att-1";
      a.sha256 = std::string(64, 'a');
      a.file_name = "log-" + std::to_string(version) + ".txt";
      a.size_bytes = 100 + rng_() % 100000;
      a.content_type = "text/plain";
      return make(std::move(a));
    }
    case Event::AttachmentRenamed: {
      fb::AttachmentRenamedT a;
      a.attachment_id = "att-1";
      a.file_name = "renamed.txt";
      return make(std::move(a));
    }
    case Event::AttachmentRemoved: {
      fb::AttachmentRemovedT a;
      a.attachment_id = "att-1";
      return make(std::move(a));
    }
    case Event::WatcherAdded: {
      fb::WatcherAddedT w;
      w.email = "watcher@" + f.account + ".example";
      return make(std::move(w));
    }
    case Event::WatcherRemoved: {
      fb::WatcherRemovedT w;
      w.email = "watcher@" + f.account + ".example";
      return make(std::move(w));
    }
    case Event::CaseAccepted: return make(fb::CaseAcceptedT{});
    case Event::InformationRequested: {
      fb::InformationRequestedT r;
      r.message = "Please send the router model";
      return make(std::move(r));
    }
    case Event::InformationProvided: {
      fb::InformationProvidedT p;
      p.comment_id = "syn-" + std::to_string(seq_ - 1);
      return make(std::move(p));
    }
    case Event::CaseResolved: {
      fb::CaseResolvedT r;
      r.resolution = "Replaced the " + std::string(kWords[rng_() % kWords.size()]);
      return make(std::move(r));
    }
    case Event::ResolutionAccepted: return make(fb::ResolutionAcceptedT{});
    case Event::ResolutionRejected: {
      fb::ResolutionRejectedT r;
      r.reason = "Still broken";
      return make(std::move(r));
    }
    case Event::CaseClosed: return make(fb::CaseClosedT{});
    case Event::CaseCancelled: {
      fb::CaseCancelledT c;
      c.reason = "Fixed itself";
      return make(std::move(c));
    }
    default: {
      fb::CaseReopenedT r;
      r.reason = "Back again";
      return make(std::move(r));
    }
  }
}

fb::EventEnvelopeT SyntheticCases::Next() {
  while (flights_.size() < options_.active_cases) flights_.push_back(OpenFlight());
  const size_t i = rng_() % flights_.size();
  fb::EventEnvelopeT e = Step(flights_[i]);
  if (flights_[i].step == flights_[i].script.size()) {
    flights_[i] = std::move(flights_.back());
    flights_.pop_back();
  }
  return e;
}

int32_t SyntheticCases::PartitionOf(const fb::EventEnvelopeT& e) const {
  auto p = CasePartition(e.aggregate_id, options_.partitions);
  return p.ok() ? *p : 0;
}

}  // namespace docket::aggregates
