// The control socket: a unix stream socket (mode 0660, under /run/spoor/ by
// default), one JSON request line in, one JSON response line out, per
// connection. One daemon per socket: start-up refuses a socket another
// daemon answers on, and replaces a stale one.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"

namespace spoor::app {

inline constexpr const char* kDefaultControlSocket = "/run/spoor/spoor.sock";

class ControlServer {
  public:
    // Answers a request object ({"command": "..."}) with a response object.
    using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

    // Claims the socket path (bind + listen) without answering yet; throws
    // std::runtime_error naming the path when a live daemon answers there or
    // it cannot be created. Claim first, so a second daemon stops before it
    // touches any interface.
    explicit ControlServer(std::filesystem::path path);
    ~ControlServer();  // stops the thread, removes the socket file
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Starts answering requests with `handler` on a thread of its own.
    void serve(Handler handler);
    // Stops answering (a request under way is finished first): before what the handler
    // uses goes away. The socket file stays until destruction.
    void stop();

    const std::filesystem::path& path() const { return path_; }

  private:
    void accept_loop();
    void answer(int client);

    std::filesystem::path path_;
    Handler handler_;
    UniqueFd listener_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Sends `request` ({"command": ..., and its arguments}) to the daemon at `path` and returns
// its reply. Throws std::runtime_error with a hint when no daemon answers.
nlohmann::json control_request(const std::filesystem::path& path, const nlohmann::json& request);

}  // namespace spoor::app
