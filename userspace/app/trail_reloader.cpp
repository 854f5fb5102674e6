#include "app/trail_reloader.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstring>
#include <exception>

#include "app/trail_loading.h"

namespace spoor::app {

nlohmann::json ReloadResult::to_json() const {
    nlohmann::json out = {{"ok", ok}, {"reason", reason}, {"seconds", seconds}};
    if (ok) {
        out["generation"] = generation;
        out["trails"] = trails;
    } else {
        out["error"] = error;
    }
    return out;
}

TrailReloader::TrailReloader(std::vector<std::string> sources, bool allow_empty, Analyzer& analyzer,
                             bpf::TrailMaps& maps,
                             std::shared_ptr<const trails::TrailStore> current)
    : sources_(std::move(sources)),
      allow_empty_(allow_empty),
      analyzer_(analyzer),
      maps_(maps),
      current_(std::move(current)),
      thread_([this] { run(); }) {}

TrailReloader::~TrailReloader() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::shared_future<ReloadResult> TrailReloader::request(std::string reason, bool force) {
    const std::lock_guard lock(mutex_);
    if (!pending_) {
        pending_ = true;
        pending_force_ = false;
        pending_reason_ = std::move(reason);
        pending_promise_ = {};
        pending_future_ = pending_promise_.get_future().share();
        wake_.notify_all();
    }
    pending_force_ = pending_force_ || force;
    return pending_future_;
}

std::shared_ptr<const trails::TrailStore> TrailReloader::current() const {
    const std::lock_guard lock(mutex_);
    return current_;
}

std::optional<ReloadResult> TrailReloader::last() const {
    const std::lock_guard lock(mutex_);
    return last_;
}

void TrailReloader::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stop_ || pending_; });
        if (stop_) {
            if (pending_) {
                pending_promise_.set_value({false, pending_reason_, "the sensor is stopping"});
            }
            return;
        }
        const std::string reason = pending_reason_;
        const bool force = pending_force_;
        std::promise<ReloadResult> promise = std::move(pending_promise_);
        pending_ = false;
        lock.unlock();
        ReloadResult result = reload(reason, force);
        lock.lock();
        last_ = result;
        promise.set_value(std::move(result));
    }
}

ReloadResult TrailReloader::reload(const std::string& reason, bool force) {
    const auto start = std::chrono::steady_clock::now();
    ReloadResult result;
    result.reason = reason;
    try {
        const auto previous = current();
        auto loaded = load_trail_sources(sources_, allow_empty_);
        const std::size_t before = previous->total();
        const std::size_t after = loaded.store->total();
        if (!force && after < before / 2) {
            throw std::runtime_error(std::to_string(after) + " trails, under half of the " +
                                     std::to_string(before) +
                                     " in use: a source is probably broken (force the reload "
                                     "to take it anyway)");
        }
        // The Analyzer knows the generation before any record can carry it.
        const std::uint32_t generation = maps_.next_generation();
        analyzer_.add_trails(generation, loaded.store);
        const auto installed = maps_.install(*loaded.store);
        result.ok = true;
        result.generation = installed.generation;
        result.trails = after;
        const std::lock_guard lock(mutex_);
        current_ = std::move(loaded.store);
    } catch (const std::exception& e) {
        result.error = e.what();
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.ok) {
        spdlog::info("trails reloaded ({}): generation {}, {} trails in {:.2f} s", reason,
                     result.generation, result.trails, result.seconds);
    } else {
        spdlog::error("trail reload ({}) failed, keeping the trails in use: {}", reason,
                      result.error);
    }
    return result;
}

TrailWatcher::TrailWatcher(const std::vector<std::string>& sources, TrailReloader& reloader)
    : reloader_(reloader),
      inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      stop_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!inotify_ || !stop_) {
        throw std::runtime_error(std::string("cannot watch the trail sources: ") +
                                 std::strerror(errno));
    }
    for (const std::string& source : sources) {
        const std::filesystem::path path(source);
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            watch(path, "");
            for (std::filesystem::recursive_directory_iterator it(path, ec), end; !ec && it != end;
                 it.increment(ec)) {
                if (it->is_directory(ec)) {
                    watch(it->path(), "");
                }
            }
        } else {
            // The folder, not the file: a store is renamed into place, which a watch on the
            // file itself would not see.
            const auto parent = path.parent_path().empty() ? "." : path.parent_path();
            watch(parent, path.filename().string());
        }
    }
    thread_ = std::thread([this] { run(); });
}

TrailWatcher::~TrailWatcher() {
    const std::uint64_t one = 1;
    if (::write(stop_.get(), &one, sizeof(one)) < 0) {
        spdlog::warn("trail watcher: cannot signal its thread to stop");
    }
    thread_.join();
}

void TrailWatcher::watch(const std::filesystem::path& dir, std::string only_name) {
    const int wd =
        ::inotify_add_watch(inotify_.get(), dir.c_str(),
                            IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE);
    if (wd < 0) {
        spdlog::warn("cannot watch {} for trail changes: {}", dir.string(), std::strerror(errno));
        return;
    }
    watches_.emplace_back(wd, std::move(only_name));
}

void TrailWatcher::run() {
    using namespace std::chrono;
    constexpr auto kQuiet = seconds(1);
    std::optional<steady_clock::time_point> changed;  // a change waits for a second of quiet
    std::string what;
    std::array<char, 16384> buffer;
    while (true) {
        int timeout = -1;
        if (changed) {
            timeout = static_cast<int>(std::max<std::int64_t>(
                0, duration_cast<milliseconds>(*changed + kQuiet - steady_clock::now()).count()));
        }
        std::array<pollfd, 2> fds{{{inotify_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
            spdlog::warn("trail watcher stops: {}", std::strerror(errno));
            return;
        }
        if (fds[1].revents != 0) {
            return;
        }
        if (fds[0].revents != 0) {
            ssize_t n;
            while ((n = ::read(inotify_.get(), buffer.data(), buffer.size())) > 0) {
                for (ssize_t at = 0; at < n;) {
                    const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
                    at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
                    const std::string name = event->len > 0 ? event->name : "";
                    for (const auto& [wd, only] : watches_) {
                        if (wd == event->wd && (only.empty() || only == name) &&
                            !name.starts_with('.') && name.find(".tmp.") == std::string::npos) {
                            changed = steady_clock::now();
                            what = name;
                        }
                    }
                }
            }
        }
        if (changed && steady_clock::now() >= *changed + kQuiet) {
            changed.reset();
            reloader_.request("trail source changed: " + what, false);
        }
    }
}

}  // namespace spoor::app
