// RawConnection: a plain TCP connection to 127.0.0.1 for tests that must send what an HTTP
// client library would not (malformed framing, a body that stops short, nothing at all).
//
// Thread-safety: one thread per object.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace rebound::testing {

class RawConnection {
 public:
  // Connects at once; connected() says whether it worked.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  // Half-closes: the peer reads end of file.
  void FinishSending();
  // What arrives until the peer closes, or `timeout` passes, or `until` is seen in it.
  std::string Receive(std::chrono::milliseconds timeout, std::string_view until = "");
  // The status code of the response in `Receive`'s result, or 0.
  static int Status(std::string_view response);

 private:
  int fd_ = -1;
};

}  // namespace rebound::testing
