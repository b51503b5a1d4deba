// The cases context's routes (docs/api.md): the catalog, opening a case,
// lists, export, search and the overview, a case and its activity, comments
// and notes, lifecycle actions, attachments and the watch list.
//
// Every query runs with the caller's scope, and every command carries the
// caller as its actor; another account's case is answered byte for byte
// like a case that does not exist (the aggregate's rules case.not_found
// and case.account_access both become that 404).
//
// The implementation is split by concern: cases.cc (registration, shared
// helpers, reads), case_commands.cc (open, comment, note, actions),
// case_files.cc (attachments, watchers).
#ifndef DOCKET_API_ROUTES_CASES_H_
#define DOCKET_API_ROUTES_CASES_H_

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregates/cases/case.h"
#include "aggregates/cases/catalog.h"
#include "api/blob_store.h"
#include "api/concurrency_limit.h"
#include "api/gateway.h"
#include "api/projector_model.h"
#include "api/routes/blob_collector.h"
#include "consumers/projection_runner.h"
#include "projections/cases/case_queries.h"

namespace docket::api {

class CaseRoutes final : public RouteModule {
 public:
  // The name of account `account_id`, nullopt when there is no such
  // account (the identity context knows); kUnavailable when that cannot be
  // told now.
  using AccountName =
      std::function<Result<std::optional<std::string>>(const std::string& account_id)>;

  // Every pointer must outlive the routes. `projector` keeps the case read
  // models this gateway reads (a query replica).
  // `limits` are the aggregate's, for the checks made before an upload's
  // bytes are stored.
  CaseRoutes(const aggregates::Catalog* catalog, const aggregates::CaseLimits& limits,
             consumers::ProjectionRunner* projector, AccountName account_name)
      : catalog_(catalog),
        limits_(limits),
        projector_(projector),
        account_name_(std::move(account_name)) {}
  ~CaseRoutes() override;

  // Opens the blob store (<data_dir>/blobs), starts its collector
  // (api/routes/blob_collector.h) and adds the routes.
  Status Register(Router& router, Services& services) override;

 private:
  // The case queries over the live store (a swapped-out generation stays
  // readable while the handle lives).
  using QueryHandle = StoreQueries<projections::CaseQueries>;

  // cases.cc: shared pieces.
  OrReply<QueryHandle> Queries() const;
  static projections::Scope ScopeOf(const Principal& who);
  // The case as the caller sees it, or the 404 of a missing case.
  OrReply<nlohmann::json> VisibleCase(const Call& call, const std::string& number) const;
  // After an accepted command: the case as the caller sees it now.
  Reply CaseAfter(const Call& call, const Sent& sent, const std::string& number, int status);
  // Submits `payload` on the path's case ({number}); rejections that say
  // the case is missing or not the caller's read as the missing case.
  template <typename T>
  OrReply<Sent> SendCase(const Call& call, T payload) {
    fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), call.param(0));
    cmd.command.Set(std::move(payload));
    return SubmitCase(call, std::move(cmd));
  }
  OrReply<Sent> SubmitCase(const Call& call, fb::CommandEnvelopeT cmd);
  // A command on the path's case answered with the case (status 200/201).
  template <typename T>
  Reply CaseCommand(const Call& call, T payload, int status) {
    DOCKET_ASSIGN_OR_REPLY(Sent sent, SendCase(call, std::move(payload)));
    return CaseAfter(call, sent, call.param(0), status);
  }
  // Adds "account_name" to case rows (kept as they are when the identity
  // read models cannot tell now); `cache` spares repeated lookups.
  void AddNames(nlohmann::json& row, std::map<std::string, std::string>& cache) const;
  void AddNames(std::vector<nlohmann::json>& rows) const;
  // An export's names: accounts, case types and categories.
  projections::ExportNames ExportNamesFor() const;
  Reply Page(const Call& call, const std::vector<nlohmann::json>& rows, bool has_more,
             const std::string& cursor, std::optional<uint64_t> total = std::nullopt) const;

  // cases.cc: reads.
  Reply GetCatalog(Call& call);
  OrReply<projections::ListQuery> ListFilters(const Call& call) const;
  Reply ListCases(Call& call);
  Reply ExportCases(Call& call);
  Reply GetCase(Call& call);
  Reply Activity(Call& call);
  Reply Search(Call& call);
  Reply Overview(Call& call);

  // case_stream.cc: the live event stream.
  Reply Stream(Call& call);

  // case_commands.cc.
  Reply OpenCase(Call& call);
  template <typename T>
  Reply TextCommand(Call& call);
  Reply CaseAction(Call& call);

  // case_files.cc.
  using RowsFn = Result<std::vector<nlohmann::json>> (projections::CaseQueries::*)(
      const projections::Scope&, std::string_view) const;
  Reply CaseRows(Call& call, RowsFn rows);
  Reply Upload(Call& call);
  // What the aggregate would refuse, checked before a byte is stored
  // (If-Match, the attachment limit, the case's state).
  std::optional<Reply> RefuseUploadEarly(const Call& call, const nlohmann::json& visible) const;
  OrReply<nlohmann::json> VisibleAttachment(const Call& call) const;
  Reply Download(Call& call);
  Reply RenameAttachment(Call& call);
  Reply Removal(Call& call, OrReply<Sent> sent);
  Reply AddWatcher(Call& call);
  void RegisterFiles(Router& router);
  void RegisterCommands(Router& router);

  const aggregates::Catalog* catalog_;
  aggregates::CaseLimits limits_;
  consumers::ProjectionRunner* projector_;
  AccountName account_name_;
  std::shared_ptr<ConcurrencyLimit> streams_;  // open event streams
  std::optional<BlobStore> blobs_;
  std::unique_ptr<BlobCollector> collector_;
  std::shared_ptr<ConcurrencyLimit> exports_;  // running exports
  Services* s_ = nullptr;
};

// "CS" + 11 digits.
bool IsCaseNumber(std::string_view number);
// The 404 of a case that does not exist (or is another account's).
Reply CaseNotFound(std::string_view number);

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_CASES_H_
