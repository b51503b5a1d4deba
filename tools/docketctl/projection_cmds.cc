// docketctl commands over a projection's read models (projections/):
//   rebuild <context>          blue/green rebuild from offset zero, with progress
//   verify <context>           live digest vs a fresh replay to the same offsets
//   lag <context>              per partition: consumed, end, lag in events and seconds
//   dead-letters list|show|retry [--projection <context>]
//   export                     a case list query as CSV (cases only)
// <context> is any registered projection (projection_registry.h): cases,
// identity, status.
// They read the live generation read-only (no lock), so a running docketd
// keeps serving.
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "consumers/projection_runner.h"
#include "aggregates/cases/case.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"
#include "projections/cases/keys.h"
#include "tools/docketctl/commands.h"
#include "tools/docketctl/projection_registry.h"

namespace docket::ctl {
namespace {

// The parked aggregate of a dead-letter record ("case" in stores written
// before the contexts had their own projections).
std::string AggregateOf(const nlohmann::json& record) {
  return record.value("aggregate", record.value("case", std::string()));
}

namespace fs = std::filesystem;
using consumers::ProjectorOptions;
using projections::ReadStore;

struct ProjectionFlags {
  ConnectionFlags conn;
  std::string prefix = "docket";
  std::string data_dir = "./var";
  std::string projection = "cases";
  int64_t max_batch = 5000;
  int64_t bulk_mb = 256;

  ProjectorOptions Options(const std::string& client_id) const {
    ProjectorOptions o;
    o.kafka = conn.ToKafka(client_id);
    o.layout.prefix = prefix;
    o.context = projection;
    o.data_dir = data_dir;
    o.max_batch = static_cast<size_t>(std::max<int64_t>(1, max_batch));
    o.bulk_bytes = static_cast<size_t>(std::max<int64_t>(1, bulk_mb)) << 20;
    return o;
  }
  // The registered projection (the CLI checks the name).
  const projections::Projection& Projection() const {
    const projections::Projection* p = FindProjection(projection);
    return p ? *p : *FindProjection("cases");
  }
};

std::string ContextList() {
  std::string out;
  for (const auto& c : ProjectionContexts()) out += (out.empty() ? "" : ", ") + c;
  return out;
}

void AddProjectionFlags(CLI::App* app, ProjectionFlags* f, bool positional = true) {
  AddConnectionFlags(app, &f->conn);
  app->add_option("--topic-prefix", f->prefix, "Topic name prefix")->capture_default_str();
  app->add_option("--data-dir", f->data_dir, "docketd's data directory")->capture_default_str();
  if (positional) {
    app->add_option("projection", f->projection, "The projection (" + ContextList() + ")")
        ->capture_default_str()
        ->check(CLI::IsMember(ProjectionContexts()));
  }
}

Result<std::unique_ptr<ReadStore>> OpenLive(const projections::Projection& p,
                                            const ProjectorOptions& o) {
  DOCKET_ASSIGN_OR_RETURN(std::string dir, projections::ExistingGeneration(o.Root()));
  ReadStore::Options ro;
  ro.read_only = true;
  return projections::OpenStore(p, dir, ro);
}

std::string FormatDuration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600, s / 60 % 60,
                s % 60);
  return buf;
}

// A progress bar on a terminal, plain lines (every 2 s at most) otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string what)
      : what_(std::move(what)), tty_(isatty(STDERR_FILENO) == 1) {}
  void operator()(const consumers::BuildProgress& p) {
    if (p.done >= p.total) {  // the end is reported once
      if (finished_) return;
      finished_ = true;
    }
    const double fraction = p.total > 0 ? static_cast<double>(p.done) / p.total : 1.0;
    const double eta = p.events_per_second > 0 ? (p.total - p.done) / p.events_per_second : -1;
    char line[256];
    if (tty_) {
      const int width = 30, filled = static_cast<int>(fraction * width);
      std::string bar(static_cast<size_t>(filled), '#');
      bar.resize(width, '.');
      std::snprintf(line, sizeof line, "\r%s [%s] %5.1f%% %" PRId64 "/%" PRId64
                    " events  %.0f events/s  ETA %s ",
                    what_.c_str(), bar.c_str(), 100 * fraction, p.done, p.total,
                    p.events_per_second, FormatDuration(eta).c_str());
      std::cerr << line << std::flush;
      if (p.done >= p.total) std::cerr << "\n";
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    std::snprintf(line, sizeof line,
                  "%s: %" PRId64 "/%" PRId64 " events (%.1f%%), %.0f events/s, ETA %s\n",
                  what_.c_str(), p.done, p.total, 100 * fraction, p.events_per_second,
                  FormatDuration(eta).c_str());
    std::cerr << line << std::flush;
  }

 private:
  std::string what_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_{};
};

std::string TempBuildDir(const ProjectorOptions& o) {
  std::random_device rd;
  return (fs::path(o.Root()) / ("verify-" + std::to_string(rd()))).string();
}

// ---- rebuild -------------------------------------------------------------------

int RunRebuild(const ProjectionFlags& f) {
  const std::string cmd = "rebuild";
  const ProjectorOptions o = f.Options("docketctl-rebuild");
  if (Status s = o.Validate(); !s.ok()) return Fail(cmd, s);
  auto previous = projections::ExistingGeneration(o.Root());
  auto dir = projections::NewGeneration(o.Root());
  if (!dir.ok()) return Fail(cmd, dir.status());
  std::atomic<bool> stop{false};
  ProgressPrinter progress("rebuild " + f.projection);
  const auto start = std::chrono::steady_clock::now();
  int64_t events = 0;
  const projections::Projection& projection = f.Projection();
  Status s = consumers::BuildUntil(projection, o, *dir, {}, [&](const consumers::BuildProgress& p) {
    events = p.done;
    progress(p);
  }, stop);
  // Events kept arriving while it built: catch up with them too (a few
  // short rounds) so the swap hands over a generation close to the live one;
  // the projector serves it once it has caught up the rest.
  for (int round = 0; s.ok() && round < 3; ++round) {
    int64_t more = 0;
    s = consumers::BuildUntil(projection, o, *dir, {}, [&](const consumers::BuildProgress& p) {
      more = p.total;
      if (p.done == p.total) events += p.done;
    }, stop);
    if (more < 1000) break;
  }
  if (!s.ok()) {
    std::error_code ec;
    fs::remove_all(*dir, ec);
    return Fail(cmd, s);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string digest;
  {
    auto built = projections::OpenStore(projection, *dir);
    if (!built.ok()) return Fail(cmd, built.status());
    auto d = (*built)->Digest();
    if (!d.ok()) return Fail(cmd, d.status());
    digest = *d;
  }
  if (Status swap = projections::SwapGeneration(o.Root(), *dir); !swap.ok()) return Fail(cmd, swap);
  // The old generation: a live runner removes it once it has switched;
  // with no runner (nobody holds its lock) it goes now.
  if (previous.ok()) {
    // Opened only to learn whether a runner holds it (its lock), whatever
    // its model format.
    auto unused = ReadStore::Open(*previous, projection.Families(), ReadStore::Options{false, false});
    if (unused.ok()) {
      unused->reset();
      std::error_code ec;
      fs::remove_all(*previous, ec);
    }
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "rebuilt %s: %" PRId64 " events in %.1f s (%.0f events/s) into %s; now live\n"
                "digest %s\n",
                f.projection.c_str(), events, secs, secs > 0 ? events / secs : 0.0,
                dir->c_str(), digest.c_str());
  std::cout << line;
  return kExitOk;
}

// ---- verify ------------------------------------------------------------------------

int RunVerify(const ProjectionFlags& f, bool digest_only) {
  const std::string cmd = "verify";
  const ProjectorOptions o = f.Options("docketctl-verify");
  if (Status s = o.Validate(); !s.ok()) return Fail(cmd, s);
  const projections::Projection& projection = f.Projection();
  std::map<int32_t, int64_t> offsets;
  std::string live_digest;
  {
    auto live = OpenLive(projection, o);
    if (!live.ok()) return Fail(cmd, live.status());
    auto off = (*live)->Offsets();
    if (!off.ok()) return Fail(cmd, off.status());
    offsets = *off;
    auto d = (*live)->Digest();
    if (!d.ok()) return Fail(cmd, d.status());
    live_digest = *d;
  }
  int64_t consumed = 0;
  for (const auto& [p, next] : offsets) consumed += next;
  std::cout << "live  " << live_digest << "  (" << consumed << " records consumed)\n";
  if (digest_only) return kExitOk;
  const std::string tmp = TempBuildDir(o);
  std::atomic<bool> stop{false};
  ProgressPrinter progress("verify " + f.projection);
  Status s = consumers::BuildUntil(projection, o, tmp, offsets, std::ref(progress), stop);
  std::string fresh_digest;
  if (s.ok()) {
    auto fresh = projections::OpenStore(projection, tmp);
    if (fresh.ok()) {
      auto d = (*fresh)->Digest();
      if (d.ok()) {
        fresh_digest = *d;
      } else {
        s = d.status();
      }
    } else {
      s = fresh.status();
    }
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!s.ok()) return Fail(cmd, s);
  std::cout << "fresh " << fresh_digest << "  (replayed to the same offsets)\n";
  if (fresh_digest == live_digest) {
    std::cout << "equal: the read model is what a fresh replay builds\n";
    return kExitOk;
  }
  std::cout << "DIFFERENT: the read model does not match a fresh replay; rebuild it\n";
  return 1;
}

// ---- lag ------------------------------------------------------------------------------

int RunLag(const ProjectionFlags& f, bool json) {
  const std::string cmd = "lag";
  const ProjectorOptions o = f.Options("docketctl-lag");
  if (Status s = o.Validate(); !s.ok()) return Fail(cmd, s);
  std::map<int32_t, int64_t> offsets;
  {
    auto live = OpenLive(f.Projection(), o);
    if (!live.ok()) return Fail(cmd, live.status());
    auto off = (*live)->Offsets();
    if (!off.ok()) return Fail(cmd, off.status());
    offsets = *off;
  }
  kafka::Consumer::Options co;
  co.kafka = o.kafka;
  co.fetch_wait_max_ms = 10;
  auto consumer = kafka::Consumer::Create(co);
  if (!consumer.ok()) return Fail(cmd, consumer.status());
  const std::string topic = o.EventsTopic();
  auto parts = (*consumer)->Partitions(topic);
  if (!parts.ok()) return Fail(cmd, parts.status());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  nlohmann::json rows = nlohmann::json::array();
  for (int32_t p : *parts) {
    auto wm = (*consumer)->Watermarks(topic, p);
    if (!wm.ok()) return Fail(cmd, wm.status());
    const int64_t next = offsets.count(p) ? offsets[p] : 0;
    const int64_t lag = std::max<int64_t>(0, wm->second - next);
    double seconds = 0;
    if (lag > 0) {
      // The age of the oldest record not applied yet.
      if ((*consumer)->Assign({{topic, p, next}}).ok()) {
        auto b = (*consumer)->Poll(1, std::chrono::milliseconds(f.conn.timeout_ms));
        if (b.ok() && !b->messages.empty()) {
          seconds = std::max<double>(0, (now_ms - b->messages[0].timestamp_ms) / 1000.0);
        }
      }
    }
    rows.push_back({{"partition", p}, {"next_offset", next}, {"end_offset", wm->second},
                    {"lag_events", lag}, {"lag_seconds", seconds}});
  }
  if (json) {
    std::cout << rows.dump() << "\n";
    return kExitOk;
  }
  std::printf("%-10s %14s %14s %12s %12s\n", "partition", "next_offset", "end_offset",
              "lag_events", "lag_seconds");
  for (const auto& r : rows) {
    std::printf("%-10d %14" PRId64 " %14" PRId64 " %12" PRId64 " %12.1f\n",
                r["partition"].get<int>(), r["next_offset"].get<int64_t>(),
                r["end_offset"].get<int64_t>(), r["lag_events"].get<int64_t>(),
                r["lag_seconds"].get<double>());
  }
  return kExitOk;
}

// ---- dead-letters -----------------------------------------------------------------

int RunDeadLetters(const ProjectionFlags& f, const std::string& action,
                   const std::string& case_key) {
  const std::string cmd = "dead-letters " + action;
  const ProjectorOptions o = f.Options("docketctl-dead-letters");
  if (Status s = o.Validate(); !s.ok()) return Fail(cmd, s);
  if (action == "retry") {
    if (case_key.empty()) return Fail(cmd, InvalidArgumentError("name the aggregate to retry"));
    // No runner holds the store: retry here. Otherwise ask the runner.
    auto dir = projections::ExistingGeneration(o.Root());
    if (!dir.ok()) return Fail(cmd, dir.status());
    auto store = projections::OpenStore(f.Projection(), *dir, ReadStore::Options{false, false});
    if (store.ok()) {
      consumers::ProjectionApplier applier(f.Projection(), store->get());
      if (Status s = applier.Load(); !s.ok()) return Fail(cmd, s);
      auto outcome = applier.Retry(case_key);
      if (!outcome.ok()) return Fail(cmd, outcome.status());
      std::cout << *outcome << "\n";
      return kExitOk;
    }
    const fs::path requests = consumers::RetryRequestDir(o);
    std::error_code ec;
    fs::create_directories(requests, ec);
    std::random_device rd;
    const fs::path request = requests / (std::to_string(rd()) + ".retry");
    {
      std::ofstream tmp(request.string() + ".tmp");
      tmp << case_key;
    }
    fs::rename(request.string() + ".tmp", request, ec);
    if (ec) return Fail(cmd, UnavailableError("cannot write " + request.string()));
    const fs::path done = fs::path(request).replace_extension(".done");
    for (int i = 0; i < 300; ++i) {
      if (fs::exists(done)) {
        std::ifstream in(done);
        std::cout << in.rdbuf();
        fs::remove(done, ec);
        return kExitOk;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Fail(cmd, DeadlineExceededError(
                         "the running projector did not answer within 30 s; the request stays "
                         "in " + request.string()));
  }
  auto live = OpenLive(f.Projection(), o);
  if (!live.ok()) return Fail(cmd, live.status());
  nlohmann::json out = nlohmann::json::array();
  Status s = Status::Ok();
  if (action == "show") {
    auto row = (*live)->Get(projections::CommonCf::kDead, projections::keys::DeadKey(case_key));
    if (!row.ok()) return Fail(cmd, row.status());
    if (*row) {
      auto j = nlohmann::json::parse(**row, nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
    }
  } else {
    s = (*live)->Scan(projections::CommonCf::kDead, projections::keys::DeadPrefix(),
                      [&](auto, std::string_view v) {
      auto j = nlohmann::json::parse(v, nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
      return true;
    });
    if (!s.ok()) return Fail(cmd, s);
  }
  if (action == "show") {
    if (out.empty()) return Fail(cmd, NotFoundError(case_key + " is not parked"));
    nlohmann::json record = out[0];
    nlohmann::json parked = nlohmann::json::array();
    const std::string q = projections::keys::ParkedPrefix(case_key);
    s = (*live)->Scan(projections::CommonCf::kDead, q, [&](std::string_view k, std::string_view v) {
      const std::string pos(k.substr(q.size()));
      parked.push_back({{"partition", std::stoi(pos.substr(0, 5))},
                        {"offset", std::stoll(pos.substr(5))},
                        {"bytes", v.size()}});
      return true;
    });
    if (!s.ok()) return Fail(cmd, s);
    record["records"] = parked;
    std::cout << record.dump(2) << "\n";
    return kExitOk;
  }
  if (out.empty()) {
    std::cout << "no dead letters\n";
    return kExitOk;
  }
  std::printf("%-16s %9s %12s %7s  %s\n", "aggregate", "partition", "offset", "parked", "reason");
  for (const auto& r : out) {
    std::printf("%-16s %9d %12" PRId64 " %7d  %s\n", AggregateOf(r).c_str(),
                r.value("partition", -1), r.value("offset", int64_t{-1}), r.value("parked", 0),
                r.value("reason", "").c_str());
  }
  return kExitOk;
}

// ---- export ---------------------------------------------------------------------------

struct ExportFlags {
  ProjectionFlags proj;
  std::vector<std::string> accounts;  // empty: staff (every account)
  std::string states, case_type, category, account_filter, sort = "updated";
};

int RunExport(const ExportFlags& f) {
  const std::string cmd = "export";
  const ProjectorOptions o = f.proj.Options("docketctl-export");
  projections::Scope scope;
  scope.staff = f.accounts.empty();
  scope.account_ids = f.accounts;
  projections::ListQuery q;
  std::stringstream ss(f.states);
  for (std::string s; std::getline(ss, s, ',');) {
    auto state = aggregates::ParseStateName(s);
    if (!state) return Fail(cmd, InvalidArgumentError("--state: unknown state '" + s + "'"));
    q.states.push_back(*state);
  }
  if (!f.case_type.empty()) q.case_types = {f.case_type};
  if (!f.category.empty()) q.categories = {f.category};
  if (!f.account_filter.empty()) q.account_ids = {f.account_filter};
  q.sort = f.sort == "opened" ? projections::ListQuery::Sort::kOpened
                              : projections::ListQuery::Sort::kUpdated;
  const projections::CaseProjection cases;  // export is a cases query
  auto live = OpenLive(cases, o);
  if (!live.ok()) return Fail(cmd, live.status());
  projections::CaseQueries queries(live->get());
  Status s = queries.ExportCsv(scope, q, [](std::string_view chunk) {
    std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    return static_cast<bool>(std::cout);
  });
  if (!s.ok()) return Fail(cmd, s);
  return kExitOk;
}

}  // namespace

void RegisterProjectionCommands(CLI::App& app, int* exit_code) {
  {
    auto f = std::make_shared<ProjectionFlags>();
    CLI::App* sub = app.add_subcommand(
        "rebuild", "Rebuild a read model from offset zero into a new generation and swap it in");
    AddProjectionFlags(sub, f.get());
    sub->add_option("--max-batch", f->max_batch, "Events per poll")->capture_default_str();
    sub->add_option("--bulk-mb", f->bulk_mb,
                    "MiB of rows folded in memory per bulk write, two folds of half of it (peak memory is about 2.5 times it)")
        ->capture_default_str()->check(CLI::Range(1, 65536));
    sub->callback([f, exit_code] { *exit_code = RunRebuild(*f); });
  }
  {
    auto f = std::make_shared<ProjectionFlags>();
    auto digest_only = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand(
        "verify", "Compare the live read model with a fresh replay to the same offsets");
    AddProjectionFlags(sub, f.get());
    sub->add_flag("--digest-only", *digest_only, "Only print the live model's digest");
    sub->callback([f, digest_only, exit_code] { *exit_code = RunVerify(*f, *digest_only); });
  }
  {
    auto f = std::make_shared<ProjectionFlags>();
    auto json = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand("lag", "How far a read model is behind its events topic");
    AddProjectionFlags(sub, f.get());
    sub->add_flag("--json", *json, "One JSON array instead of a table");
    sub->callback([f, json, exit_code] { *exit_code = RunLag(*f, *json); });
  }
  {
    auto f = std::make_shared<ProjectionFlags>();
    auto action = std::make_shared<std::string>();
    auto case_key = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand(
        "dead-letters", "List, show or retry aggregates parked by poison events");
    AddProjectionFlags(sub, f.get(), /*positional=*/false);
    sub->add_option("--projection", f->projection, "The projection (" + ContextList() + ")")
        ->capture_default_str()
        ->check(CLI::IsMember(ProjectionContexts()));
    sub->add_option("action", *action, "list, show or retry")
        ->required()
        ->check(CLI::IsMember({"list", "show", "retry"}));
    sub->add_option("case", *case_key, "The parked aggregate, e.g. a case number (show, retry)");
    sub->callback([f, action, case_key, exit_code] {
      if (*action != "list" && case_key->empty()) {
        *exit_code = Fail("dead-letters " + *action, InvalidArgumentError("name the case"));
        return;
      }
      *exit_code = RunDeadLetters(*f, *action, *case_key);
    });
  }
  {
    auto f = std::make_shared<ExportFlags>();
    CLI::App* sub = app.add_subcommand("export", "Export a case list as CSV (RFC 4180)");
    AddProjectionFlags(sub, &f->proj, /*positional=*/false);
    sub->add_option("--scope-account", f->accounts,
                    "Export as a customer of these accounts (default: staff, every account)");
    sub->add_option("--state", f->states, "Comma list of states");
    sub->add_option("--case-type", f->case_type, "Only this case type");
    sub->add_option("--category", f->category, "Only this category");
    sub->add_option("--account", f->account_filter, "Only this account");
    sub->add_option("--sort", f->sort, "updated or opened")
        ->capture_default_str()
        ->check(CLI::IsMember({"updated", "opened"}));
    sub->callback([f, exit_code] { *exit_code = RunExport(*f); });
  }
}

}  // namespace docket::ctl
