// Live reload of the daemon's trails. A request (the control socket's
// `reload`, SIGUSR2, a change of a watched source) is served on a thread of its
// own, so that the ring is read all along: the sources are read again (a
// compiled store is mapped, others compiled in memory), a set under half the
// current size is refused unless forced, the Analyzer gets the new store as the
// next generation, and only then are the kernel's maps flipped to it. All or
// nothing: any failure keeps the generation in use and says why.
#pragma once

#include <sys/types.h>

#include <condition_variable>
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
#include "bpf/trail_maps.h"
#include "common/unique_fd.h"
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
    TrailReloader(std::vector<std::string> sources, bool allow_empty, Analyzer& analyzer,
                  bpf::TrailMaps& maps, std::shared_ptr<const trails::TrailStore> current);
    ~TrailReloader();  // finishes a reload under way
    TrailReloader(const TrailReloader&) = delete;
    TrailReloader& operator=(const TrailReloader&) = delete;

    // Queues a reload; requests that arrive while one waits are served by that one (forced
    // if any of them was).
    std::shared_future<ReloadResult> request(std::string reason, bool force);

    std::shared_ptr<const trails::TrailStore> current() const;
    // The last reload's outcome; nullopt before the first.
    std::optional<ReloadResult> last() const;

  private:
    void run();
    ReloadResult reload(const std::string& reason, bool force);

    const std::vector<std::string> sources_;
    const bool allow_empty_;
    Analyzer& analyzer_;
    bpf::TrailMaps& maps_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<const trails::TrailStore> current_;
    std::optional<ReloadResult> last_;
    bool pending_ = false;
    bool pending_force_ = false;
    std::string pending_reason_;
    std::promise<ReloadResult> pending_promise_;
    std::shared_future<ReloadResult> pending_future_;
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
