// The tests' name for controller/notify/recording_notifier.h.
#pragma once

#include "controller/notify/recording_notifier.h"

namespace rebound::testing {

using RecordingNotifier = controller::notify::RecordingNotifier;

}  // namespace rebound::testing
