// Small helpers the identity context's rule files share (identity_handler,
// sign_in, profile, access_request). Internal to aggregates/identity/.
#ifndef DOCKET_AGGREGATES_IDENTITY_IDENTITY_RULES_H_
#define DOCKET_AGGREGATES_IDENTITY_IDENTITY_RULES_H_

#include <utility>

#include "aggregates/decision.h"

namespace docket::aggregates::identity_rules {

// Staff, admins and Docket itself.
inline bool IsStaff(const fb::ActorT& a) {
  return a.role == fb::Role::Staff || a.role == fb::Role::Admin || a.role == fb::Role::System;
}

// A decision of one event.
template <typename T>
Events One(T payload) {
  Events out;
  out.emplace_back().Set(std::move(payload));
  return out;
}

}  // namespace docket::aggregates::identity_rules

#endif  // DOCKET_AGGREGATES_IDENTITY_IDENTITY_RULES_H_
