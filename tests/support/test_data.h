// The data files the tests ship under tests/data (see the README beside each set), so that a
// checkout tests itself with nothing beside it.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <string>

namespace rebound::testing {

// The path of tests/data/<relative> in the source tree.
std::string TestDataPath(const std::string& relative);

// The exact body of tests/data/alertmanager/<name>, a payload captured from a real
// Alertmanager; records a test failure naming the file when it cannot be read.
std::string AlertmanagerPayload(const std::string& name);

}  // namespace rebound::testing
