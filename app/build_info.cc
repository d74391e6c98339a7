// CurrentBuild(): the version and git revision. The only file that includes the generated
// version header, so a new revision recompiles this file alone.
#include "app/daemon.h"
#include "app/version.h"

namespace rebound::app {

exporter::BuildInfo CurrentBuild() { return {REBOUND_VERSION, REBOUND_REVISION}; }

}  // namespace rebound::app
