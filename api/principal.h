// Principal: the signed-in caller of a request, as the authenticator found
// it (api/authn.h). Routes decide what the caller may see from it; the
// commands they send carry it as their actor, so the aggregates check again.
#ifndef DOCKET_API_PRINCIPAL_H_
#define DOCKET_API_PRINCIPAL_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/common_generated.h"

namespace docket::api {

struct Principal {
  std::string user_id;
  std::string email;
  std::string name;
  fb::Role role = fb::Role::Customer;
  std::vector<std::string> account_ids;  // a customer's memberships
  bool staff = false;                    // staff and admins: every account
  std::string token;                     // the session token that signed it in

  // True when the caller may read account `account_id`'s data.
  bool MayRead(std::string_view account_id) const {
    return staff || std::find(account_ids.begin(), account_ids.end(), account_id) !=
                        account_ids.end();
  }
};

}  // namespace docket::api

#endif  // DOCKET_API_PRINCIPAL_H_
