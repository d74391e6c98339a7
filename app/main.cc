// The rebound binary: subcommands run, check, version (DESIGN.md section 2).
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/config.h"
#include "app/daemon.h"
#include "common/logging.h"

namespace {

using rebound::app::Config;
using rebound::app::LoadConfig;
using rebound::app::LoadResult;

constexpr std::string_view kUsage = R"(Usage: rebound <command> [options]

Alert-driven self-healing for Kubernetes.

Commands:
  run      -c rebound.yaml   run the daemon (webhook intake, journal, metrics)
  check    -c rebound.yaml   validate the configuration; errors as file:line:col
  version                    print the version
  help                       show this help

Run 'rebound <command> --help' for a command's options.
)";

constexpr std::string_view kRunUsage = R"(Usage: rebound run -c FILE

Runs the daemon: serves POST /webhook/alertmanager, GET /metrics, /healthz, /readyz and
/api/v1/episodes on the configured listen address, journals accepted alerts in state_dir.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  -h, --help          show this help

Signals: SIGTERM/SIGINT drain in-flight work and exit 0; SIGHUP reloads the configuration
(an invalid one is reported and the running one kept).
)";

constexpr std::string_view kCheckUsage = R"(Usage: rebound check -c FILE

Validates the configuration and the secret files it names, reporting every problem as
file:line:col: message. Exit status 0 when valid, 1 otherwise.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  -h, --help          show this help
)";

constexpr std::string_view kVersionUsage = R"(Usage: rebound version

Prints the version and the revision it was built from.
)";

struct Args {
  std::string config = "rebound.yaml";
  bool help = false;
  std::string error;
};

Args ParseArgs(const std::vector<std::string_view>& argv, bool takes_config) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      args.help = true;
    } else if (takes_config && (a == "-c" || a == "--config")) {
      if (i + 1 >= argv.size()) {
        args.error = std::string(a) + " needs a file name";
        return args;
      }
      args.config = argv[++i];
    } else if (takes_config && a.starts_with("--config=")) {
      args.config = a.substr(9);
    } else {
      args.error = "unknown argument \"" + std::string(a) + "\"";
      return args;
    }
  }
  return args;
}

int Usage(std::string_view text, const std::string& error) {
  if (error.empty()) {
    std::fputs(text.data(), stdout);
    return 0;
  }
  std::fprintf(stderr, "rebound: %s\n\n%s", error.c_str(), text.data());
  return 2;
}

// Prints every error of a failed load to stderr; returns whether the load succeeded.
bool ReportErrors(const LoadResult& result) {
  for (const auto& error : result.errors) std::fprintf(stderr, "%s\n", error.ToString().c_str());
  return result.config.has_value();
}

int Check(const Args& args) {
  LoadResult result = LoadConfig(args.config);
  if (!ReportErrors(result)) {
    std::fprintf(stderr, "%s: %zu error(s)\n", args.config.c_str(), result.errors.size());
    return 1;
  }
  std::printf("%s: OK\n", args.config.c_str());
  return 0;
}

int Run(const Args& args) {
  // Block the signals we handle before any thread starts, so every thread inherits the mask
  // and only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LoadResult loaded = LoadConfig(args.config);
  if (!ReportErrors(loaded)) {
    std::fprintf(stderr, "rebound: refusing to start with an invalid configuration\n");
    return 1;
  }
  Config config = std::move(*loaded.config);
  if (auto status = rebound::common::SetupLogging(config.log.format, config.log.level);
      !status.ok()) {
    std::fprintf(stderr, "rebound: %s\n", status.message().c_str());
    return 1;
  }
  rebound::app::Daemon daemon(config);
  if (auto status = daemon.Start(); !status.ok()) {
    spdlog::critical("cannot start: {}", status.ToString());
    return 1;
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      LoadResult next = LoadConfig(args.config);
      if (!next.config) {
        for (const auto& error : next.errors) spdlog::error("config reload: {}", error.ToString());
        spdlog::error("config reload failed; keeping the running configuration");
        daemon.self_metrics().reload_failure.Increment();
        continue;
      }
      daemon.Reload(*next.config);
      daemon.self_metrics().reload_success.Increment();
      continue;
    }
    spdlog::info("received {}, shutting down", strsignal(sig));
    daemon.Stop();
    return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> rest(argv + std::min(argc, 2), argv + argc);
  std::string_view command = argc > 1 ? argv[1] : "";
  if (command == "run") {
    Args args = ParseArgs(rest, true);
    return args.help || !args.error.empty() ? Usage(kRunUsage, args.error) : Run(args);
  }
  if (command == "check") {
    Args args = ParseArgs(rest, true);
    return args.help || !args.error.empty() ? Usage(kCheckUsage, args.error) : Check(args);
  }
  if (command == "version" || command == "--version") {
    Args args = ParseArgs(rest, false);
    if (args.help || !args.error.empty()) return Usage(kVersionUsage, args.error);
    auto build = rebound::app::CurrentBuild();
    std::printf("rebound %s (revision %s)\n", build.version.c_str(), build.revision.c_str());
    return 0;
  }
  if (command == "help" || command == "-h" || command == "--help") return Usage(kUsage, "");
  return Usage(kUsage, command.empty() ? "missing command" : "unknown command \"" +
                                                                  std::string(command) + "\"");
}
