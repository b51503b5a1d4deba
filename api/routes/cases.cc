#include "api/routes/cases.h"

#include <filesystem>
#include <fstream>

#include "aggregates/cases/case.h"
#include "api/problem.h"
#include "api/request.h"
#include "common/hash.h"
#include "common/text.h"

namespace docket::api {

using nlohmann::json;

bool IsCaseNumber(std::string_view n) {
  return n.size() == 13 && n[0] == 'C' && n[1] == 'S' &&
         std::all_of(n.begin() + 2, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Reply CaseNotFound(std::string_view number) {
  return Problem(404, "not-found", "case " + std::string(number) + " not found");
}

CaseRoutes::~CaseRoutes() = default;

Status CaseRoutes::Register(Router& router, Services& services) {
  s_ = &services;
  DOCKET_ASSIGN_OR_RETURN(BlobStore blobs, BlobStore::Open(services.options.data_dir + "/blobs"));
  blobs_.emplace(std::move(blobs));
  consumers::ProjectionRunner* projector = projector_;
  collector_ = std::make_unique<BlobCollector>(
      &*blobs_,
      [projector]() -> Result<std::unordered_set<std::string>> {
        std::shared_ptr<projections::ReadStore> store = projector->store();
        if (!store) return UnavailableError("the case read models are still opening");
        return projections::CaseQueries(store.get()).ReferencedBlobs();
      },
      [projector] { return projector->CaughtUp(); }, services.clock,
      BlobCollectorOptions{services.options.blob_gc_interval, services.options.blob_gc_grace});
  collector_->Start();
  using V = http::verb;
  auto to = [this](Reply (CaseRoutes::*fn)(Call&)) {
    return [this, fn](Call& call) { return (this->*fn)(call); };
  };
  const std::string c = "/api/v1/cases/{number}";
  router.Add(V::get, "/api/v1/catalog", Access::kSignedIn, to(&CaseRoutes::GetCatalog));
  router.Add(V::get, "/api/v1/cases", Access::kSignedIn, to(&CaseRoutes::ListCases));
  router.Add(V::get, "/api/v1/cases/export.csv", Access::kSignedIn, to(&CaseRoutes::ExportCases));
  router.Add(V::get, c, Access::kSignedIn, to(&CaseRoutes::GetCase));
  router.Add(V::get, c + "/activity", Access::kSignedIn, to(&CaseRoutes::Activity));
  router.Add(V::get, "/api/v1/search", Access::kSignedIn, to(&CaseRoutes::Search));
  router.Add(V::get, "/api/v1/overview", Access::kSignedIn, to(&CaseRoutes::Overview));
  router.Add(V::get, "/api/v1/stream", Access::kSignedIn, to(&CaseRoutes::Stream));
  exports_ = ConcurrencyLimit::Create(/*per_key=*/1, services.options.max_concurrent_exports);
  streams_ = ConcurrencyLimit::Create(services.options.max_event_streams_per_user,
                                      services.options.http.max_long_lived);
  RegisterCommands(router);
  RegisterFiles(router);
  return Status::Ok();
}

// ---- shared pieces -----------------------------------------------------------

OrReply<CaseRoutes::QueryHandle> CaseRoutes::Queries() const {
  return QueriesOf<projections::CaseQueries>(*projector_);
}

projections::Scope CaseRoutes::ScopeOf(const Principal& who) {
  projections::Scope scope;
  scope.staff = who.staff;
  scope.account_ids = who.account_ids;
  return scope;
}

OrReply<json> CaseRoutes::VisibleCase(const Call& call, const std::string& number) const {
  if (!IsCaseNumber(number)) return CaseNotFound(number);
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  Result<json> c = q->GetCase(ScopeOf(call.caller()), number);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kNotFound) return CaseNotFound(number);
    return ProblemFromStatus(c.status());
  }
  return std::move(*c);
}

Reply CaseRoutes::CaseAfter(const Call& call, const Sent& s, const std::string& number,
                            int status) {
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  Result<json> c = q->GetCase(ScopeOf(call.caller()), number);
  if (!c.ok()) return CommandClient::Pending(s.result.command_id);
  std::map<std::string, std::string> cache;
  AddNames(*c, cache);
  Reply r = JsonReply(status, *c);
  r.Header("ETag", ETagOf((*c)["version"].get<uint64_t>()));
  r.Header("Location", "/api/v1/cases/" + number);
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

OrReply<Sent> CaseRoutes::SubmitCase(const Call& call, fb::CommandEnvelopeT cmd) {
  const std::string number = cmd.aggregate_id;
  if (!IsCaseNumber(number)) return CaseNotFound(number);
  SubmitOptions options;
  options.versioned = true;
  options.on_rejection = [number](const fb::CommandResultT& r) -> std::optional<Reply> {
    if (r.code == fb::ResultCode::NotFound &&
        (r.rule == "case.not_found" || r.rule == "case.account_access")) {
      return CaseNotFound(number);
    }
    return std::nullopt;
  };
  return s_->commands.Submit(call, std::move(cmd), options);
}

void CaseRoutes::AddNames(json& row, std::map<std::string, std::string>& cache) const {
  auto id = row.find("account_id");
  if (id == row.end() || !id->is_string()) return;
  const std::string& account = id->get_ref<const std::string&>();
  auto hit = cache.find(account);
  if (hit == cache.end()) {
    Result<std::optional<std::string>> name = account_name_(account);
    hit = cache.emplace(account, name.ok() && *name ? **name : "").first;
  }
  if (!hit->second.empty()) row["account_name"] = hit->second;
}

void CaseRoutes::AddNames(std::vector<json>& rows) const {
  std::map<std::string, std::string> cache;
  for (auto& row : rows) AddNames(row, cache);
}

projections::ExportNames CaseRoutes::ExportNamesFor() const {
  projections::ExportNames names;
  auto cache = std::make_shared<std::map<std::string, std::string>>();
  names.account = [this, cache](const std::string& id) {
    json row = {{"account_id", id}};
    AddNames(row, *cache);
    return row.value("account_name", std::string());
  };
  const aggregates::Catalog* catalog = catalog_;
  names.case_type = [catalog](const std::string& type) {
    const aggregates::CatalogRequestType* t = catalog->FindType(type);
    return t ? t->name : std::string();
  };
  names.category = [catalog](const std::string& type, const std::string& category) {
    const aggregates::CatalogCategory* c = catalog->FindCategory(type, category);
    return c ? c->name : std::string();
  };
  return names;
}

Reply CaseRoutes::Page(const Call& call, const std::vector<json>& rows, bool has_more,
                       const std::string& cursor, std::optional<uint64_t> total) const {
  std::string next;
  if (has_more) {
    next = call.req.path + "?";
    for (const auto& [k, v] : call.req.query) {
      if (k != "page[after]") next += PercentEncode(k) + "=" + PercentEncode(v) + "&";
    }
    next += "page%5Bafter%5D=" + PercentEncode(cursor);
  }
  json meta = {{"has_more", has_more}, {"after_cursor", has_more ? json(cursor) : json(nullptr)}};
  if (total) meta["total"] = *total;
  return JsonReply(200, {{"data", rows},
                         {"meta", meta},
                         {"links", {{"next", has_more ? json(next) : json(nullptr)}}}});
}

// Query errors: kInvalidArgument names a parameter (a bad cursor).
static Reply QueryProblem(const Status& s, const std::string& field) {
  if (s.code() == StatusCode::kInvalidArgument) return Invalid(field, s.message());
  return ProblemFromStatus(s);
}

// ---- reads -------------------------------------------------------------------

Reply CaseRoutes::GetCatalog(Call&) {
  json types = json::array();
  for (const auto& t : catalog_->request_types()) {
    json cats = json::array();
    for (const auto& c : t.categories) {
      json fields = json::array();
      for (const auto& f : c.fields) {
        fields.push_back({{"key", f.key}, {"label", f.label}, {"required", f.required}});
      }
      cats.push_back({{"id", c.id}, {"name", c.name}, {"fields", fields}});
    }
    types.push_back({{"id", t.id}, {"name", t.name}, {"categories", cats}});
  }
  return JsonReply(200, {{"version", catalog_->version()}, {"request_types", types}});
}

OrReply<projections::ListQuery> CaseRoutes::ListFilters(const Call& call) const {
  projections::ListQuery q;
  Body errors;
  if (auto v = QueryParam(call.req, "state"); v && !v->empty()) {
    std::string_view s = *v;
    while (true) {
      const size_t comma = s.find(',');
      auto st = aggregates::ParseStateName(s.substr(0, comma));
      if (!st) {
        errors.Fail("state", "'" + std::string(s.substr(0, std::min<size_t>(comma, 40))) +
                                 "' is not a state (NEW, OPEN, AWAITING_INFO, RESOLVED, "
                                 "CLOSED, CANCELLED)");
        break;
      }
      q.states.push_back(*st);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
  }
  // Several values, comma-separated, match any of them.
  for (auto [name, dest] : {std::pair{"case_type", &q.case_types},
                            std::pair{"category", &q.categories},
                            std::pair{"account_id", &q.account_ids}}) {
    auto v = QueryParam(call.req, name);
    if (!v || v->empty()) continue;
    std::string_view rest = *v;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view one = rest.substr(0, comma);
      if (one.empty() || one.size() > 64) {
        errors.Fail(name, "must be values of 1..64 characters, comma-separated");
        break;
      }
      if (dest->size() == 32) {
        errors.Fail(name, "may list at most 32 values");
        break;
      }
      dest->emplace_back(one);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (auto v = QueryParam(call.req, "sort")) {
    if (*v == "opened") {
      q.sort = projections::ListQuery::Sort::kOpened;
    } else if (*v != "updated") {
      errors.Fail("sort", "must be updated or opened");
    }
  }
  DOCKET_ASSIGN_OR_REPLY(q.page_size, PageSize(call.req, projections::kMaxPageSize));
  if (auto v = QueryParam(call.req, "page[after]")) q.after = *v;
  DOCKET_RETURN_IF_REPLY(BodyErrors(errors));
  return q;
}

Reply CaseRoutes::ListCases(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(projections::ListQuery filters, ListFilters(call));
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  Result<projections::ListPage> page = q->List(ScopeOf(call.caller()), filters);
  if (!page.ok()) return QueryProblem(page.status(), "page[after]");
  AddNames(page->rows);
  return Page(call, page->rows, page->has_more, page->after_cursor, page->total);
}

Reply CaseRoutes::ExportCases(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(projections::ListQuery filters, ListFilters(call));
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  // Each export holds a worker while it streams: one per user, a few in all.
  std::shared_ptr<void> place = exports_->Acquire(call.caller().user_id);
  if (!place) {
    return TooMany(5, "an export of yours, or too many exports of everyone, is running; retry");
  }
  Reply r;
  r.Header("Content-Type", "text/csv; charset=utf-8");
  r.Header("Content-Disposition", "attachment; filename=\"cases.csv\"");
  r.Header("X-Content-Type-Options", "nosniff");
  // Streamed as the index is read: nothing is spooled, and a client that
  // goes away stops the scan.
  r.stream = [q = std::move(q), scope = ScopeOf(call.caller()), filters = std::move(filters),
              place = std::move(place), names = ExportNamesFor()](const Reply::Writer& write) {
    return q->ExportCsv(scope, filters, write, names);
  };
  return r;
}

Reply CaseRoutes::GetCase(Call& call) {
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(json c, VisibleCase(call, call.param(0)));
  std::map<std::string, std::string> cache;
  AddNames(c, cache);
  Reply r = JsonReply(200, c);
  r.Header("ETag", ETagOf(c["version"].get<uint64_t>()));
  return r;
}

Reply CaseRoutes::Activity(Call& call) {
  const std::string& number = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, projections::kMaxPageSize));
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  if (!IsCaseNumber(number)) return CaseNotFound(number);
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  Result<projections::ActivityPage> page = q->Activity(
      ScopeOf(call.caller()), number, size, QueryParam(call.req, "page[after]").value_or(""));
  if (!page.ok()) {
    if (page.status().code() == StatusCode::kNotFound) return CaseNotFound(number);
    return QueryProblem(page.status(), "page[after]");
  }
  return Page(call, page->items, page->has_more, page->after_cursor);
}

Reply CaseRoutes::Search(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, projections::kMaxPageSize));
  projections::SearchQuery sq;
  sq.q = QueryParam(call.req, "q").value_or("");
  if (sq.q.empty() || Utf8Length(sq.q) > 200) {
    return Invalid("q", "is required: 1..200 characters");
  }
  sq.page_size = size;
  sq.after = QueryParam(call.req, "page[after]").value_or("");
  if (Status s = sq.Validate(); !s.ok()) return Invalid("q", s.message());
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  auto page = q->Search(ScopeOf(call.caller()), sq);
  if (!page.ok()) return QueryProblem(page.status(), "q");
  AddNames(page->rows);
  return Page(call, page->rows, page->has_more, page->after_cursor);
}

Reply CaseRoutes::Overview(Call& call) {
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  auto o = q->Overview(ScopeOf(call.caller()), {});
  if (!o.ok()) return ProblemFromStatus(o.status());
  std::map<std::string, std::string> cache;
  for (const char* list : {"open_cases", "updates"}) {
    if (!o->contains(list)) continue;
    for (auto& row : (*o)[list]) AddNames(row, cache);
  }
  return JsonReply(200, *o);
}

}  // namespace docket::api
