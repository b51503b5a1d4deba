// The projections docketctl's read-model commands work on (rebuild, verify,
// lag, dead-letters): docketctl's composition root, the one place in it
// that names the contexts.
#ifndef DOCKET_TOOLS_DOCKETCTL_PROJECTION_REGISTRY_H_
#define DOCKET_TOOLS_DOCKETCTL_PROJECTION_REGISTRY_H_

#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"

namespace docket::ctl {

// The projection of `context`; null when there is none. The objects live
// for the whole process (thread-safe, immutable).
const projections::Projection* FindProjection(std::string_view context);
// Every registered context, in a fixed order (cases, identity, status, chat).
std::vector<std::string> ProjectionContexts();

}  // namespace docket::ctl

#endif  // DOCKET_TOOLS_DOCKETCTL_PROJECTION_REGISTRY_H_
