// What the identity routes' files share: the JSON of a user and an account,
// the Principal of a user, and a 422 naming one field.
#ifndef DOCKET_API_ROUTES_IDENTITY_JSON_H_
#define DOCKET_API_ROUTES_IDENTITY_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "api/http.h"
#include "api/principal.h"
#include "projections/identity/identity_queries.h"

namespace docket::api {

nlohmann::json UserJson(const projections::UserView& u);
nlohmann::json AccountJson(const projections::AccountView& a);
Principal PrincipalOf(const projections::UserView& u);
Reply Unprocessable(const std::string& field, const std::string& message,
                    const std::string& detail, const std::string& rule);

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_IDENTITY_JSON_H_
