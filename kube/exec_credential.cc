#include "kube/exec_credential.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "kube/plugin_process.h"

namespace rebound::kube {
namespace {

using nlohmann::json;

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The string member `key` of `object`; empty when absent or not a string.
std::string StringMember(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

}  // namespace

common::Status ExecCredentialPlugin::Error(common::StatusCode code,
                                           const std::string& message) const {
  return common::Status(code, "exec credential plugin \"" + config_.command + "\": " + message);
}

common::Result<std::string> ExecCredentialPlugin::ResolveCommand() const {
  namespace fs = std::filesystem;
  const std::string& command = config_.command;
  std::string hint = config_.install_hint.empty() ? "" : "; " + Trimmed(config_.install_hint);
  if (command.find('/') != std::string::npos) {
    std::string path = fs::path(command).is_absolute()
                           ? command
                           : (fs::path(config_.base_dir) / command).lexically_normal().string();
    if (IsExecutableFile(path)) return path;
    return Error(common::StatusCode::kNotFound,
                 "command " + path + " does not exist or is not executable" + hint);
  }
  size_t start = 0;
  const std::string& search = config_.search_path;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    std::string path = (dir.empty() ? "." : dir) + "/" + command;
    if (IsExecutableFile(path)) return path;
    start = end + 1;
  }
  return Error(common::StatusCode::kNotFound,
               "command not found in PATH (" + search + ")" + hint);
}

common::Result<ExecCredential> ExecCredentialPlugin::Get(const common::Clock& clock) {
  std::lock_guard lock(mu_);
  if (cached_ && (!cached_->expiry || clock.Now() < *cached_->expiry)) return *cached_;
  cached_.reset();
  common::Result<ExecCredential> fresh = Run();
  if (!fresh.ok()) return fresh.status();
  cached_ = std::move(fresh).value();
  return *cached_;
}

void ExecCredentialPlugin::Invalidate(uint64_t generation) {
  std::lock_guard lock(mu_);
  if (cached_ && cached_->generation == generation) cached_.reset();
}

common::Result<ExecCredential> ExecCredentialPlugin::Run() {
  common::Result<std::string> path = ResolveCommand();
  if (!path.ok()) return path.status();

  PluginProcessSpec spec;
  spec.path = *path;
  spec.argv.push_back(config_.command);
  spec.argv.insert(spec.argv.end(), config_.args.begin(), config_.args.end());
  json info = {{"apiVersion", config_.api_version},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  std::vector<std::pair<std::string, std::string>> overrides = config_.env;
  overrides.emplace_back("KUBERNETES_EXEC_INFO", info.dump());
  for (const std::string& entry : config_.base_env) {
    std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [key, value] : overrides) overridden = overridden || key == name;
    if (!overridden) spec.env.push_back(entry);
  }
  for (const auto& [key, value] : overrides) spec.env.push_back(key + "=" + value);
  spec.timeout = config_.timeout;

  ++runs_;
  common::Result<PluginProcessResult> run = RunPluginProcess(spec);
  if (!run.ok()) return Error(run.status().code(), run.status().message());
  std::string stderr_text = Trimmed(run->err);
  std::string said = stderr_text.empty() ? "" : ": " + stderr_text;
  if (run->timed_out) {
    return Error(common::StatusCode::kDeadlineExceeded,
                 "did not finish within " + std::to_string(config_.timeout.count()) +
                     " ms and was killed" + said);
  }
  if (run->signal != 0) {
    return Error(common::StatusCode::kUnavailable,
                 "killed by signal " + std::to_string(run->signal) + said);
  }
  if (run->exit_code != 0) {
    return Error(common::StatusCode::kUnavailable,
                 "exited with status " + std::to_string(run->exit_code) + said);
  }

  // The output itself is never quoted: it may hold a credential.
  auto invalid = [&](const std::string& problem) {
    return Error(common::StatusCode::kInvalidArgument, problem);
  };
  if (run->out_truncated) return invalid("its output is too long");
  json output = json::parse(run->out, nullptr, false);
  if (output.is_discarded() || !output.is_object()) {
    return invalid("its output is not a JSON object (" + std::to_string(run->out.size()) +
                   " bytes on stdout)" + said);
  }
  if (StringMember(output, "kind") != "ExecCredential") {
    return invalid("its output has kind \"" + StringMember(output, "kind") +
                   "\", expected ExecCredential");
  }
  if (StringMember(output, "apiVersion") != config_.api_version) {
    return invalid("its output has apiVersion \"" + StringMember(output, "apiVersion") +
                   "\", expected \"" + config_.api_version + "\" as the kubeconfig says");
  }
  auto status = output.find("status");
  if (status == output.end() || !status->is_object()) return invalid("its output has no status");

  ExecCredential credential;
  credential.token = StringMember(*status, "token");
  credential.client_cert_pem = StringMember(*status, "clientCertificateData");
  credential.client_key_pem = StringMember(*status, "clientKeyData");
  bool has_cert = !credential.client_cert_pem.empty();
  bool has_key = !credential.client_key_pem.empty();
  if (has_cert != has_key) {
    return invalid(has_cert ? "status has clientCertificateData without clientKeyData"
                            : "status has clientKeyData without clientCertificateData");
  }
  if (credential.token.empty() && !has_cert) {
    return invalid("status has neither a token nor clientCertificateData and clientKeyData");
  }
  std::string expiry = StringMember(*status, "expirationTimestamp");
  if (!expiry.empty()) {
    common::Result<common::Timestamp> parsed = common::ParseRfc3339(expiry);
    if (!parsed.ok()) {
      return Error(common::StatusCode::kInvalidArgument,
                   "status.expirationTimestamp: " + parsed.status().message());
    }
    credential.expiry = parsed->ToTimePoint();
  }
  credential.generation = runs_;
  return credential;
}

}  // namespace rebound::kube
