// What the identity routes' files share: the JSON of a user and an account,
// the Principal of a user, a 422 naming one field, and no-store answers.
#ifndef DOCKET_API_ROUTES_IDENTITY_JSON_H_
#define DOCKET_API_ROUTES_IDENTITY_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "api/command_client.h"
#include "api/http.h"
#include "api/principal.h"
#include "projections/identity/identity_queries.h"

namespace docket::api {

nlohmann::json UserJson(const projections::UserView& u);
nlohmann::json AccountJson(const projections::AccountView& a);
Principal PrincipalOf(const projections::UserView& u);
Reply Unprocessable(const std::string& field, const std::string& message,
                    const std::string& detail, const std::string& rule);
// Cache-Control: no-store and Referrer-Policy: no-referrer (answers about
// links and credentials).
Reply NoStore(Reply r);
// A page of a staff list ({data, meta: {has_more, after_cursor,
// truncated}, links: {next}}), the next link the request's own with the
// cursor.
Reply ListPage(const Request& req, nlohmann::json rows, bool has_more,
               const std::string& after_cursor, bool truncated);
// A command the gateway sent itself was decided and accepted.
bool Accepted(const std::optional<Sent>& sent);

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_IDENTITY_JSON_H_
