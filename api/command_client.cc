#include "api/command_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "api/problem.h"
#include "api/request.h"
#include "common/hash.h"
#include "events/codec.h"
#include "events/envelope.h"

namespace docket::api {
namespace {

// A rejection looked up where the route that sent it is not known: "not
// found" for a missing and a forbidden aggregate alike, as every route
// answers them at least as carefully.
std::optional<Reply> ForeignSafe(const fb::CommandResultT& r) {
  if (r.code == fb::ResultCode::NotFound || r.code == fb::ResultCode::PermissionDenied) {
    return NotFound((r.context.empty() ? std::string("aggregate") : r.context) + " " +
                    r.aggregate_id.substr(0, 64));
  }
  return std::nullopt;
}


constexpr size_t kMaxOwners = 100'000;

}  // namespace

// Idempotency-Key -> a command id of this caller and route; else random.
OrReply<std::string> CommandClient::CommandIdFor(const Call& call,
                                                 const std::string& route_key) const {
  std::string key;
  if (call.req.headers.count("Idempotency-Key")) {
    key = HeaderValue(call.req, "Idempotency-Key");
    if (key.empty() || key.size() > 255 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
      return BadRequest("Idempotency-Key must be 1..255 printable ASCII characters");
    }
    if (!route_key.empty()) key += "\n" + route_key;
  } else if (!route_key.empty()) {
    key = "route\n" + route_key;  // never equal to a header's key (no newline there)
  } else {
    return "r-" + RandomHex(16);
  }
  return "k-" + HmacSha256Hex(id_key_, call.caller().user_id + "\n" + call.req.method_text +
                                           " " + call.req.path + "\n" + key)
                    .substr(0, 40);
}

// If-Match -> the expected version (-1: any, as the command schema says).
OrReply<int64_t> CommandClient::ExpectedVersion(const Call& call, bool versioned) {
  constexpr int64_t kAnyVersion = -1;
  if (!call.req.headers.count("If-Match")) return kAnyVersion;
  std::string m = HeaderValue(call.req, "If-Match");
  if (!versioned) return BadRequest("If-Match is only for routes that change a case");
  if (m == "*") return kAnyVersion;
  if (m.rfind("W/", 0) == 0) m = m.substr(2);
  static const std::regex re("^\"([0-9]{1,18})\"$");
  std::smatch sm;
  if (!std::regex_match(m, sm, re)) return BadRequest("If-Match must be the case's ETag, e.g. \"3\"");
  return static_cast<int64_t>(std::stoll(sm[1]));
}

Reply CommandClient::RejectionReply(const Rejection& on_rejection, const fb::CommandResultT& r) {
  if (on_rejection) {
    if (std::optional<Reply> own = on_rejection(r)) return std::move(*own);
  }
  return ProblemFromResult(r);
}

CommandClient::CommandClient(consumers::CommandBus* bus, Positions* positions, Metrics* metrics,
                             const Clock& clock, std::chrono::milliseconds command_wait)
    : bus_(bus),
      positions_(positions),
      metrics_(metrics),
      clock_(clock),
      command_wait_(command_wait) {}

std::string CommandClient::ContextOf(const fb::CommandEnvelopeT& command) const {
  return std::string(bus_->ContextOf(command.command.type));
}

fb::CommandEnvelopeT CommandClient::NewCommand(const Principal& who,
                                               const std::string& aggregate_id) const {
  fb::ActorT actor;
  actor.user_id = who.user_id;
  actor.role = who.role;
  actor.account_ids = who.account_ids;
  actor.display_name = who.name;
  return events::MakeCommand(aggregate_id, std::move(actor), clock_.NowMicros());
}

OrReply<Sent> CommandClient::Submit(const Call& call, fb::CommandEnvelopeT cmd,
                                    const SubmitOptions& options) {
  DOCKET_ASSIGN_OR_REPLY(cmd.command_id, CommandIdFor(call, options.idempotency_key));
  DOCKET_ASSIGN_OR_REPLY(cmd.expected_version, ExpectedVersion(call, options.versioned));
  cmd.correlation_id = call.req.request_id;
  const std::string type(events::CommandTypeName(cmd.command.type));
  const std::string context = ContextOf(cmd);
  Result<consumers::CommandOutcome> out = bus_->Submit(cmd, command_wait_);
  if (!out.ok()) {
    metrics_->ObserveCommand(type, "error");
    if (out.status().code() == StatusCode::kInvalidArgument) {
      return NotFound(context + " " + cmd.aggregate_id);
    }
    spdlog::warn("gateway: command {} ({}): {}", cmd.command_id, type, out.status().ToString());
    return ProblemFromStatus(out.status());
  }
  RememberOwner(cmd.command_id, {call.caller().user_id, context, options.on_rejection});
  if (!out->decided) {
    metrics_->ObserveCommand(type, "pending");
    return Pending(cmd.command_id);
  }
  const fb::CommandResultT& r = out->result;
  metrics_->ObserveCommand(type, std::string(fb::EnumNameResultCode(r.code)));
  if (r.code != fb::ResultCode::Accepted) {
    Reply rejected = RejectionReply(options.on_rejection, r);
    rejected.Header("Docket-Command", cmd.command_id);
    return rejected;
  }
  Sent sent{r, std::nullopt};
  if (r.events_partition >= 0 && r.events_offset >= 0) {
    sent.position = Position{context, r.events_partition, r.events_offset};
  }
  return sent;
}

Result<std::optional<Sent>> CommandClient::SubmitSystem(const fb::CommandEnvelopeT& cmd) {
  const std::string type(events::CommandTypeName(cmd.command.type));
  Result<consumers::CommandOutcome> out = bus_->Submit(cmd, command_wait_);
  if (!out.ok()) {
    metrics_->ObserveCommand(type, "error");
    return out.status();
  }
  if (!out->decided) {
    metrics_->ObserveCommand(type, "pending");
    return std::optional<Sent>();
  }
  const fb::CommandResultT& r = out->result;
  metrics_->ObserveCommand(type, std::string(fb::EnumNameResultCode(r.code)));
  Sent sent{r, std::nullopt};
  if (r.code == fb::ResultCode::Accepted && r.events_partition >= 0 && r.events_offset >= 0) {
    sent.position = Position{ContextOf(cmd), r.events_partition, r.events_offset};
  }
  return std::optional<Sent>(std::move(sent));
}

Status CommandClient::SendInternal(const fb::CommandEnvelopeT& command) {
  Result<consumers::CommandOutcome> out = bus_->Submit(command, std::chrono::milliseconds(0));
  return out.ok() ? Status::Ok() : out.status();
}

bool CommandClient::AwaitApplied(const Sent& sent) const {
  if (!sent.position) return true;
  const auto start = std::chrono::steady_clock::now();
  const bool applied = positions_->Await(*sent.position, command_wait_);
  metrics_->ObserveAppliedWait(std::chrono::steady_clock::now() - start);
  return applied;
}

Reply CommandClient::Pending(const std::string& id) {
  Reply r = JsonReply(202, {{"id", id}, {"status", "pending"}});
  r.Header("Location", "/api/v1/commands/" + id);
  r.Header("Docket-Command", id);
  return r;
}

void CommandClient::AddCommandHeaders(Reply& reply, const Sent& sent) {
  reply.Header("Docket-Command", sent.result.command_id);
  if (sent.position) reply.Header("Docket-Position", sent.position->Text());
}

void CommandClient::RememberOwner(const std::string& id, Owner owner) {
  std::lock_guard<std::mutex> lock(owners_mu_);
  if (owners_.emplace(id, std::move(owner)).second) owner_order_.push_back(id);
  while (owner_order_.size() > kMaxOwners) {
    owners_.erase(owner_order_.front());
    owner_order_.pop_front();
  }
}

void CommandClient::Register(Router& router) {
  router.Add(http::verb::get, "/api/v1/commands/{id}", Access::kSignedIn,
             [this](Call& call) { return Lookup(call); });
}

Reply CommandClient::Lookup(Call& call) {
  const std::string& id = call.param(0);
  std::optional<Owner> owner;
  {
    std::lock_guard<std::mutex> lock(owners_mu_);
    auto it = owners_.find(id);
    if (it != owners_.end()) {
      if (it->second.user_id != call.caller().user_id) return NotFound("command " + id.substr(0, 64));
      owner = it->second;
    }
  }
  std::optional<fb::CommandResultT> r = bus_->Lookup(id);
  if (!owner) {
    // Sent through another gateway, or before a restart: the result names
    // its sender; the route's own wording of a rejection is not known here,
    // so a rejection is told as little as any route tells (ForeignSafe).
    if (!r || r->actor_user_id.empty() || r->actor_user_id != call.caller().user_id) {
      return NotFound("command " + id.substr(0, 64));
    }
    owner = Owner{r->actor_user_id, r->context, &ForeignSafe};
  }
  if (!r) return JsonReply(200, {{"id", id}, {"status", "pending"}});
  if (r->code != fb::ResultCode::Accepted) {
    // Exactly what the direct answer said, and nothing more (no version,
    // no rule the route chose to hide).
    const Reply rejected = RejectionReply(owner->on_rejection, *r);
    return JsonReply(200, {{"id", id},
                           {"status", "rejected"},
                           {"problem", nlohmann::json::parse(rejected.body, nullptr, false)}});
  }
  nlohmann::json j = {{"id", id},
                      {"status", "accepted"},
                      {"code", std::string(fb::EnumNameResultCode(r->code))},
                      {"aggregate_id", r->aggregate_id},
                      {"version", r->version}};
  if (r->events_partition >= 0) {
    j["position"] = Position{owner->context, r->events_partition, r->events_offset}.Text();
  }
  return JsonReply(200, j);
}

}  // namespace docket::api
