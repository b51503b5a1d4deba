#include "tools/docketctl/projection_registry.h"

#include "projections/cases/case_projection.h"
#include "projections/chat/chat_projection.h"
#include "projections/identity/identity_projection.h"
#include "projections/status/status_projection.h"

namespace docket::ctl {
namespace {

const std::vector<const projections::Projection*>& All() {
  static const projections::CaseProjection cases;
  static const projections::IdentityProjection identity;
  static const projections::StatusProjection status;
  static const projections::ChatProjection chat;
  static const std::vector<const projections::Projection*> all = {&cases, &identity, &status,
                                                                  &chat};
  return all;
}

}  // namespace

const projections::Projection* FindProjection(std::string_view context) {
  for (const auto* p : All()) {
    if (p->context() == context) return p;
  }
  return nullptr;
}

std::vector<std::string> ProjectionContexts() {
  std::vector<std::string> out;
  for (const auto* p : All()) out.emplace_back(p->context());
  return out;
}

}  // namespace docket::ctl
