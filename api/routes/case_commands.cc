// The cases context's commands: open a case, comment, internal note, and
// the lifecycle actions (api/routes/cases.h).
#include "api/problem.h"
#include "api/request.h"
#include "api/routes/cases.h"
#include "common/text.h"

namespace docket::api {

using nlohmann::json;

namespace {

// The extra form fields of a category: an object of at most 50 strings.
std::vector<std::unique_ptr<fb::FieldT>> ReadFields(Body& b) {
  std::vector<std::unique_ptr<fb::FieldT>> fields;
  if (!b.Has("fields")) return fields;
  const json& f = b.doc["fields"];
  if (!f.is_object() || f.size() > 50) {
    b.Fail("fields", "must be an object of at most 50 string members");
    return fields;
  }
  for (const auto& [k, v] : f.items()) {
    const int64_t n = v.is_string() ? Utf8Length(v.get<std::string>()) : -1;
    if (n < 0 || n > 1000 || k.empty() || k.size() > 64 || Utf8Length(k) < 0) {
      b.Fail("fields." + k.substr(0, 64), "must be a string of at most 1000 characters");
      continue;
    }
    auto field = std::make_unique<fb::FieldT>();
    field->key = k;
    field->value = v.get<std::string>();
    fields.push_back(std::move(field));
  }
  return fields;
}

// The text member each action takes ("" when none) and whether it is
// required.
struct ActionText {
  const char* member = nullptr;
  bool required = false;
};

ActionText TextOf(const std::string& action) {
  if (action == "request-info") return {"message", false};
  if (action == "resolve") return {"resolution", true};
  if (action == "cancel" || action == "reopen" || action == "reject-resolution") {
    return {"reason", false};
  }
  return {};
}

template <typename T>
T WithText(std::string T::*member, std::string text) {
  T payload;
  payload.*member = std::move(text);
  return payload;
}

}  // namespace

void CaseRoutes::RegisterCommands(Router& router) {
  using V = http::verb;
  const std::string c = "/api/v1/cases/{number}";
  router.Add(V::post, "/api/v1/cases", Access::kSignedIn, [this](Call& call) { return OpenCase(call); });
  router.Add(V::post, c + "/comments", Access::kSignedIn,
             [this](Call& call) { return TextCommand<fb::AddCommentT>(call); });
  router.Add(V::post, c + "/notes", Access::kStaff,
             [this](Call& call) { return TextCommand<fb::AddInternalNoteT>(call); });
  for (const char* a : {"cancel", "accept-resolution", "reject-resolution"}) {
    router.Add(V::post, c + "/" + a, Access::kSignedIn, [this](Call& call) { return CaseAction(call); });
  }
  for (const char* a : {"accept", "request-info", "resolve", "close", "reopen"}) {
    router.Add(V::post, c + "/" + a, Access::kStaff, [this](Call& call) { return CaseAction(call); });
  }
}

Reply CaseRoutes::OpenCase(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"account_id", "case_type", "category", "subject",
                                                      "description", "service_address", "fields"}));
  fb::OpenCaseT c;
  c.account_id = b.Str("account_id", true, 1, 32);
  c.case_type = b.Str("case_type", true, 1, 64);
  c.category = b.Str("category", true, 1, 64);
  c.subject = b.Str("subject", true, 1, 200);
  c.description = b.Str("description", true, 1, 20000);
  c.service_address = b.Str("service_address", false, 0, 200);
  c.fields = ReadFields(b);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  // Customers may open cases only in their accounts (the aggregate checks
  // too); staff only in accounts that exist.
  if (!call.caller().MayRead(c.account_id)) return NotFound("account " + c.account_id);
  DOCKET_ASSIGN_OR_REPLY(std::optional<std::string> account, OrProblem(account_name_(c.account_id)));
  const bool exists = account.has_value();
  if (!exists) return NotFound("account " + c.account_id);
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), "");
  cmd.command.Set(std::move(c));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  return CaseAfter(call, s, s.result.aggregate_id, 201);
}

template <typename T>
Reply CaseRoutes::TextCommand(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"body"}));
  T payload;
  payload.body = b.Str("body", true, 1, 10000);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  return CaseCommand(call, std::move(payload), 201);
}

Reply CaseRoutes::CaseAction(Call& call) {
  const std::string action = call.req.path.substr(call.req.path.rfind('/') + 1);
  const ActionText t = TextOf(action);
  DOCKET_ASSIGN_OR_REPLY(Body b, t.member ? ReadBody(call.req, {t.member}, !t.required)
                                          : ReadBody(call.req, {}, true));
  std::string text;
  if (t.member) text = b.Str(t.member, t.required, t.required ? 1 : 0, 10000);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  if (action == "cancel") return CaseCommand(call, WithText(&fb::CancelCaseT::reason, text), 200);
  if (action == "accept") return CaseCommand(call, fb::AcceptCaseT{}, 200);
  if (action == "request-info") {
    return CaseCommand(call, WithText(&fb::RequestInformationT::message, text), 200);
  }
  if (action == "resolve") {
    return CaseCommand(call, WithText(&fb::ResolveCaseT::resolution, text), 200);
  }
  if (action == "close") return CaseCommand(call, fb::CloseCaseT{}, 200);
  if (action == "reopen") return CaseCommand(call, WithText(&fb::ReopenCaseT::reason, text), 200);
  if (action == "accept-resolution") return CaseCommand(call, fb::AcceptResolutionT{}, 200);
  return CaseCommand(call, WithText(&fb::RejectResolutionT::reason, text), 200);
}

}  // namespace docket::api
