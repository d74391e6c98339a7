// The rebound binary: subcommands run, check, test, replay, chaos, version (DESIGN.md section 2).
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/chaos_cli.h"
#include "app/clients.h"
#include "app/config.h"
#include "app/coverage.h"
#include "app/daemon.h"
#include "app/playbook_tests.h"
#include "app/replay.h"
#include "common/logging.h"
#include "common/sleeper.h"
#include "controller/actions/action.h"
#include "controller/chaos/experiment_loader.h"
#include "controller/healing/heal_log.h"
#include "controller/playbook/playbook_loader.h"

namespace {

using rebound::app::Config;
using rebound::app::LoadConfig;
using rebound::app::LoadResult;

constexpr std::string_view kUsage = R"(Usage: rebound <command> [options]

Alert-driven self-healing for Kubernetes.

Commands:
  run      -c rebound.yaml   run the daemon (webhook intake, healing, metrics)
  check    -c rebound.yaml   validate config, playbooks and experiments; errors as file:line:col
  test     FILE...           run playbook unit tests (docs/playbook-tests.md)
  replay   -c rebound.yaml PAYLOAD.json
                             what the playbooks would do with a recorded Alertmanager payload
  coverage -c rebound.yaml RULEFILE...
                             which alerts are healed, which playbooks chaos has proven
  chaos run NAME -c rebound.yaml
                             run one chaos experiment on the running daemon, wait for the result
  chaos list -c rebound.yaml the chaos schedule: state, next run, last result and recovery
  version                    print the version
  help                       show this help

Run 'rebound <command> --help' for a command's options.
)";

constexpr std::string_view kRunUsage = R"(Usage: rebound run -c FILE

Runs the daemon: serves POST /webhook/alertmanager, GET /metrics, /healthz, /readyz,
/api/v1/episodes, /api/v1/actions, /api/v1/status and POST /api/v1/pause|resume on the
configured listen address; journals accepted alerts in state_dir and heals them with the
configured playbooks.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  -h, --help          show this help

Signals: SIGTERM/SIGINT drain in-flight work and exit 0; SIGHUP reloads the configuration
(an invalid one is reported and the running one kept).
)";

constexpr std::string_view kCheckUsage = R"(Usage: rebound check -c FILE

Validates the configuration, the secret files it names and every playbook and chaos experiment
it loads, reporting every problem as file:line:col: message. Exit status 0 when valid, 1 otherwise.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  -h, --help          show this help
)";

constexpr std::string_view kTestUsage = R"(Usage: rebound test FILE...

Runs playbook unit tests: each test gives alerts (or a recorded Alertmanager payload), the
cluster's objects and optional history, and the plan the playbooks must make for them. Plans
are made in dry-run against an in-memory cluster; nothing is contacted. On a mismatch the
expected and actual plans are shown as a diff. Format: docs/playbook-tests.md.

Exit status: 0 when every test passes, 1 when one fails, 2 when a file is invalid.
)";

constexpr std::string_view kReplayUsage = R"(Usage: rebound replay -c FILE PAYLOAD.json

Shows what the configured playbooks would do with a recorded Alertmanager webhook payload:
which playbook matches each alert, its target, and each step's decision, with the guardrails
of the configuration and the recent history in its state_dir. The configured cluster and
Prometheus are only read (no cluster configured: an empty one is used); nothing is changed,
nothing is notified.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  -h, --help          show this help

Exit status: 0 when the plan was made, 1 for an invalid configuration, 2 for a bad payload or
invalid playbooks.
)";

constexpr std::string_view kCoverageUsage =
    R"(Usage: rebound coverage -c FILE [--format text|json] [--fail-on-gaps] RULEFILE...

For each alerting rule of the Prometheus rule files: the playbooks that would heal its alerts
(judged from the rule's static labels and alertname; a matcher on a label only the expression
sets makes it "may be healed by"), the chaos experiments that prove those playbooks, and when
a recovered run last proved each (asked of the running daemon at the configured listen
address, GET /api/v1/coverage; "unknown" when it does not answer within 2 seconds). Then the
gaps: alerts no playbook heals, playbooks no experiment proves.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  --format FORMAT     text (default) or json
  --fail-on-gaps      exit 1 when there is a gap
  -h, --help          show this help

Exit status: 0, or 1 with --fail-on-gaps and a gap; 1 for an invalid configuration; 2 for
errors in a rule file, playbook or experiment (as file:line:col: message).
)";

constexpr std::string_view kChaosUsage = R"(Usage: rebound chaos run NAME -c FILE
       rebound chaos list -c FILE

run   Asks the running daemon (at the configuration's listen address, with the webhook's
      credentials) to run chaos experiment NAME now, follows the run and prints each step as
      it happens, then its result. Exit status: 0 only when the run ended `recovered`; 1 when
      it ended failed, aborted or skipped, when the daemon refused it (unknown experiment,
      already running, kill switch on) or could not be reached; 2 for a usage error.
list  Prints every experiment with its schedule state, next run, last result and last time to
      recovery, from the running daemon; when the daemon cannot be reached, from the
      experiment files (no run history), saying so. Exit status 0, or 1 when neither works.

Every request to the daemon times out after 10 seconds.

Options:
  -c, --config FILE   configuration file (default: rebound.yaml)
  -h, --help          show this help
)";

constexpr std::string_view kVersionUsage = R"(Usage: rebound version

Prints the version and the revision it was built from.
)";

struct Args {
  std::string config = "rebound.yaml";
  std::vector<std::string> files;  // positional arguments
  bool help = false;
  std::string error;
};

// Parses -c/--config (when `takes_config`), -h/--help and up to `max_files` positional files.
Args ParseArgs(const std::vector<std::string_view>& argv, bool takes_config,
               size_t max_files = 0) {
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
    } else if (!a.starts_with("-") && args.files.size() < max_files) {
      args.files.emplace_back(a);
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
  rebound::controller::actions::ActionRegistry actions;
  rebound::controller::actions::RegisterBuiltinActions(actions);
  rebound::controller::playbook::LoadedPlaybooks playbooks =
      rebound::controller::playbook::LoadPlaybooks(result.config->playbooks, "", actions);
  // Experiments are checked against the playbooks (expectHealing): only against a usable set.
  rebound::controller::chaos::LoadedExperiments experiments;
  if (playbooks.errors.empty()) {
    experiments = rebound::controller::chaos::LoadExperiments(playbooks.set);
  }
  for (const auto* errors : {&playbooks.errors, &experiments.errors}) {
    for (const auto& error : *errors) std::fprintf(stderr, "%s\n", error.ToString().c_str());
  }
  if (!playbooks.errors.empty() || !experiments.errors.empty()) {
    std::fprintf(stderr, "%zu error(s) in the playbooks and experiments\n",
                 playbooks.errors.size() + experiments.errors.size());
    return 1;
  }
  std::printf("%s: OK (%zu playbook(s) and %zu experiment(s) in %zu file(s))\n",
              args.config.c_str(), playbooks.set.playbooks.size(),
              experiments.experiments.size(), playbooks.set.files.size());
  return 0;
}

// Decision logs would drown the plan: commands that print one keep only warnings.
void QuietLogs() { (void)rebound::common::SetupLogging("text", "warn"); }

int Test(const Args& args) {
  if (args.files.empty()) return Usage(kTestUsage, "no test files given");
  QuietLogs();
  return rebound::app::RunPlaybookTests(args.files, std::cout, std::cerr);
}

int Replay(const Args& args) {
  if (args.files.size() != 1) return Usage(kReplayUsage, "give exactly one payload file");
  LoadResult loaded = LoadConfig(args.config);
  if (!ReportErrors(loaded)) return 1;
  QuietLogs();
  const Config& config = *loaded.config;
  rebound::common::SystemClock clock;
  rebound::common::CurlHttpClient http;
  rebound::common::RealSleeper sleeper;
  rebound::common::SystemRandom random;
  rebound::app::ClientDeps deps{http, clock, sleeper, random, nullptr, {}};
  std::string kube_state;
  std::string prometheus_state;
  std::unique_ptr<rebound::kube::KubeClient> kube =
      rebound::app::MakeKubeClient(config, deps, &kube_state);
  std::unique_ptr<rebound::controller::promql::PrometheusApi> prometheus =
      rebound::app::MakePrometheus(config, deps, &prometheus_state);
  rebound::app::ReplayOptions options;
  options.playbook_patterns = config.playbooks;
  options.guardrails = config.guardrails;
  options.kube = kube.get();
  options.prometheus = prometheus.get();
  options.payload_file = args.files[0];
  // The daemon's recent history, so that cooldowns and caps apply as they would now.
  if (auto log = rebound::controller::healing::HealLog::Open(config.state_dir); log.ok()) {
    if (auto history = (*log)->Since(clock.Now() - std::chrono::hours(24)); history.ok()) {
      options.history = std::move(*history);
    }
  }
  return rebound::app::RunReplay(options, std::cout, std::cerr);
}

int Coverage(const Args& args, bool json, bool fail_on_gaps) {
  if (args.files.empty()) return Usage(kCoverageUsage, "no rule files given");
  LoadResult loaded = LoadConfig(args.config);
  if (!ReportErrors(loaded)) return 1;
  QuietLogs();
  const Config& config = *loaded.config;
  rebound::common::Result<std::string> url =
      rebound::app::DaemonBaseUrl(config.listen, !config.tls.cert_file.empty());
  if (!url.ok()) {
    std::fprintf(stderr, "%s: listen: %s\n", args.config.c_str(), url.status().message().c_str());
    return 1;
  }
  rebound::common::CurlHttpClient http;
  rebound::app::CoverageOptions options;
  options.playbook_patterns = config.playbooks;
  options.rule_files = args.files;
  options.daemon_url = *url;
  // The daemon's own certificate is the trust anchor for its (usually self-signed) HTTPS.
  options.tls.ca_file = config.tls.cert_file;
  options.http = &http;
  options.json = json;
  options.fail_on_gaps = fail_on_gaps;
  return rebound::app::RunCoverage(options, std::cout, std::cerr);
}

int Chaos(const std::string_view subcommand, const Args& args) {
  if (subcommand == "run" && args.files.size() != 1) {
    return Usage(kChaosUsage, "give the experiment's name");
  }
  if (subcommand == "list" && !args.files.empty()) {
    return Usage(kChaosUsage, "unknown argument \"" + args.files[0] + "\"");
  }
  LoadResult loaded = LoadConfig(args.config);
  if (!ReportErrors(loaded)) return 1;
  QuietLogs();
  rebound::common::SystemClock clock;
  rebound::common::CurlHttpClient http;
  rebound::common::RealSleeper sleeper;
  rebound::app::ChaosCliDeps deps{http, clock, sleeper};
  if (subcommand == "run") {
    return rebound::app::ChaosRun(*loaded.config, args.files[0], deps, std::cout, std::cerr);
  }
  return rebound::app::ChaosList(*loaded.config, deps, std::cout, std::cerr);
}

int Run(const Args& args) {
#ifdef __GLIBC__
  // glibc gives each of the HTTP server's threads its own malloc arena, and memory freed in one
  // is not reused by the others: after an alert storm that kept the daemon at ~67 MiB resident
  // instead of ~42 MiB (docs/benchmarks.md). Two arenas cost no measurable throughput here.
  // An explicit MALLOC_ARENA_MAX in the environment still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // Large blocks (a 4 MB webhook body being parsed) are mmapped and given back when freed:
  // glibc otherwise raises its threshold after the first large free and keeps such memory in
  // the heap (66.7 MiB instead of 48.8 MiB after a storm of 40 KB annotations). An explicit
  // MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES in the environment still wins.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr &&
      std::getenv("GLIBC_TUNABLES") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  }
#endif
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
      if (daemon.Reload(*next.config)) {
        daemon.self_metrics().reload_success.Increment();
      } else {
        daemon.self_metrics().reload_failure.Increment();
      }
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
  if (command == "test") {
    Args args = ParseArgs(rest, false, rest.size());
    return args.help || !args.error.empty() ? Usage(kTestUsage, args.error) : Test(args);
  }
  if (command == "replay") {
    Args args = ParseArgs(rest, true, 1);
    return args.help || !args.error.empty() ? Usage(kReplayUsage, args.error) : Replay(args);
  }
  if (command == "coverage") {
    // Its own flags first; the rest are the common ones and the rule files.
    std::vector<std::string_view> common_args;
    bool json = false;
    bool fail_on_gaps = false;
    std::string format_error;
    for (size_t i = 0; i < rest.size(); ++i) {
      std::string_view format;
      if (rest[i] == "--fail-on-gaps") {
        fail_on_gaps = true;
        continue;
      }
      if (rest[i] == "--format" && i + 1 < rest.size()) {
        format = rest[++i];
      } else if (rest[i].starts_with("--format=")) {
        format = rest[i].substr(9);
      } else {
        common_args.push_back(rest[i]);
        continue;
      }
      if (format != "text" && format != "json") {
        format_error = "--format must be text or json, not \"" + std::string(format) + "\"";
      }
      json = format == "json";
    }
    Args args = ParseArgs(common_args, true, common_args.size());
    if (args.error.empty()) args.error = format_error;
    return args.help || !args.error.empty() ? Usage(kCoverageUsage, args.error)
                                            : Coverage(args, json, fail_on_gaps);
  }
  if (command == "chaos") {
    std::string_view subcommand = rest.empty() ? "" : rest[0];
    if (subcommand != "run" && subcommand != "list") {
      bool help = subcommand == "-h" || subcommand == "--help";
      return Usage(kChaosUsage, help ? ""
                                : subcommand.empty()
                                    ? "missing chaos command (run or list)"
                                    : "unknown chaos command \"" + std::string(subcommand) + "\"");
    }
    Args args = ParseArgs({rest.begin() + 1, rest.end()}, true, 1);
    return args.help || !args.error.empty() ? Usage(kChaosUsage, args.error)
                                            : Chaos(subcommand, args);
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
