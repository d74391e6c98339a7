// Deliberately breaks the layering: common/ may not see controller/ headers. The test
// LayeringBuildRefusesOutwardInclude builds this file against rebound::common alone and
// passes only when the compiler cannot find the header (tests/CMakeLists.txt).
#include "controller/healing/remediation.h"
