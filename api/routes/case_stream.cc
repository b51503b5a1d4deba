// GET /api/v1/stream: the live event stream of the cases context
// (Server-Sent Events, docs/api.md "Live updates").
//
// Each event names a case that changed in the caller's scope, with its
// summary (a list row): `event: case`, `id: <µs>`, `data: <row>`. The id is
// the case's update time (event time); a client that reconnects sends the
// last one back as Last-Event-ID and gets every case updated since then, so
// nothing is missed across a reconnect (EventSource does this by itself).
//
// Changes are read from the by-updated list indexes each time the read
// model applies a batch (ProjectionRunner::WaitForChange), looking back
// kSlack before the newest time sent, since events of different partitions
// are applied out of time order; a case already sent at its version is not
// sent again. More than kMaxChanges at once are not listed: the client gets
// `event: reset` and reloads what it shows. A comment line every
// kHeartbeat keeps proxies from closing an idle stream. The session is
// checked again every kRecheck: a stream ends when its session does
// (sign-out, a disabled user), and follows the user's accounts as they
// change.
//
// A stream runs on a thread of its own (Reply::long_lived), never on a
// worker; at most GatewayOptions::max_event_streams_per_user per user and
// http.max_long_lived in all.
#include <map>
#include <variant>

#include "api/problem.h"
#include "api/request.h"
#include "api/routes/cases.h"

namespace docket::api {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr int64_t kSlack = 5'000'000;  // µs looked back before the newest time sent
constexpr size_t kMaxChanges = 200;
constexpr auto kHeartbeat = seconds(15);
constexpr auto kRecheck = seconds(5);
constexpr auto kWake = milliseconds(500);  // how soon a closed client or a stop is seen

// Last-Event-ID: the µs of an earlier event; nullopt when absent.
OrReply<std::optional<int64_t>> LastEventId(const Request& req) {
  const std::string v = HeaderValue(req, "Last-Event-ID");
  if (v.empty()) return std::optional<int64_t>();
  if (v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    return BadRequest("Last-Event-ID must be the id of an event of this stream");
  }
  return std::optional<int64_t>(std::stoll(v));
}

std::string Event(const char* type, int64_t id, const json& data) {
  return "id: " + std::to_string(id) + "\nevent: " + type + "\ndata: " + data.dump() + "\n\n";
}

}  // namespace

Reply CaseRoutes::Stream(Call& call) {
  std::string number = QueryParam(call.req, "case").value_or("");
  if (!number.empty()) {
    DOCKET_ASSIGN_OR_REPLY(json visible, VisibleCase(call, number));
  }
  DOCKET_ASSIGN_OR_REPLY(std::optional<int64_t> last, LastEventId(call.req));
  std::shared_ptr<void> place = streams_->Acquire(call.caller().user_id);
  if (!place) {
    return TooMany(5, "too many event streams of yours, or of everyone, are open; retry");
  }
  const int64_t now_us = s_->clock.NowMicros();
  // What the stream re-authenticates with: the request's headers only.
  auto credentials = std::make_shared<Request>();
  credentials->headers = call.req.headers;
  credentials->client_address = call.req.client_address;

  Reply r;
  r.Header("Content-Type", "text/event-stream; charset=utf-8");
  r.Header("Cache-Control", "no-store");
  r.Header("X-Accel-Buffering", "no");
  r.long_lived = true;
  r.stream = [this, credentials, number, place, who = call.caller(),
              since = last.value_or(now_us)](const Reply::Writer& write) mutable -> Status {
    std::map<std::string, std::pair<uint64_t, int64_t>> sent;  // number -> version, µs
    int64_t newest = since;
    auto next_beat = steady_clock::now() + kHeartbeat;
    auto next_check = steady_clock::now() + kRecheck;
    uint64_t seen = 0;
    bool first = true;
    if (!write("retry: 2000\n\n")) return Status::Ok();
    for (;;) {
      const uint64_t now_seen = first ? 0 : projector_->WaitForChange(seen, kWake);
      if (!write("")) return Status::Ok();
      if (steady_clock::now() >= next_check) {
        OrReply<Principal> again = s_->auth.Authenticate(*credentials);
        Principal* now = std::get_if<Principal>(&again);
        if (!now) return Status::Ok();  // signed out: the stream ends
        who = std::move(*now);
        next_check = steady_clock::now() + kRecheck;
      }
      if (first || now_seen != seen) {
        first = false;
        seen = now_seen;
        OrReply<QueryHandle> handle = Queries();
        QueryHandle* q = std::get_if<QueryHandle>(&handle);
        if (!q) continue;  // the store reopens: try at the next change
        projections::ChangesQuery cq;
        cq.since_us = std::max<int64_t>(0, newest - kSlack);
        cq.number = number;
        cq.limit = kMaxChanges;
        Result<projections::ChangesPage> page = (*q)->Changes(ScopeOf(who), cq);
        if (!page.ok()) return page.status();
        if (page->truncated) {
          for (const auto& c : page->changes) newest = std::max(newest, c.updated_us);
          sent.clear();
          if (!write(Event("reset", newest, json::object()))) return Status::Ok();
          continue;
        }
        std::map<std::string, std::string> names;
        for (auto& c : page->changes) {
          const std::string n = c.summary.value("number", std::string());
          const uint64_t version = c.summary.value("version", uint64_t{0});
          auto it = sent.find(n);
          if (it != sent.end() && it->second.first >= version) continue;
          sent[n] = {version, c.updated_us};
          newest = std::max(newest, c.updated_us);
          AddNames(c.summary, names);
          if (!write(Event("case", c.updated_us, c.summary))) return Status::Ok();
        }
        std::erase_if(sent, [&](const auto& e) { return e.second.second < newest - kSlack; });
      }
      if (steady_clock::now() >= next_beat) {
        if (!write(": keep-alive\n\n")) return Status::Ok();
        next_beat = steady_clock::now() + kHeartbeat;
      }
    }
  };
  return r;
}

}  // namespace docket::api
