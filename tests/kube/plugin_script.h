// PluginScript: a fake exec credential plugin for tests — a /bin/sh script in a temp folder
// that counts its runs in the file "runs", records its arguments ("args"), its environment
// ("env") and KUBERNETES_EXEC_INFO ("info"), then runs the test's own script body (where $n
// is the number of this run).
//
// Thread-safety: one test thread; the script itself may run from any thread.
#pragma once

#include <sys/stat.h>

#include <string>

#include "kube/exec_credential.h"
#include "tests/support/process.h"

namespace rebound::testing {

inline constexpr const char* kExecV1 = "client.authentication.k8s.io/v1";

// An ExecCredential of kExecV1 whose status is `status` (JSON members, e.g. "\"token\":\"t\"").
inline std::string CredentialJson(const std::string& status) {
  return std::string(R"({"apiVersion":")") + kExecV1 + R"(","kind":"ExecCredential","status":{)" +
         status + "}}";
}

class PluginScript {
 public:
  // Writes the plugin as `name` in the folder; `body` is shell.
  explicit PluginScript(const std::string& body, const std::string& name = "plugin") {
    path_ = dir_.File(name);
    WriteFile(
        path_, "#!/bin/sh\nd='" + dir_.path() +
                   "'\nn=$(cat \"$d/runs\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "
                   "\"$d/runs\"\nprintf '%s\\n' \"$@\" > \"$d/args\"\nenv > \"$d/env\"\n"
                   "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$d/info\"\n" +
                   body + "\n");
    chmod(path_.c_str(), 0755);
  }

  // A config running this script by its absolute path, with a usable PATH for the shell.
  kube::ExecConfig Config() const {
    kube::ExecConfig config;
    config.api_version = kExecV1;
    config.command = path_;
    config.base_env = {"PATH=/usr/bin:/bin"};
    config.search_path = "/usr/bin:/bin";
    return config;
  }

  int Runs() const {
    std::string text = ReadFile(dir_.File("runs"));
    return text.empty() ? 0 : std::stoi(text);
  }
  std::string Recorded(const std::string& what) const {
    return ReadFile(dir_.File(what));
  }
  const std::string& path() const { return path_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string path_;
};

}  // namespace rebound::testing
