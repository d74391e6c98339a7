// Makes civetweb 1.15 (Debian bookworm's libcivetweb1) serve TLS with OpenSSL 3.
//
// That civetweb loads OpenSSL at run time with dlopen("libssl.so") and looks up
// SSL_get_peer_certificate, which OpenSSL 3 no longer exports (it became a macro for
// SSL_get1_peer_certificate). The lookup yields a null pointer that civetweb calls after
// every TLS handshake: the server crashes on its first HTTPS request.
//
// This file builds a tiny shared library whose SONAME is "libssl.so" and which depends on the
// real libssl.so.3. Binaries that link rebound::common load it at start-up (DT_NEEDED, found
// through their RUNPATH); civetweb's later dlopen("libssl.so") then matches it by SONAME, and
// dlsym searches it first and its dependency, the real OpenSSL, for everything else.
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

extern "C" __attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
