#!/usr/bin/env python3
"""Derives the Kubernetes RBAC rules Rebound needs from its KubeClient call sites.

Every call of a KubeClient operation (kube/kube_client.h) in controller/, app/ and
kube/leader_election* becomes one (verb, API group, resource) rule: Get -> get, List -> list,
Patch -> patch, GetScale/UpdateScale -> get/update on "<resource>/scale", DeletePod -> delete
pods, CreateEvent -> create events, GetLease/CreateLease/UpdateLease -> get/create/update
leases. The resource is the call's first argument: a constant of kube/resource.h
(kube::kDeployments), a workload target (`target.resource()`: the kinds WorkloadResource() in
controller/actions/action_registry.cc knows), or a parameter listed in PARAMETERS below. A call
whose resource cannot be resolved is an error: the list must never be guessed.

Leader election works on a Lease and on the leader's own pod in the daemon's own namespace
(OWN_NAMESPACE): those rules go to a namespaced Role, everything else to the ClusterRole.
PLANNED lists calls a design section promises before the code makes them, each marked with why
(none today).

  scripts/derive_rbac.py            prints the rules and where each comes from

Imported by scripts/gen_deploy.py (writes deploy/base/rbac.yaml) and tests/deploy/.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

CLUSTER = "cluster"      # the ClusterRole: any namespace
NAMESPACE = "namespace"  # the Role in Rebound's own namespace
# Code that only calls the API in Rebound's own namespace: the Lease, and the leader's own pod
# (its label, and the label's removal from a replica that died leading).
OWN_NAMESPACE = ("kube/leader_election", "app/leadership")

# Operations whose resource is fixed by the operation itself: verb, resource constant.
FIXED = {
    "DeletePod": ("delete", "kPods"),
    "CreateEvent": ("create", "kEvents"),
    "GetLease": ("get", "kLeases"),
    "CreateLease": ("create", "kLeases"),
    "UpdateLease": ("update", "kLeases"),
}
# Operations whose first argument names the resource: verb, subresource.
BY_ARGUMENT = {
    "Get": ("get", ""),
    "List": ("list", ""),
    "Patch": ("patch", ""),
    "GetScale": ("get", "scale"),
    "UpdateScale": ("update", "scale"),
}
CALL = re.compile(r"\b(?:kube|kube_|client_)\s*(?:\.|->)\s*(" +
                  "|".join(list(FIXED) + list(BY_ARGUMENT)) + r")\(\s*((?:[^,()]|\(\))*)")

# A parameter used as the resource: (file, name) -> the helper whose calls in the same file pass
# the constants (its second argument).
# Names only KubeClient has: a call of one through a receiver CALL does not know is an error.
UNIQUE = re.compile(r"(?:\.|->)\s*(GetScale|UpdateScale|DeletePod|CreateEvent|GetLease|"
                    r"CreateLease|UpdateLease)\(")

PARAMETERS = {
    ("controller/actions/workload_pods.cc", "resource"): "ListControlledBy",
}
# A function whose result is passed as the resource (`ResourceOf(kind)`): its name -> (file,
# function); every `return kube::kX;` in its body counts.
FUNCTIONS = {
    "ResourceOf": ("controller/chaos/preflight.cc", "ResourceOf"),
}
# The resources with a `scale` subresource: a scale call through a function that can also
# return other kinds (a chaos target may be a Node) asks for these only.
SCALABLE = {"kDeployments", "kStatefulSets", "kReplicaSets"}

# Calls the code does not make yet but will (DESIGN.md): (verb, resource constant, subresource,
# scope, why). Remove a row once the code makes the call (the derivation then finds it).
PLANNED = []


class DeriveError(Exception):
    pass


def resource_constants(root=ROOT):
    """kube/resource.h's constants: name -> (API group, plural)."""
    text = (root / "kube/resource.h").read_text()
    found = {}
    for name, body in re.findall(r"constexpr Resource (k\w+)\s*\{([^}]*)\}", text):
        fields = [f.strip().strip('"') for f in body.split(",")]
        found[name] = (fields[0], fields[2])
    if not found:
        raise DeriveError("no Resource constants found in kube/resource.h")
    return found


def workload_constants(root=ROOT):
    """The constants WorkloadResource() returns: what a playbook target can be."""
    text = (root / "controller/actions/action_registry.cc").read_text()
    match = re.search(r"WorkloadResource\(std::string_view kind\) \{(.*?)\n\}", text, re.S)
    if not match:
        raise DeriveError("WorkloadResource() not found in controller/actions/action_registry.cc")
    return sorted(set(re.findall(r"return &kube::(k\w+);", match.group(1))))


def function_constants(root, file, name):
    """The constants a resource-returning function (`name` in `file`) can return."""
    text = (root / file).read_text()
    match = re.search(r"Resource& " + name + r"\(.*?\) \{(.*?)\n\}", text, re.S)
    if not match:
        raise DeriveError(f"{name}() not found in {file}")
    return sorted(set(re.findall(r"return kube::(k\w+);", match.group(1))))


def resolve(argument, rel, text, root):
    """The resource constants a call's first argument can name."""
    argument = argument.strip()
    if argument.startswith("kube::k"):
        return [argument[len("kube::"):]]
    if argument.endswith("target.resource()"):
        return workload_constants(root)
    if argument in FUNCTIONS:
        return function_constants(root, *FUNCTIONS[argument])
    # A local set from one of those functions: `const kube::Resource& resource = ResourceOf(...)`.
    local = re.search(r"Resource& " + re.escape(argument) + r" = (\w+)\(", text)
    if local and local.group(1) in FUNCTIONS:
        return function_constants(root, *FUNCTIONS[local.group(1)])
    helper = PARAMETERS.get((rel, argument))
    if helper:
        passed = re.findall(helper + r"\(\s*\w+\s*,\s*kube::(k\w+)", text)
        if passed:
            return sorted(set(passed))
    raise DeriveError(f"{rel}: cannot tell which resource {argument!r} names; "
                      "add it to PARAMETERS in scripts/derive_rbac.py")


def source_files(root=ROOT):
    files = []
    for folder in ("controller", "app"):
        files += sorted((root / folder).rglob("*.cc"))
    files += sorted((root / "kube").glob("leader_election*.cc"))
    return files


def derive(root=ROOT):
    """{(scope, group, resource, verb): [where, ...]} from the code and PLANNED."""
    constants = resource_constants(root)
    rules = {}

    def add(scope, constant, subresource, verb, where):
        if constant not in constants:
            raise DeriveError(f"{where}: {constant} is not a constant of kube/resource.h")
        group, plural = constants[constant]
        resource = plural + ("/" + subresource if subresource else "")
        rules.setdefault((scope, group, resource, verb), []).append(where)

    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        scope = NAMESPACE if rel.startswith(OWN_NAMESPACE) else CLUSTER
        unique = len(UNIQUE.findall(text))
        known = sum(1 for m in CALL.finditer(text) if m.group(1) in FIXED or "Scale" in m.group(1))
        if unique != known:
            raise DeriveError(f"{rel}: a KubeClient is called through a receiver other than "
                              "kube/kube_/client_; extend CALL in scripts/derive_rbac.py")
        for match in CALL.finditer(text):
            method, argument = match.group(1), match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{rel}:{line} {method}"
            if method in FIXED:
                verb, constant = FIXED[method]
                add(scope, constant, "", verb, where)
                continue
            verb, subresource = BY_ARGUMENT[method]
            constants_named = resolve(argument, rel, text, root)
            if subresource == "scale":
                constants_named = [c for c in constants_named if c in SCALABLE]
                if not constants_named:
                    raise DeriveError(f"{where}: no resource with a scale subresource")
            for constant in constants_named:
                add(scope, constant, subresource, verb, where)
    for verb, constant, subresource, scope, why in PLANNED:
        add(scope, constant, subresource, verb, why)
    return rules


def grouped(rules, scope):
    """RBAC rules for `scope`: [{apiGroups, resources, verbs}], one per (group, resource)."""
    by_resource = {}
    for (s, group, resource, verb) in rules:
        if s == scope:
            by_resource.setdefault((group, resource), set()).add(verb)
    return [{"apiGroups": [group], "resources": [resource], "verbs": sorted(verbs)}
            for (group, resource), verbs in sorted(by_resource.items())]


def main(argv):
    try:
        rules = derive()
    except DeriveError as e:
        print(f"derive_rbac: {e}", file=sys.stderr)
        return 1
    for (scope, group, resource, verb), where in sorted(rules.items()):
        print(f"{scope:9} {verb:7} {resource + ('.' + group if group else ''):40} "
              + "; ".join(sorted(set(where))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
