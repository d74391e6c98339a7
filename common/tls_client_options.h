// TlsClientOptions: how an outbound HTTPS connection checks the server and presents itself.
// One struct for every HTTP client of Rebound: common::HttpClientRequest carries it to libcurl,
// and kube::KubeConnection fills it from a kubeconfig or the pod's service account.
//
// A value type.
#pragma once

#include <string>

namespace rebound::common {

struct TlsClientOptions {
  // The CA to verify the server with, as a file or PEM text; neither means the system trust
  // store.
  std::string ca_file;
  std::string ca_pem;
  // Skips verifying the server's certificate and name (kubeconfig's insecure-skip-tls-verify).
  bool insecure_skip_tls_verify = false;
  // The client certificate and key, each as a file or PEM text; none means no client
  // certificate.
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_cert_pem;
  std::string client_key_pem;
};

}  // namespace rebound::common
