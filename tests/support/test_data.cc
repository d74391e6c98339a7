#include "tests/support/test_data.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace rebound::testing {

std::string TestDataPath(const std::string& relative) {
  return std::string(REBOUND_SOURCE_DIR) + "/tests/data/" + relative;
}

std::string AlertmanagerPayload(const std::string& name) {
  const std::string path = TestDataPath("alertmanager/" + name);
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) {
    ADD_FAILURE() << "cannot open " << path;
    return "";
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace rebound::testing
