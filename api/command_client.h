// CommandClient: how a route sends a command and answers with its outcome
// (docs/api.md, "Commands").
//
//   - Idempotency-Key: the command id is an HMAC of the caller, the route
//     and the key under the gateways' id key (SetIdKey), so a repeat gets
//     the first outcome (the decider's dedupe) and nobody but the sender can
//     compute it; without one, the id is random.
//   - If-Match: the case's ETag becomes the command's expected version (a
//     mismatch is the aggregate's 412); only for routes that change a
//     versioned aggregate.
//   - The outcome: accepted (Sent: the result and the position of its
//     events), a rejection as a problem (ProblemFromResult, or the route's
//     own answer for it), or 202 + Location /commands/{id} when the result
//     did not arrive within `command_wait`. Every answer names its command
//     (Docket-Command). GET /commands/{id} answers the sender only
//     (Register()), and a rejection exactly as the direct answer gave it
//     (the route's on_rejection applies to both), so a lookup tells no more
//     than the answer did: "another account's case" stays "not found". A
//     command sent through another gateway, or before a restart, is found
//     by its result (the decider records the sender, CommandResult
//     .actor_user_id; the bus reads recent results back at start); its
//     rejection is told with a missing and a forbidden aggregate alike
//     "not found".
//
// Thread-safe.
#ifndef DOCKET_API_COMMAND_CLIENT_H_
#define DOCKET_API_COMMAND_CLIENT_H_

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/metrics.h"
#include "api/or_reply.h"
#include "api/positions.h"
#include "api/router.h"
#include "common/clock.h"
#include "consumers/command_bus.h"

namespace docket::api {

// An accepted command: its result and where its events are.
struct Sent {
  fb::CommandResultT result;
  std::optional<Position> position;
};

struct SubmitOptions {
  // The route changes a versioned aggregate: If-Match is allowed.
  bool versioned = false;
  // The route's own answer to a rejection (e.g. a case route answers
  // "another account's case" exactly like a missing case); nullopt: the
  // usual problem.
  std::function<std::optional<Reply>(const fb::CommandResultT&)> on_rejection;
  // An idempotency key of the route's own (e.g. a chat message's client
  // id): the command id is derived from it as from an Idempotency-Key, and
  // from both when the request has one too, so that a route sending two
  // commands for one request gives each its own id.
  std::string idempotency_key;
};

class CommandClient {
 public:
  // Every pointer must outlive the client.
  CommandClient(consumers::CommandBus* bus, Positions* positions, Metrics* metrics,
                const Clock& clock, std::chrono::milliseconds command_wait);

  // A command on `aggregate_id` with the caller as its actor.
  fb::CommandEnvelopeT NewCommand(const Principal& who, const std::string& aggregate_id) const;
  // The key command ids are derived with (hex, from the gateways' shared
  // key file); set before the first Submit.
  void SetIdKey(std::string key) { id_key_ = std::move(key); }

  // Applies Idempotency-Key and If-Match, submits and waits (see above).
  OrReply<Sent> Submit(const Call& call, fb::CommandEnvelopeT command,
                       const SubmitOptions& options = {});
  // Submits a command of the gateway itself (e.g. a sign-in step, whose
  // rejection is not an error to show) and waits like Submit: the result,
  // accepted or not, and the position of its events; nullopt when it was
  // not decided in time. kUnavailable when it could not be written.
  Result<std::optional<Sent>> SubmitSystem(const fb::CommandEnvelopeT& command);
  // Submits a command of the system itself (no caller, no HTTP request)
  // without waiting for its outcome; it is on the log once this returns Ok.
  Status SendInternal(const fb::CommandEnvelopeT& command);
  // Waits until the command's events are in the read models; false on
  // timeout.
  bool AwaitApplied(const Sent& sent) const;

  // If-Match of a route that changes a versioned aggregate (`versioned`):
  // the expected version, -1 for none or "*"; 400 when malformed or not
  // `versioned`.
  static OrReply<int64_t> ExpectedVersion(const Call& call, bool versioned);

  // 202 + Location of the command.
  static Reply Pending(const std::string& command_id);
  // Docket-Command, and Docket-Position of the command's events.
  static void AddCommandHeaders(Reply& reply, const Sent& sent);

  // GET /api/v1/commands/{id}.
  void Register(Router& router);

 private:
  using Rejection = std::function<std::optional<Reply>(const fb::CommandResultT&)>;
  struct Owner {
    std::string user_id;
    std::string context;
    Rejection on_rejection;  // the route's, for the lookup
  };
  OrReply<std::string> CommandIdFor(const Call& call, const std::string& route_key) const;
  // The answer to a rejection: the route's own, else the usual problem.
  static Reply RejectionReply(const Rejection& on_rejection, const fb::CommandResultT& r);
  Reply Lookup(Call& call);
  void RememberOwner(const std::string& id, Owner owner);
  std::string ContextOf(const fb::CommandEnvelopeT& command) const;

  consumers::CommandBus* bus_;
  Positions* positions_;
  Metrics* metrics_;
  const Clock& clock_;
  std::chrono::milliseconds command_wait_;
  std::string id_key_;
  std::mutex owners_mu_;
  std::unordered_map<std::string, Owner> owners_;  // command id -> who sent it
  std::deque<std::string> owner_order_;
};

}  // namespace docket::api

#endif  // DOCKET_API_COMMAND_CLIENT_H_
