// Given-events / when-command / then-events helpers for handler unit tests
// (test-only, header-only): commands from a role, folding a decision's
// events, the rejection of a decision.
#ifndef DOCKET_AGGREGATES_HANDLER_TESTING_H_
#define DOCKET_AGGREGATES_HANDLER_TESTING_H_

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "aggregates/handler.h"
#include "events/envelope.h"

namespace docket::aggregates::testing {

using fb::Role;

// An argon2id-shaped hash (the aggregates check the prefix only).
inline constexpr const char* kHash =
    "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

inline fb::ActorT Actor(Role role) {
  fb::ActorT a;
  a.user_id = role == Role::Customer ? "u-customer" : role == Role::Admin ? "u-admin" : "u-staff";
  a.role = role;
  if (role == Role::Customer) a.account_ids = {"ACC-1"};
  return a;
}

template <typename T>
inline fb::CommandEnvelopeT Cmd(Role role, const std::string& id, T payload,
                                int64_t expected = -1) {
  fb::CommandEnvelopeT c = events::MakeCommand(id, Actor(role), 0);
  c.command_id = "cmd-1";
  c.expected_version = expected;
  c.command.Set(std::move(payload));
  return c;
}

// Folds `decision`'s events into `state` (versions continue from it), as
// if they occurred at `at_us`.
inline std::string Fold(const AggregateHandler& h, std::string state, const Decision& d,
                        const std::string& id, int64_t at_us = 0) {
  const auto& evs = std::get<Events>(d);
  uint64_t v = h.Version(state);
  for (size_t i = 0; i < evs.size(); ++i) {
    fb::EventEnvelopeT env = events::MakeEventEnvelope(
        id, ++v, Actor(Role::Staff), "c", "", static_cast<uint32_t>(i), at_us, evs[i]);
    Result<std::string> s = h.Apply(state, env);
    EXPECT_TRUE(s.ok()) << s.status();
    state = *s;
  }
  return state;
}

inline Rejection Rejected(const Decision& d) { return std::get<Rejection>(d); }

}  // namespace docket::aggregates::testing

#endif  // DOCKET_AGGREGATES_HANDLER_TESTING_H_
