// `rebound test FILE...`: playbook unit tests (DESIGN.md section 5.4), in the spirit of
// `promtool test rules`. Each test gives alerts, the cluster they fire in and the plan the
// playbooks are expected to make; the plan is made by the real healing engine in dry-run
// (app/plan.h) against an in-memory cluster, and compared. docs/playbook-tests.md is the
// user's guide. The format:
//
//   playbooks: [ ../crashloop.yaml ]        # files or globs, relative to the test file
//   tests:
//     - name: crash-looping web is restarted, rolled back, then escalated
//       alerts:                              # or `payload: file.json` (an Alertmanager
//         - labels: { alertname: KubePodCrashLooping, namespace: shop, deployment: web }
//           annotations: { summary: ... }    #   webhook body), relative to the test file
//           startsAt: 2026-01-01T00:00:00Z   # optional; default `now`
//       cluster:                             # Kubernetes objects: Deployment, StatefulSet,
//         - apiVersion: apps/v1              #   ReplicaSet, Pod, Node, PodDisruptionBudget
//           kind: Deployment
//           metadata: { name: web, namespace: shop }
//           spec: { replicas: 3 }
//       series:                              # optional: answers to PromQL queries
//         'error_ratio{deployment="web"}': 0.5    # one value (~ for an empty result), or
//         'sum(mem{pod=~"web-.*"})': "100+0x60 100+5x10"  # a history, one value a step,
//                                            #   the last at `now` (anomaly signals)
//       guardrails: { max_actions_per_hour: 0 }  # optional: rebound.yaml `guardrails` keys
//       history:                             # optional: what Rebound did before `now`
//         - { playbook: crashloop, target: Deployment shop/web, action: restart, ago: 5m }
//         - { target: Deployment shop/web, outcome: unhealed, ago: 20m }
//       now: 2026-01-01T00:00:00Z            # optional; this is the default
//       expect:                              # one entry per alert, in order
//         - playbook: crashloop
//           target: Deployment shop/web      # optional
//           steps:                           # each step's action and result, in order
//             - restart                      # short for "restart: dry_run"
//             - "rollback: failed"           # results: dry_run noop refused failed skipped
//             - notify                       #   waiting; "failed (reason)" checks the reason
//         - refused: cooldown                # a guardrail refused (playbook, target optional)
//         - unmatched: true                  # no playbook matches
//         - resolved: true                   # a resolved alert: nothing to do
//
// An alert matched by several playbooks (`continue: true`) expects a list of such entries.
//
// Output: per file, "PASS name" or "FAIL name" and, for a failure, a line diff of the
// expected and actual plans ("-" expected, "+" got) followed by the whole plan; then a
// summary. Problems in a test file (and in the playbooks it loads) go to `err` as
// file:line:col: message.
//
// Thread-safety: reentrant; tests run one at a time on the calling thread.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace rebound::app {

// Runs every test of every file. Returns 0 when all pass, 1 when any fails, 2 when a file (or
// a playbook it names) has errors or no file is given; the tests of good files still run.
int RunPlaybookTests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace rebound::app
