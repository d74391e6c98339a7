// LoadKubeconfig (declared in kube_config.h): reading and merging kubeconfig files.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "common/base64.h"
#include "common/yaml_util.h"
#include "kube/kube_config.h"

namespace rebound::kube {
namespace {

namespace fs = std::filesystem;
using common::YamlErrors;

// One entry of `clusters`, `users` or `contexts`, with the file it came from.
struct Named {
  std::string name;
  YAML::Node body;  // the `cluster`/`user`/`context` mapping; may be null
  YAML::Mark mark;  // the entry
  std::string file;
};

// The files merged: the first definition of each name wins, as in kubectl.
struct Merged {
  std::string current_context;
  YAML::Node current_context_node;
  std::string current_context_file;
  std::vector<Named> clusters, users, contexts;
};

// Fields that select an authentication or transport Rebound cannot provide.
struct Unsupported {
  const char* key;
  const char* what;
};
constexpr Unsupported kUnsupportedUser[] = {
    {"auth-provider", "an auth-provider"},
    {"username", "basic authentication (username/password)"},
    {"as", "impersonation"},
};
constexpr Unsupported kUnsupportedCluster[] = {
    {"proxy-url", "proxy-url"},
    {"tls-server-name", "tls-server-name"},
};
constexpr const char* kSupportedAuth =
    "use a bearer token (token or tokenFile, e.g. a service-account token), a client "
    "certificate (client-certificate and client-key) or an exec credential plugin";
constexpr const char* kExecApiVersions[] = {"client.authentication.k8s.io/v1",
                                            "client.authentication.k8s.io/v1beta1"};

common::Status Invalid(const YamlErrors& errors) {
  std::string message = "invalid kubeconfig: ";
  bool first = true;
  for (const common::YamlError& e : errors.Sorted()) {
    if (!first) message += "; ";
    message += e.ToString();
    first = false;
  }
  return common::InvalidArgument(message);
}

common::Status InvalidAt(const std::string& file, const YAML::Mark& mark, std::string message) {
  YamlErrors errors(file);
  errors.Add(mark, std::move(message));
  return Invalid(errors);
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string ExpandHome(const std::string& path, const KubeEnvironment& env) {
  if (path != "~" && !path.starts_with("~/")) return path;
  return env.getenv("HOME").value_or("") + path.substr(1);
}

std::vector<std::string> SplitPaths(const std::string& list, const KubeEnvironment& env) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) out.push_back(ExpandHome(list.substr(start, end - start), env));
    start = end + 1;
  }
  return out;
}

// Appends the entries of `root[list_key]` that `out` does not define yet.
void ReadNamedList(const YAML::Node& root, const char* list_key, const char* body_key,
                   const std::string& file, YamlErrors& errors, std::vector<Named>& out) {
  YAML::Node list = root[list_key];
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    errors.Add(list, Quote(list_key) + ": expected a list, got " + common::DescribeYaml(list));
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    YAML::Node entry = list[i];
    std::string where = std::string(list_key) + "[" + std::to_string(i) + "]";
    if (!entry.IsMap()) {
      errors.Add(entry, Quote(where) + ": expected a mapping, got " + common::DescribeYaml(entry));
      continue;
    }
    YAML::Node name = entry["name"];
    if (!name.IsDefined() || name.IsNull()) {
      errors.Add(entry, Quote(where + ".name") + " is required");
      continue;
    }
    std::optional<std::string> name_text = common::YamlString(name, where + ".name", errors);
    if (!name_text) continue;
    YAML::Node body = entry[body_key];
    if (body.IsDefined() && !body.IsNull() && !body.IsMap()) {
      errors.Add(body, Quote(where + "." + body_key) + ": expected a mapping, got " +
                           common::DescribeYaml(body));
      continue;
    }
    bool known = false;
    for (const Named& n : out) known = known || n.name == *name_text;
    if (!known) out.push_back({*name_text, body, entry.Mark(), file});
  }
}

// Reads and merges `files` (missing ones skipped). NotFound when none exists.
common::Result<Merged> ReadFiles(const std::vector<std::string>& files) {
  Merged merged;
  bool any = false;
  for (const std::string& file : files) {
    std::error_code ec;
    if (files.size() > 1 && !fs::exists(file, ec)) continue;
    if (!fs::exists(file, ec)) {
      return common::NotFound("kubeconfig file " + file + " does not exist");
    }
    any = true;
    YamlErrors errors(file);
    std::optional<YAML::Node> root = common::LoadYamlFile(file, errors);
    if (!root) return Invalid(errors);
    if (root->IsNull()) continue;
    if (!root->IsMap()) {
      errors.Add(*root, "a kubeconfig must be a mapping, got " + common::DescribeYaml(*root));
      return Invalid(errors);
    }
    YAML::Node current = (*root)["current-context"];
    if (merged.current_context.empty() && current.IsDefined() && !current.IsNull()) {
      std::optional<std::string> text = common::YamlString(current, "current-context", errors);
      if (text && !text->empty()) {
        merged.current_context = *text;
        merged.current_context_node = current;
        merged.current_context_file = file;
      }
    }
    ReadNamedList(*root, "clusters", "cluster", file, errors, merged.clusters);
    ReadNamedList(*root, "users", "user", file, errors, merged.users);
    ReadNamedList(*root, "contexts", "context", file, errors, merged.contexts);
    if (!errors.empty()) return Invalid(errors);
  }
  if (!any) {
    std::string list;
    for (const std::string& f : files) list += (list.empty() ? "" : ", ") + f;
    return common::NotFound("no kubeconfig file exists (looked for " + list + ")");
  }
  return merged;
}

const Named* Find(const std::vector<Named>& entries, const std::string& name) {
  for (const Named& n : entries) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string Names(const std::vector<Named>& entries) {
  std::string out;
  for (const Named& n : entries) out += (out.empty() ? "" : ", ") + n.name;
  return out.empty() ? "none" : out;
}

// Reads the fields of one `cluster`, `user` or `context` body; problems go to `errors`.
class BodyReader {
 public:
  BodyReader(const Named& entry, std::string what, YamlErrors& errors)
      : entry_(entry), what_(std::move(what)), errors_(errors) {}

  YAML::Node Node(const char* key) const {
    if (!entry_.body.IsDefined() || entry_.body.IsNull()) return YAML::Node();
    YAML::Node node = entry_.body[key];
    return node.IsDefined() && !node.IsNull() ? node : YAML::Node();
  }

  std::string String(const char* key) const {
    YAML::Node node = Node(key);
    if (!node.IsDefined() || node.IsNull()) return "";
    return common::YamlString(node, key, errors_).value_or("");
  }

  bool Bool(const char* key) const {
    YAML::Node node = Node(key);
    if (!node.IsDefined() || node.IsNull()) return false;
    return common::YamlBool(node, key, errors_).value_or(false);
  }

  // A path field made absolute against the kubeconfig's folder; it must name a file.
  std::string Path(const char* key) const {
    std::string path = String(key);
    if (path.empty()) return "";
    if (fs::path(path).is_relative()) path = (fs::path(entry_.file).parent_path() / path).string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      Error(Node(key), Label(key) + ": file " + path + " does not exist");
    return path;
  }

  // A base64 `*-data` field, decoded.
  std::string Data(const char* key) const {
    std::string text = String(key);
    std::erase_if(text, [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; });
    if (text.empty()) return "";
    common::Result<std::string> decoded = common::Base64Decode(text);
    if (!decoded.ok()) {
      Error(Node(key), Label(key) + " is not valid base64: " + decoded.status().message());
      return "";
    }
    return *decoded;
  }

  void Error(const YAML::Node& node, std::string message) const {
    errors_.Add(node.IsDefined() && !node.IsNull() ? node.Mark() : entry_.mark, std::move(message));
  }
  void Error(std::string message) const { errors_.Add(entry_.mark, std::move(message)); }

  // Adds an error for each of `fields` present; `hint` (may be empty) says what to use instead.
  void RefuseUnsupported(std::span<const Unsupported> fields, std::string_view hint) const {
    for (const Unsupported& u : fields) {
      YAML::Node node = Node(u.key);
      if (!node.IsDefined() || node.IsNull()) continue;
      std::string detail;
      if (std::string_view(u.key) == "exec" && node.IsMap() && node["command"].IsScalar()) {
        detail = " (command " + Quote(node["command"].Scalar()) + ")";
      } else if (std::string_view(u.key) == "auth-provider" && node.IsMap() &&
                 node["name"].IsScalar()) {
        detail = " (" + Quote(node["name"].Scalar()) + ")";
      }
      Error(node, what_ + " uses " + u.what + detail + ", which Rebound does not support" +
                      (hint.empty() ? "" : ": " + std::string(hint)));
    }
  }

  const std::string& what() const { return what_; }

 private:
  std::string Label(const char* key) const { return what_ + " " + key; }

  const Named& entry_;
  std::string what_;
  YamlErrors& errors_;
};

common::Status ReadCluster(const Named& cluster, KubeConnection& connection) {
  YamlErrors errors(cluster.file);
  BodyReader reader(cluster, "cluster " + Quote(cluster.name), errors);
  reader.RefuseUnsupported(kUnsupportedCluster, "");
  connection.server = reader.String("server");
  if (connection.server.empty()) {
    reader.Error(reader.what() + " has no server");
  } else if (!connection.server.starts_with("https://") &&
             !connection.server.starts_with("http://")) {
    reader.Error(reader.Node("server"), reader.what() +
                                            " server must start with https:// or http:// (got " +
                                            Quote(connection.server) + ")");
  }
  while (connection.server.ends_with('/')) connection.server.pop_back();
  connection.tls.ca_pem = reader.Data("certificate-authority-data");
  if (connection.tls.ca_pem.empty()) connection.tls.ca_file = reader.Path("certificate-authority");
  connection.tls.insecure_skip_tls_verify = reader.Bool("insecure-skip-tls-verify");
  if (connection.tls.insecure_skip_tls_verify &&
      (!connection.tls.ca_pem.empty() || !connection.tls.ca_file.empty())) {
    reader.Error(reader.Node("insecure-skip-tls-verify"),
                 reader.what() +
                     ": a certificate authority together with insecure-skip-tls-verify is not "
                     "allowed (kubectl refuses it too); remove one of them");
  }
  return errors.empty() ? common::Status::Ok() : Invalid(errors);
}

// A user's `exec` section: the credential plugin, refused when it would have to prompt.
void ReadExec(const BodyReader& reader, const Named& user, const KubeEnvironment& env,
              YamlErrors& errors, KubeConnection& connection) {
  // Read through a const node: yaml-cpp's non-const operator[] adds the keys it looks up.
  const YAML::Node exec = reader.Node("exec");
  if (!exec.IsDefined() || exec.IsNull()) return;
  const std::string what = reader.what() + " exec";
  if (!exec.IsMap()) {
    reader.Error(exec, what + ": expected a mapping, got " + common::DescribeYaml(exec));
    return;
  }
  // The node at `key`, or an undefined node when the key is absent or null.
  auto field = [&](const char* key) {
    YAML::Node node = exec[key];
    return node.IsDefined() && !node.IsNull() ? node : YAML::Node(YAML::NodeType::Undefined);
  };
  auto string = [&](const char* key) {
    YAML::Node node = field(key);
    return node.IsDefined() ? common::YamlString(node, what + "." + key, errors).value_or("")
                            : "";
  };
  ExecConfig config;
  config.api_version = string("apiVersion");
  config.command = string("command");
  config.install_hint = string("installHint");
  if (config.command.empty()) reader.Error(exec, what + " has no command");
  bool known_version = false;
  for (const char* v : kExecApiVersions) known_version = known_version || config.api_version == v;
  if (!known_version) {
    reader.Error(field("apiVersion").IsDefined() ? field("apiVersion") : exec,
                 what + ".apiVersion must be client.authentication.k8s.io/v1 or "
                        "client.authentication.k8s.io/v1beta1 (got " +
                     Quote(config.api_version) + ")");
  }
  if (field("args").IsDefined()) {
    config.args =
        common::YamlStringList(field("args"), what + ".args", errors).value_or(config.args);
  }
  if (const YAML::Node list = field("env"); list.IsDefined()) {
    if (!list.IsSequence()) {
      reader.Error(list, what + ".env: expected a list of {name, value}, got " +
                             common::DescribeYaml(list));
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        std::string item = what + ".env[" + std::to_string(i) + "]";
        const YAML::Node entry = list[i];
        if (!entry.IsMap() || !entry["name"].IsScalar()) {
          reader.Error(entry, item + ": expected a mapping with name and value");
          continue;
        }
        const YAML::Node name = entry["name"], value = entry["value"];
        std::string value_text =
            value.IsDefined() && !value.IsNull()
                ? common::YamlString(value, item + ".value", errors).value_or("")
                : "";
        config.env.emplace_back(name.Scalar(), value_text);
      }
    }
  }
  if (string("interactiveMode") == "Always") {
    reader.Error(field("interactiveMode"),
                 what + " has interactiveMode Always: the plugin needs a terminal to prompt on, "
                        "which a daemon does not have; use a plugin configuration that needs no "
                        "prompt (interactiveMode Never or IfAvailable)");
  }
  if (!errors.empty()) return;
  config.base_dir = fs::path(user.file).parent_path().string();
  config.search_path = env.getenv("PATH").value_or("");
  config.base_env = env.process_env;
  connection.exec = std::make_shared<ExecCredentialPlugin>(std::move(config));
}

common::Status ReadUser(const Named& user, const KubeEnvironment& env,
                        KubeConnection& connection) {
  YamlErrors errors(user.file);
  BodyReader reader(user, "user " + Quote(user.name), errors);
  reader.RefuseUnsupported(kUnsupportedUser, kSupportedAuth);
  ReadExec(reader, user, env, errors, connection);
  std::string token = reader.String("token");
  std::string token_file = reader.Path("tokenFile");
  if (!token.empty()) {
    connection.token = BearerToken::Fixed(token);
  } else if (!token_file.empty()) {
    connection.token = BearerToken::FromFile(token_file);
  }
  connection.tls.client_cert_pem = reader.Data("client-certificate-data");
  if (connection.tls.client_cert_pem.empty())
    connection.tls.client_cert_file = reader.Path("client-certificate");
  connection.tls.client_key_pem = reader.Data("client-key-data");
  if (connection.tls.client_key_pem.empty())
    connection.tls.client_key_file = reader.Path("client-key");
  bool has_cert =
      !connection.tls.client_cert_pem.empty() || !connection.tls.client_cert_file.empty();
  bool has_key = !connection.tls.client_key_pem.empty() || !connection.tls.client_key_file.empty();
  if (errors.empty() && connection.exec && (connection.token || has_cert || has_key)) {
    reader.Error(reader.Node("exec"),
                 reader.what() + " has an exec plugin and also a token or client certificate; "
                                 "keep only one way to authenticate");
  }
  if (errors.empty() && has_cert != has_key) {
    reader.Error(reader.what() + (has_cert ? " has a client certificate but no client-key(-data)"
                                           : " has a client key but no client-certificate(-data)"));
  }
  return errors.empty() ? common::Status::Ok() : Invalid(errors);
}

}  // namespace

common::Result<KubeConnection> LoadKubeconfig(const std::string& path_list,
                                              const std::string& context,
                                              const KubeEnvironment& env) {
  std::string list = path_list;
  if (list.empty()) list = env.getenv("KUBECONFIG").value_or("");
  if (list.empty()) list = "~/.kube/config";
  std::vector<std::string> files = SplitPaths(list, env);
  if (files.empty()) return common::InvalidArgument("no kubeconfig path given");

  common::Result<Merged> merged = ReadFiles(files);
  if (!merged.ok()) return merged.status();

  std::string context_name = context.empty() ? merged->current_context : context;
  if (context_name.empty()) {
    return common::InvalidArgument(
        "kubeconfig " + list +
        ": no current-context is set; set one with `kubectl config use-context NAME` or name a "
        "context in rebound.yaml (kubernetes.context)");
  }
  const Named* ctx = Find(merged->contexts, context_name);
  if (ctx == nullptr) {
    std::string known = "(contexts: " + Names(merged->contexts) + ")";
    if (context.empty()) {
      return InvalidAt(merged->current_context_file, merged->current_context_node.Mark(),
                       "current-context " + Quote(context_name) + " names no context " + known);
    }
    return common::InvalidArgument("kubeconfig " + list + ": context " + Quote(context_name) +
                                   " not found " + known);
  }

  YamlErrors errors(ctx->file);
  BodyReader reader(*ctx, "context " + Quote(ctx->name), errors);
  std::string cluster_name = reader.String("cluster");
  std::string user_name = reader.String("user");
  std::string ns = reader.String("namespace");
  if (errors.empty() && cluster_name.empty()) reader.Error(reader.what() + " names no cluster");
  const Named* cluster = cluster_name.empty() ? nullptr : Find(merged->clusters, cluster_name);
  if (errors.empty() && cluster == nullptr) {
    reader.Error(reader.Node("cluster"),
                 reader.what() + " names cluster " + Quote(cluster_name) +
                     ", which is not defined (clusters: " + Names(merged->clusters) + ")");
  }
  const Named* user = user_name.empty() ? nullptr : Find(merged->users, user_name);
  if (errors.empty() && !user_name.empty() && user == nullptr) {
    reader.Error(reader.Node("user"), reader.what() + " names user " + Quote(user_name) +
                                          ", which is not defined (users: " + Names(merged->users) +
                                          ")");
  }
  if (!errors.empty()) return Invalid(errors);

  KubeConnection connection;
  REBOUND_RETURN_IF_ERROR(ReadCluster(*cluster, connection));
  if (user != nullptr) REBOUND_RETURN_IF_ERROR(ReadUser(*user, env, connection));
  if (!ns.empty()) connection.default_namespace = ns;
  connection.source = "kubeconfig " + ctx->file + ", context " + Quote(ctx->name);
  return connection;
}

}  // namespace rebound::kube
