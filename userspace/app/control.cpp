#include "app/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace spoor::app {
namespace {

constexpr std::size_t kMaxRequest = 64 * 1024;
constexpr int kIoTimeoutMs = 2000;

sockaddr_un socket_address(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const auto& text = path.native();
    if (text.size() >= sizeof(addr.sun_path)) {
        throw std::runtime_error("control socket path too long: " + text);
    }
    std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
    return addr;
}

UniqueFd connect_to(const std::filesystem::path& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const auto addr = socket_address(path);
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        return UniqueFd{};
    }
    return fd;
}

// Reads up to the first newline (or EOF), bounded in size and time.
bool read_line(int fd, std::string& out) {
    char buf[4096];
    while (out.find('\n') == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, kIoTimeoutMs) <= 0) {
            return false;
        }
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > kMaxRequest) {
            return false;
        }
    }
    if (auto nl = out.find('\n'); nl != std::string::npos) {
        out.resize(nl);
    }
    return true;
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

ControlServer::ControlServer(std::filesystem::path path) : path_(std::move(path)) {
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);
    if (ec) {
        throw std::runtime_error("cannot create " + path_.parent_path().string() + ": " +
                                 ec.message());
    }
    if (std::filesystem::exists(path_)) {
        if (connect_to(path_)) {
            throw std::runtime_error("another spoor daemon answers on " + path_.string() +
                                     " (one daemon per control socket: stop it or use "
                                     "--control-socket)");
        }
        std::filesystem::remove(path_, ec);  // stale, left by a crash
    }
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const auto addr = socket_address(path_);
    // Root and the socket's group only: the socket can reload trails.
    const mode_t old_mask = ::umask(0117);
    const int rc = ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    ::umask(old_mask);
    if (!listener_ || rc != 0 || ::listen(listener_.get(), 16) != 0) {
        throw std::runtime_error("cannot listen on " + path_.string() + ": " +
                                 std::strerror(errno));
    }
}

void ControlServer::serve(Handler handler) {
    handler_ = std::move(handler);
    thread_ = std::thread([this] { accept_loop(); });
}

void ControlServer::stop() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

ControlServer::~ControlServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

void ControlServer::accept_loop() {
    while (!stop_) {
        pollfd p{listener_.get(), POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            continue;
        }
        UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (client) {
            answer(client.get());
        }
    }
}

void ControlServer::answer(int client) {
    std::string line;
    nlohmann::json reply;
    if (!read_line(client, line)) {
        reply = {{"error", "request not received (send one JSON line)"}};
    } else {
        try {
            reply = handler_(nlohmann::json::parse(line));
        } catch (const std::exception& e) {
            reply = {{"error", std::string("bad request: ") + e.what()}};
        }
    }
    write_all(client, reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

nlohmann::json control_request(const std::filesystem::path& path, const nlohmann::json& request) {
    UniqueFd fd = connect_to(path);
    if (!fd) {
        throw std::runtime_error("no spoor daemon answers on " + path.string() + " (" +
                                 std::strerror(errno) +
                                 "); is `spoor run` running, and is this the socket it uses?");
    }
    if (!write_all(fd.get(), request.dump() + "\n")) {
        throw std::runtime_error("cannot send to " + path.string());
    }
    std::string line;
    if (!read_line(fd.get(), line) || line.empty()) {
        throw std::runtime_error("no answer from the daemon on " + path.string());
    }
    return nlohmann::json::parse(line);
}

}  // namespace spoor::app
