#!/usr/bin/env python3
"""Checks deploy/ and the Dockerfile (README "Running on a real cluster").

  deploy_test.py REPO_ROOT KUBECTL [REBOUND]

- `kubectl kustomize` renders the base, the example overlay and each component on the base;
- every container has both probes, resources, and a non-root, read-only, no-privilege security
  context with every capability dropped and the RuntimeDefault seccomp profile;
- the ClusterRole and the Role grant exactly the rules scripts/derive_rbac.py derives from the
  code's KubeClient calls, nothing more; an unresolvable call makes the derivation fail;
- the generated files (RBAC, playbooks, PrometheusRule, dashboards) are in sync
  (scripts/gen_deploy.py --check);
- no Secret is committed, the Deployment references one; the webhook Service selects the
  leader, the metrics Service every replica; POD_NAME/POD_NAMESPACE come from the downward API;
- with REBOUND: `rebound check` accepts the in-cluster rebound.yaml (its /etc paths moved into a
  scratch folder) with the shipped playbooks;
- the Dockerfile names only scripts that exist, builds with scripts/build-release.sh (which CI's
  scripts/test.sh runs too), and installs that .deb in a bookworm runtime stage as non-root.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else pathlib.Path(".").resolve()
KUBECTL = sys.argv[2] if len(sys.argv) > 2 else "kubectl"
REBOUND = sys.argv[3] if len(sys.argv) > 3 else ""
sys.path.insert(0, str(ROOT / "scripts"))
import derive_rbac  # noqa: E402
import gen_deploy  # noqa: E402

COMPONENTS = sorted(p.name for p in (ROOT / "deploy/components").iterdir() if p.is_dir())


def render(folder):
    result = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {folder}: {result.stderr}")
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def render_with_component(component):
    """The base plus one component, through a scratch overlay."""
    with tempfile.TemporaryDirectory() as scratch:
        overlay = pathlib.Path(scratch)
        (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            # kustomize takes no absolute paths.
            "resources": [os.path.relpath(ROOT / "deploy/base", overlay)],
            "components": [os.path.relpath(ROOT / "deploy/components" / component, overlay)]}))
        return render(overlay)


def of_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def rule_triples(rules):
    return {(group, resource, verb) for rule in rules for group in rule["apiGroups"]
            for resource in rule["resources"] for verb in rule["verbs"]}


class RenderTest(unittest.TestCase):
    def test_base_and_example_render(self):
        base = render(ROOT / "deploy/base")
        kinds = {d["kind"] for d in base}
        for kind in ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
                     "RoleBinding", "ConfigMap", "Deployment", "Service",
                     "PodDisruptionBudget", "NetworkPolicy"):
            self.assertIn(kind, kinds)
        example = render(ROOT / "deploy/overlays/example")
        for doc in example:
            if doc["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
                self.assertEqual(doc["metadata"].get("namespace"), "rebound",
                                 f"{doc['kind']} {doc['metadata']['name']}")

    def test_each_component_renders_on_the_base(self):
        self.assertEqual(COMPONENTS, ["grafana", "prometheus-operator"])
        prometheus = render_with_component("prometheus-operator")
        self.assertEqual(len(of_kind(prometheus, "ServiceMonitor")), 1)
        rule = of_kind(prometheus, "PrometheusRule")
        self.assertEqual(len(rule), 1)
        alerts = {r["alert"] for g in rule[0]["spec"]["groups"] for r in g["rules"] if "alert" in r}
        self.assertIn("ReboundDown", alerts)
        dashboards = [d for d in of_kind(render_with_component("grafana"), "ConfigMap")
                      if d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
        shipped = sorted(p.name for p in (ROOT / "dashboards").glob("*.json"))
        self.assertEqual(sorted(k for d in dashboards for k in d["data"]), shipped)

    def test_service_monitor_job_is_what_the_alerts_expect(self):
        docs = render_with_component("prometheus-operator")
        monitor = of_kind(docs, "ServiceMonitor")[0]["spec"]
        metrics = [s for s in of_kind(docs, "Service") if s["metadata"]["name"] == "rebound-metrics"]
        job = metrics[0]["metadata"]["labels"][monitor["jobLabel"]]
        self.assertEqual(job, "rebound")  # alerts/rebound.rules.yml: up{job="rebound"}
        for key, value in monitor["selector"]["matchLabels"].items():
            self.assertEqual(metrics[0]["metadata"]["labels"].get(key), value)


class ContainerTest(unittest.TestCase):
    def setUp(self):
        self.deployments = of_kind(render(ROOT / "deploy/overlays/example"), "Deployment")
        self.assertTrue(self.deployments)

    def containers(self):
        for deployment in self.deployments:
            pod = deployment["spec"]["template"]["spec"]
            for container in pod.get("initContainers", []) + pod["containers"]:
                yield pod, container

    def test_probes_and_resources(self):
        for _, c in self.containers():
            with self.subTest(container=c["name"]):
                self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/healthz")
                self.assertEqual(c["readinessProbe"]["httpGet"]["path"], "/readyz")
                self.assertIn("cpu", c["resources"]["requests"])
                self.assertIn("memory", c["resources"]["requests"])
                self.assertIn("memory", c["resources"]["limits"])

    def test_security_context(self):
        for pod, c in self.containers():
            with self.subTest(container=c["name"]):
                sc = c["securityContext"]
                self.assertTrue(sc.get("runAsNonRoot", pod["securityContext"].get("runAsNonRoot")))
                self.assertNotEqual(sc.get("runAsUser", pod["securityContext"].get("runAsUser")), 0)
                self.assertIs(sc["readOnlyRootFilesystem"], True)
                self.assertIs(sc["allowPrivilegeEscalation"], False)
                self.assertFalse(sc.get("privileged", False))
                self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
                self.assertNotIn("add", sc["capabilities"])
                seccomp = sc.get("seccompProfile", pod["securityContext"].get("seccompProfile"))
                self.assertEqual(seccomp["type"], "RuntimeDefault")

    def test_pod_identity_and_secret(self):
        for pod, c in self.containers():
            env = {e["name"]: e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
                   for e in c.get("env", [])}
            self.assertEqual(env.get("POD_NAME"), "metadata.name")
            self.assertEqual(env.get("POD_NAMESPACE"), "metadata.namespace")
            secrets = [v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v]
            self.assertEqual(secrets, ["rebound-secrets"])
        self.assertEqual(self.deployments[0]["spec"]["replicas"], 2)


class ObjectsTest(unittest.TestCase):
    def setUp(self):
        self.docs = render(ROOT / "deploy/overlays/example")

    def test_no_secret_is_committed(self):
        self.assertEqual(of_kind(self.docs, "Secret"), [])

    def test_services_select_the_leader_and_every_replica(self):
        services = {s["metadata"]["name"]: s["spec"]["selector"] for s in of_kind(self.docs, "Service")}
        self.assertEqual(services["rebound-webhook"].get("rebound.io/role"), "leader")
        self.assertNotIn("rebound.io/role", services["rebound-metrics"])

    def test_network_policy_admits_only_the_monitoring_namespace(self):
        policy = of_kind(self.docs, "NetworkPolicy")[0]["spec"]
        self.assertEqual(policy["policyTypes"], ["Ingress"])
        sources = [f for rule in policy["ingress"] for f in rule["from"]]
        self.assertTrue(sources)
        for source in sources:
            self.assertIn("namespaceSelector", source)
            self.assertIn("podSelector", source)

    def test_disruption_budget_keeps_one_replica(self):
        self.assertEqual(of_kind(self.docs, "PodDisruptionBudget")[0]["spec"]["minAvailable"], 1)


class RbacTest(unittest.TestCase):
    def test_roles_grant_exactly_the_derived_rules(self):
        docs = render(ROOT / "deploy/base")
        derived = derive_rbac.derive(ROOT)
        for kind, scope in (("ClusterRole", derive_rbac.CLUSTER), ("Role", derive_rbac.NAMESPACE)):
            with self.subTest(kind=kind):
                roles = of_kind(docs, kind)
                self.assertEqual(len(roles), 1)
                granted = rule_triples(roles[0]["rules"])
                wanted = {(g, r, v) for (s, g, r, v) in derived if s == scope}
                self.assertEqual(granted - wanted, set(), "granted but not needed")
                self.assertEqual(wanted - granted, set(), "needed but not granted")
                self.assertNotIn("*", {x for t in granted for x in t})

    def test_derivation_covers_healing_and_leader_election(self):
        derived = {(s, r, v) for (s, _, r, v) in derive_rbac.derive(ROOT)}
        for rule in [(derive_rbac.CLUSTER, "deployments", "patch"),
                     (derive_rbac.CLUSTER, "deployments/scale", "update"),
                     (derive_rbac.CLUSTER, "pods", "delete"),
                     (derive_rbac.CLUSTER, "nodes", "patch"),
                     (derive_rbac.CLUSTER, "events", "create"),
                     (derive_rbac.NAMESPACE, "leases", "update")]:
            self.assertIn(rule, derived)

    def planted_tree(self, call):
        """A scratch tree with the real resource constants and one source file making `call`."""
        scratch = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, scratch)
        for rel in ("kube/resource.h", "controller/actions/action_registry.cc"):
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, scratch / rel)
        (scratch / "app").mkdir()
        (scratch / "app/planted.cc").write_text(f"void F() {{ {call} }}\n")
        return scratch

    def test_a_call_the_derivation_cannot_resolve_fails_it(self):
        with self.assertRaisesRegex(derive_rbac.DeriveError, "cannot tell which resource"):
            derive_rbac.derive(self.planted_tree("kube.Get(some_resource, ns, name);"))
        with self.assertRaisesRegex(derive_rbac.DeriveError, "receiver"):
            derive_rbac.derive(self.planted_tree("api->DeletePod(ns, name, {});"))

    def test_a_new_call_changes_the_derived_rules(self):
        planted = derive_rbac.derive(self.planted_tree("kube.List(kube::kEvents, ns, {});"))
        self.assertIn((derive_rbac.CLUSTER, "", "events", "list"), planted)


class GeneratedTest(unittest.TestCase):
    def test_generated_files_are_in_sync(self):
        self.assertEqual(gen_deploy.drift(gen_deploy.generated()), [],
                         "run scripts/gen_deploy.py and commit the result")

    def test_prometheus_rule_holds_every_rule_group(self):
        files = gen_deploy.generated()
        rule = yaml.safe_load(files["deploy/components/prometheus-operator/prometheusrule.yaml"])
        names = [g["name"] for g in rule["spec"]["groups"]]
        expected = []
        for folder in ("rules", "alerts"):
            for path in sorted((ROOT / folder).glob("*.rules.yml")):
                expected += [g["name"] for g in yaml.safe_load(path.read_text())["groups"]]
        self.assertEqual(names, expected)


@unittest.skipUnless(REBOUND, "no rebound binary given")
class ConfigTest(unittest.TestCase):
    def test_in_cluster_config_passes_rebound_check(self):
        """What the pod sees: the rendered ConfigMaps, /etc/rebound moved to a scratch folder."""
        config_maps = {d["metadata"]["name"].rsplit("-", 1)[0]: d["data"]
                       for d in of_kind(render(ROOT / "deploy/base"), "ConfigMap")}
        with tempfile.TemporaryDirectory() as scratch:
            etc = pathlib.Path(scratch)
            (etc / "secrets").mkdir()
            (etc / "secrets/webhook-token").write_text("token\n")
            (etc / "secrets/slack-url").write_text("https://hooks.slack.com/services/T/B/X\n")
            (etc / "playbooks").mkdir()
            for name, text in config_maps["rebound-playbooks"].items():
                (etc / "playbooks" / name).write_text(text)
            text = config_maps["rebound-config"]["rebound.yaml"]
            (etc / "rebound.yaml").write_text(text.replace("/etc/rebound/", str(etc) + "/"))
            result = subprocess.run([REBOUND, "check", "-c", str(etc / "rebound.yaml")],
                                    capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            shipped = sorted(p.name for p in (ROOT / "playbooks").glob("*.yaml"))
            self.assertEqual(sorted(config_maps["rebound-playbooks"]), shipped)


class DockerfileTest(unittest.TestCase):
    def setUp(self):
        self.text = (ROOT / "Dockerfile").read_text()
        self.stages = re.split(r"^FROM ", self.text, flags=re.M)[1:]

    def test_names_only_scripts_that_exist(self):
        scripts = set(re.findall(r"scripts/[\w.-]+", self.text))
        self.assertIn("scripts/build-release.sh", scripts)
        for script in scripts:
            self.assertTrue((ROOT / script).is_file(), script)

    def test_build_stage_runs_what_ci_runs(self):
        self.assertEqual(len(self.stages), 2)
        build, runtime = self.stages
        self.assertTrue(build.startswith("debian:bookworm AS build"))
        self.assertRegex(build, r"RUN .*scripts/build-release\.sh")
        self.assertIn("./scripts/build-release.sh",
                      (ROOT / "scripts/test.sh").read_text())

    def test_runtime_stage_installs_the_deb_as_non_root(self):
        runtime = self.stages[1]
        self.assertTrue(runtime.startswith("debian:bookworm\n"))
        self.assertRegex(runtime, r"COPY --from=build \S+\.deb")
        self.assertRegex(runtime, r"apt-get install -y --no-install-recommends /tmp/rebound\.deb")
        user = re.findall(r"^USER (\S+)", runtime, flags=re.M)
        self.assertEqual(len(user), 1)
        self.assertNotIn(user[0].split(":")[0], ("0", "root"))
        self.assertIn('CMD ["run", "-c", "/etc/rebound/rebound.yaml"]', runtime)
        deployment = (ROOT / "deploy/base/deployment.yaml").read_text()
        self.assertIn("runAsUser: " + user[0].split(":")[0], deployment)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=1)
