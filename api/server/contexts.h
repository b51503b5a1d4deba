// The composition root of docketd: the one place that names the contexts.
// A context is its aggregate handler (decided by the generic decider), its
// projection (kept by the generic projection runner) and its routes
// (registered on the gateway). Adding a context means writing its folders
// and adding it to MakeContexts, nothing else.
#ifndef DOCKET_API_SERVER_CONTEXTS_H_
#define DOCKET_API_SERVER_CONTEXTS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aggregates/cases/catalog.h"
#include "aggregates/handler.h"
#include "api/gateway.h"
#include "api/server/config.h"
#include "consumers/notifier/notifier.h"
#include "consumers/projection_runner.h"
#include "projections/projection.h"

namespace docket::server {

// The read-model runner of a context (null when there is none).
using RunnerOf = std::function<consumers::ProjectionRunner*(std::string_view context)>;

struct Context {
  std::unique_ptr<aggregates::AggregateHandler> handler;
  std::unique_ptr<projections::Projection> projection;
  // The member of /readyz's "checks" that this context's read models answer.
  std::string readiness_check;
  // The context's routes; `runners` gives any context's read models.
  std::function<std::unique_ptr<api::RouteModule>(const RunnerOf& runners)> routes;
  // The mails its events cause (null: none).
  std::unique_ptr<notifier::MailRules> mails;

  std::string_view name() const { return handler->context(); }
};

// Every context of docketd. `catalog` must outlive them.
std::vector<Context> MakeContexts(const DocketdConfig& config, const aggregates::Catalog* catalog);

// What the notifier needs of the identity context: users' addresses (from
// its read model) and the single-use links mailed to them.
notifier::Notifier::Directory MailDirectory(const RunnerOf& runners);
notifier::Notifier::LinkMaker MailLinks(const std::string& secret);

}  // namespace docket::server

#endif  // DOCKET_API_SERVER_CONTEXTS_H_
