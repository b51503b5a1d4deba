#include "api/server/contexts.h"

#include "aggregates/cases/case_handler.h"
#include "aggregates/chat/chat_handler.h"
#include "aggregates/identity/identity.h"
#include "aggregates/identity/identity_handler.h"
#include "aggregates/status/status_handler.h"
#include "api/routes/cases.h"
#include "api/routes/chat.h"
#include "api/routes/identity.h"
#include "api/routes/status.h"
#include "consumers/cases/case_mails.h"
#include "consumers/chat/chat_mails.h"
#include "consumers/identity/identity_mails.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"
#include "projections/chat/chat_projection.h"
#include "projections/identity/identity_projection.h"
#include "projections/identity/identity_queries.h"
#include "projections/status/status_projection.h"

namespace docket::server {
namespace {

// An account's name (nullopt: no such account), from the identity read
// models.
Result<std::optional<std::string>> AccountName(consumers::ProjectionRunner* identity,
                                               const std::string& id) {
  std::shared_ptr<projections::ReadStore> store = identity->store();
  if (!store) return UnavailableError("the identity read models are still opening");
  DOCKET_ASSIGN_OR_RETURN(auto account, projections::IdentityQueries(store.get()).Account(id));
  if (!account) return std::optional<std::string>();
  return std::optional<std::string>(account->name);
}

// What the chat needs of the cases: whether a case is one of a customer's
// accounts (from the cases read models), the comment a transcript is, and
// the case a chat opens.
api::ChatCases ChatCases(consumers::ProjectionRunner* cases) {
  api::ChatCases out;
  out.check = [cases](const std::vector<std::string>& account_ids,
                      const std::string& number) -> Status {
    std::shared_ptr<projections::ReadStore> store = cases->store();
    if (!store) return UnavailableError("the cases read models are still opening");
    projections::Scope scope;
    scope.account_ids = account_ids;
    return projections::CaseQueries(store.get()).GetCase(scope, number).status();
  };
  out.comment = [](fb::CommandEnvelopeT& command, std::string text) {
    fb::AddCommentT c;
    c.body = std::move(text);
    command.command.Set(std::move(c));
  };
  out.open = [](fb::CommandEnvelopeT& command, const api::ChatNewCase& n) {
    fb::OpenCaseT c;
    c.account_id = n.account_id;
    c.case_type = n.case_type;
    c.category = n.category;
    c.subject = n.subject;
    c.description = n.description;
    command.command.Set(std::move(c));
  };
  return out;
}

}  // namespace

std::vector<Context> MakeContexts(const DocketdConfig& config, const aggregates::Catalog* catalog) {
  std::vector<Context> contexts;
  contexts.push_back(Context{
      std::make_unique<aggregates::CaseHandler>(catalog, config.case_limits),
      std::make_unique<projections::CaseProjection>(), "projections",
      [catalog, limits = config.case_limits](
          const RunnerOf& runners) -> std::unique_ptr<api::RouteModule> {
        consumers::ProjectionRunner* identity = runners("identity");
        return std::make_unique<api::CaseRoutes>(
            catalog, limits, runners("cases"),
            [identity](const std::string& id) { return AccountName(identity, id); });
      },
      std::make_unique<notifier::CaseMails>()});
  contexts.push_back(Context{
      std::make_unique<aggregates::IdentityHandler>(config.identity_limits),
      std::make_unique<projections::IdentityProjection>(), "identity",
      [common = config.common_passwords, questions = config.challenge_questions](
          const RunnerOf& runners) -> std::unique_ptr<api::RouteModule> {
        return std::make_unique<api::IdentityRoutes>(runners("identity"), common, questions);
      },
      std::make_unique<notifier::IdentityMails>()});
  const api::StatusRoutesOptions status{config.quick_links_path, config.status_services_path,
                                       config.portal_config_path};
  contexts.push_back(Context{
      std::make_unique<aggregates::StatusHandler>(),
      std::make_unique<projections::StatusProjection>(), "status",
      [status](const RunnerOf& runners) -> std::unique_ptr<api::RouteModule> {
        return std::make_unique<api::StatusRoutes>(runners("status"), status);
      }});
  contexts.push_back(Context{
      std::make_unique<aggregates::ChatHandler>(config.chat.limits),
      std::make_unique<projections::ChatProjection>(), "chat",
      [chat = config.chat](const RunnerOf& runners) -> std::unique_ptr<api::RouteModule> {
        return std::make_unique<api::ChatRoutes>(runners("chat"), chat, ChatCases(runners("cases")));
      },
      std::make_unique<notifier::ChatMails>()});
  return contexts;
}

notifier::Notifier::Directory MailDirectory(const RunnerOf& runners) {
  consumers::ProjectionRunner* identity = runners("identity");
  return [identity](const std::string& user_id) -> Result<std::optional<notifier::Recipient>> {
    std::shared_ptr<projections::ReadStore> store = identity->store();
    if (!store) return UnavailableError("the identity read models are still opening");
    DOCKET_ASSIGN_OR_RETURN(auto user, projections::IdentityQueries(store.get()).User(user_id));
    if (!user) return std::optional<notifier::Recipient>();
    return std::optional<notifier::Recipient>(notifier::Recipient{user->email, user->name});
  };
}

notifier::Notifier::LinkMaker MailLinks(const std::string& secret) {
  return [key = aggregates::LinkKey(secret)](const std::string& user_id,
                                             const std::string& command_id) {
    return aggregates::LinkToken(key, user_id, command_id);
  };
}

}  // namespace docket::server
