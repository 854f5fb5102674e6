// Live changes to the daemon's trails, one at a time on a thread of their own,
// so that the ring is read all along. A reload (the control socket's `reload`,
// SIGUSR2, a change of a watched source) reads the sources again (a compiled
// store is mapped, others compiled in memory) and the operator's custom trails
// file; a set under half the current size is refused unless forced. `trails
// add|rm` change the custom trails alone, laid over the sources already read, and
// save the file. Either way the Analyzer gets the new store as the next
// generation, and only then are the kernel's maps flipped to it. All or nothing:
// any failure keeps the generation in use and says why.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/analyzer.h"
#include "app/feed_update.h"
#include "bpf/trail_maps.h"
#include "common/unique_fd.h"
#include "trails/custom_trails.h"
#include "trails/trail_store.h"

namespace spoor::app {

struct ReloadResult {
    bool ok = false;
    std::string reason;  // what asked for it
    std::string error;   // why the generation in use was kept
    std::uint32_t generation = 0;
    std::size_t trails = 0;
    double seconds = 0;  // from the request to the kernel's flip

    nlohmann::json to_json() const;
};

class TrailReloader {
  public:
    // `base` is what `sources` gave at start, `custom` the custom trails file's list then, and
    // `current` (generation 0) custom.over(base), as the daemon installed it.
    TrailReloader(std::vector<std::string> sources, bool allow_empty,
                  std::filesystem::path custom_file, trails::CustomTrails custom,
                  Analyzer& analyzer, bpf::TrailMaps& maps,
                  std::shared_ptr<const trails::TrailStore> base,
                  std::shared_ptr<const trails::TrailStore> current);
    ~TrailReloader();  // finishes a reload under way
    TrailReloader(const TrailReloader&) = delete;
    TrailReloader& operator=(const TrailReloader&) = delete;

    // Queues a reload; requests that arrive while one waits are served by that one (forced
    // if any of them was).
    std::shared_future<ReloadResult> request(std::string reason, bool force);
    // Queues a change of the custom trails (trails add|rm); each is served on its own.
    std::shared_future<ReloadResult> add(std::string value, std::string info,
                                         std::uint8_t severity);
    std::shared_future<ReloadResult> remove(std::string value);

    std::shared_ptr<const trails::TrailStore> current() const;
    // The last reload's outcome; nullopt before the first.
    std::optional<ReloadResult> last() const;

  private:
    struct Job {
        enum class Kind : std::uint8_t { Reload, Add, Remove };
        Job(Kind kind_in, std::string reason_in, bool force_in = false, std::string info_in = {},
            std::uint8_t severity_in = 0)
            : kind(kind_in),
              reason(std::move(reason_in)),
              force(force_in),
              info(std::move(info_in)),
              severity(severity_in) {}

        Kind kind;
        std::string reason;  // Reload: who asked; Add/Remove: the value
        bool force = false;
        std::string info;
        std::uint8_t severity = 0;
        std::promise<ReloadResult> promise;
        std::shared_future<ReloadResult> future;
    };
    std::shared_future<ReloadResult> queue(Job job);
    void run();
    ReloadResult serve(const Job& job);
    // Gives the Analyzer `store` as the next generation, then flips the kernel to it.
    std::uint32_t install(const std::shared_ptr<const trails::TrailStore>& store);

    const std::vector<std::string> sources_;
    const bool allow_empty_;
    const std::filesystem::path custom_file_;
    Analyzer& analyzer_;
    bpf::TrailMaps& maps_;
    // The reload thread's own: the sources as last read, and the custom trails over them.
    std::shared_ptr<const trails::TrailStore> base_;
    trails::CustomTrails custom_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<const trails::TrailStore> current_;
    std::optional<ReloadResult> last_;
    std::deque<Job> jobs_;
    bool stop_ = false;
    std::thread thread_;
};

// Runs `spoor trails update` into the sensor's store every `interval` (the first time one
// interval after start), then asks `reloader` to load it. A failed update is logged and the
// store in use stays.
class TrailUpdateSchedule {
  public:
    TrailUpdateSchedule(std::chrono::duration<double> interval, TrailsUpdateOptions update,
                        TrailReloader& reloader);
    ~TrailUpdateSchedule();
    TrailUpdateSchedule(const TrailUpdateSchedule&) = delete;
    TrailUpdateSchedule& operator=(const TrailUpdateSchedule&) = delete;

  private:
    void run();

    const std::chrono::duration<double> interval_;
    const TrailsUpdateOptions update_;
    TrailReloader& reloader_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

// Asks `reloader` for a reload when a trail source changes: a file rewritten or
// renamed into place (how `spoor trails compile` writes a store), a list added to
// or removed from a source folder. Changes are gathered for a second of quiet
// first, so that a tool writing many files causes one reload.
class TrailWatcher {
  public:
    TrailWatcher(const std::vector<std::string>& sources, TrailReloader& reloader);
    ~TrailWatcher();
    TrailWatcher(const TrailWatcher&) = delete;
    TrailWatcher& operator=(const TrailWatcher&) = delete;

  private:
    void watch(const std::filesystem::path& dir, std::string only_name);
    void run();

    TrailReloader& reloader_;
    UniqueFd inotify_;
    UniqueFd stop_;  // an eventfd: written to end run()
    // Watch descriptor -> the one name it is about ("" for every name in the folder).
    std::vector<std::pair<int, std::string>> watches_;
    std::thread thread_;
};

}  // namespace spoor::app
