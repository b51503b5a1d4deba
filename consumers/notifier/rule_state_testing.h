// A RuleState in a map, for the unit tests of mail rules (test-only).
#ifndef DOCKET_CONSUMERS_NOTIFIER_RULE_STATE_TESTING_H_
#define DOCKET_CONSUMERS_NOTIFIER_RULE_STATE_TESTING_H_

#include <map>
#include <optional>
#include <string>

#include "consumers/notifier/mail_rules.h"

namespace docket::notifier::testing {

class MapState final : public RuleState {
 public:
  Result<std::optional<std::string>> Get(const std::string& key) override {
    auto it = rows.find(key);
    return it == rows.end() ? std::optional<std::string>() : std::optional(it->second);
  }
  void Put(const std::string& key, const std::string& value) override { rows[key] = value; }
  std::map<std::string, std::string> rows;
};

}  // namespace docket::notifier::testing

#endif  // DOCKET_CONSUMERS_NOTIFIER_RULE_STATE_TESTING_H_
