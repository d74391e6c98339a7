// RegisterBuiltinActions: the one place that names every built-in action.
#include "controller/actions/action.h"
#include "controller/actions/cordon_action.h"
#include "controller/actions/delete_pod_action.h"
#include "controller/actions/notify_action.h"
#include "controller/actions/restart_action.h"
#include "controller/actions/rollback_action.h"
#include "controller/actions/scale_action.h"
#include "controller/actions/wait_action.h"
#include "controller/actions/webhook_action.h"

namespace rebound::controller::actions {

void RegisterBuiltinActions(ActionRegistry& registry) {
  registry.Register("restart", NewRestartActionFactory());
  registry.Register("delete_pod", NewDeletePodActionFactory());
  registry.Register("scale", NewScaleActionFactory());
  registry.Register("rollback", NewRollbackActionFactory());
  registry.Register("cordon", NewCordonActionFactory());
  registry.Register("notify", NewNotifyActionFactory());
  registry.Register("webhook", NewWebhookActionFactory());
  registry.Register("wait", NewWaitActionFactory());
}

}  // namespace rebound::controller::actions
