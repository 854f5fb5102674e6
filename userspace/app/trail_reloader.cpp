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
#include <sstream>

#include "app/trail_loading.h"
#include "common/atomic_file.h"

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

TrailReloader::TrailReloader(std::vector<std::string> sources, bool allow_empty,
                             std::filesystem::path custom_file, trails::CustomTrails custom,
                             Analyzer& analyzer, bpf::TrailMaps& maps,
                             std::shared_ptr<const trails::TrailStore> base,
                             std::shared_ptr<const trails::TrailStore> current)
    : sources_(std::move(sources)),
      allow_empty_(allow_empty),
      custom_file_(std::move(custom_file)),
      analyzer_(analyzer),
      maps_(maps),
      base_(std::move(base)),
      custom_(std::move(custom)),
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

std::shared_future<ReloadResult> TrailReloader::queue(Job job) {
    const std::lock_guard lock(mutex_);
    if (job.kind == Job::Kind::Reload && !jobs_.empty() && jobs_.back().kind == Job::Kind::Reload) {
        jobs_.back().force = jobs_.back().force || job.force;
        return jobs_.back().future;
    }
    job.future = job.promise.get_future().share();
    jobs_.push_back(std::move(job));
    wake_.notify_all();
    return jobs_.back().future;
}

std::shared_future<ReloadResult> TrailReloader::request(std::string reason, bool force) {
    return queue(Job(Job::Kind::Reload, std::move(reason), force));
}

std::shared_future<ReloadResult> TrailReloader::add(std::string value, std::string info,
                                                    std::uint8_t severity) {
    return queue(Job(Job::Kind::Add, std::move(value), false, std::move(info), severity));
}

std::shared_future<ReloadResult> TrailReloader::remove(std::string value) {
    return queue(Job(Job::Kind::Remove, std::move(value)));
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
        wake_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (stop_) {
            for (Job& job : jobs_) {
                ReloadResult stopping;
                stopping.reason = job.reason;
                stopping.error = "the sensor is stopping";
                job.promise.set_value(std::move(stopping));
            }
            return;
        }
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        ReloadResult result = serve(job);
        lock.lock();
        last_ = result;
        job.promise.set_value(std::move(result));
    }
}

std::uint32_t TrailReloader::install(const std::shared_ptr<const trails::TrailStore>& store) {
    // The Analyzer knows the generation before any record can carry it.
    const std::uint32_t generation = maps_.next_generation();
    analyzer_.add_trails(generation, store);
    try {
        return maps_.install(*store).generation;
    } catch (...) {
        analyzer_.drop_trails(generation);
        throw;
    }
}

ReloadResult TrailReloader::serve(const Job& job) {
    const auto start = std::chrono::steady_clock::now();
    ReloadResult result;
    result.reason = job.kind == Job::Kind::Reload ? job.reason
                    : job.kind == Job::Kind::Add  ? "trails add " + job.reason
                                                  : "trails rm " + job.reason;
    try {
        const auto previous = current();
        std::shared_ptr<const trails::TrailStore> base = base_;
        trails::CustomTrails custom = custom_;
        if (job.kind == Job::Kind::Reload) {
            base = load_trail_sources(sources_, allow_empty_).store;
            custom = load_custom_trails(custom_file_);
        } else if (job.kind == Job::Kind::Add) {
            custom.add(job.reason, job.info, job.severity);
        } else {
            custom.remove(job.reason);
        }
        auto store = custom.over(base);
        if (!job.force && store->total() < previous->total() / 2) {
            throw std::runtime_error(std::to_string(store->total()) +
                                     " trails, under half of the " +
                                     std::to_string(previous->total()) +
                                     " in use: a source is probably broken (force the reload "
                                     "to take it anyway)");
        }
        if (job.kind != Job::Kind::Reload) {
            custom.save(custom_file_);  // first: a change the file lacks would be lost
        }
        try {
            result.generation = install(store);
        } catch (...) {
            if (job.kind != Job::Kind::Reload) {
                try {
                    custom_.save(custom_file_);  // the file again as the trails in use
                } catch (const std::exception& e) {
                    spdlog::error("{} still holds a change that is not in use: {}",
                                  custom_file_.string(), e.what());
                }
            }
            throw;
        }
        result.ok = true;
        result.trails = store->total();
        base_ = std::move(base);
        custom_ = std::move(custom);
        const std::lock_guard lock(mutex_);
        current_ = std::move(store);
    } catch (const std::exception& e) {
        result.error = e.what();
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.ok) {
        spdlog::info("trails changed ({}): generation {}, {} trails in {:.2f} s", result.reason,
                     result.generation, result.trails, result.seconds);
    } else {
        spdlog::error("trails unchanged ({}): {}", result.reason, result.error);
    }
    return result;
}

TrailUpdateSchedule::TrailUpdateSchedule(std::chrono::duration<double> interval,
                                         TrailsUpdateOptions update, TrailReloader& reloader)
    : interval_(interval),
      update_(std::move(update)),
      reloader_(reloader),
      thread_([this] { run(); }) {}

TrailUpdateSchedule::~TrailUpdateSchedule() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void TrailUpdateSchedule::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
        lock.unlock();
        try {
            spdlog::info("scheduled trails update into {}", update_.output);
            // Its summary to the log: stdout carries the alerts.
            std::ostringstream summary;
            const int status = run_trails_update(update_, summary);
            std::istringstream lines(summary.str());
            for (std::string line; std::getline(lines, line);) {
                spdlog::info("trails update: {}", line);
            }
            if (status == 0) {
                reloader_.request("scheduled trails update", false);
            }
        } catch (const std::exception& e) {
            spdlog::error("scheduled trails update failed, keeping the trails in use: {}",
                          e.what());
        }
        lock.lock();
    }
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
    // A change waits for a second of quiet: until `quiet_at`, none pending while it is max().
    constexpr auto kNone = steady_clock::time_point::max();
    steady_clock::time_point quiet_at = kNone;
    std::string what;
    std::array<char, 16384> buffer;
    while (true) {
        int timeout = -1;
        if (quiet_at != kNone) {
            timeout = static_cast<int>(std::max<std::int64_t>(
                0, duration_cast<milliseconds>(quiet_at - steady_clock::now()).count()));
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
                            !name.starts_with('.') && !is_temporary_file_name(name)) {
                            quiet_at = steady_clock::now() + kQuiet;
                            what = name;
                        }
                    }
                }
            }
        }
        if (quiet_at != kNone && steady_clock::now() >= quiet_at) {
            quiet_at = kNone;
            reloader_.request("trail source changed: " + what, false);
        }
    }
}

}  // namespace spoor::app
