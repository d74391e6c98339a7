// The `notify` action: tells people something, through the Notifier (Slack).
//
// Step keys: `message` (template, required: "Could not heal {{ target }}: paging on-call") and
// `escalate` (default false: a kInfo message; true: a kEscalation, which a sink shows as a
// call for a person). The Notification starts from the episode's prefilled one (thread key,
// fields, links) with the rendered message as its title. Never fails on delivery: the Notifier
// queues. In dry-run nothing is sent. Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewNotifyActionFactory();

}  // namespace rebound::controller::actions
