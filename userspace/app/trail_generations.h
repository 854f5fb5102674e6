// The trail stores that records may have been classified against, by
// generation. The kernel numbers each install of its trail maps; a record
// carries that number, and is analysed against the store of its generation,
// so that a reload takes effect exactly at the kernel's flip: a packet
// matched before it is decoded with the tables it matched, one after it with
// the new ones. Replay has one generation, 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "detect/trail_context.h"

namespace spoor::app {

class TrailGenerations {
  public:
    // A generation: its store and the name tables over it (matchers of the analysis
    // threads are made from these, each with a name cache of its own).
    struct Generation {
        std::uint32_t number = 0;
        std::shared_ptr<const detect::TrailMatchers> tables;
    };
    // A generation is added before the kernel flips to it: the one in use and the one
    // before it must stay (records of both may still be queued), so three are kept. A record
    // of a generation no longer kept has its trail hits looked up again in the newest
    // (counted as stale by the Analyzer).
    static constexpr std::size_t kKept = 3;

    TrailGenerations(std::shared_ptr<const trails::Whitelist> whitelist,
                     detect::DomainMatcherConfig domains)
        : whitelist_(std::move(whitelist)), domains_(std::move(domains)) {}

    // Builds the tables of `store` (the regex databases: seconds for a set the store has
    // not compiled them for) and adds them as generation `number`, before the kernel
    // classifies anything against it. Any thread.
    void add(std::uint32_t number, std::shared_ptr<const trails::TrailStore> store) {
        auto tables =
            std::make_shared<const detect::TrailMatchers>(std::move(store), whitelist_, domains_);
        const std::lock_guard lock(mutex_);
        std::erase_if(generations_, [&](const Generation& g) { return g.number == number; });
        generations_.push_back({number, std::move(tables)});
        if (generations_.size() > kKept) {
            generations_.erase(generations_.begin());
        }
        version_.fetch_add(1, std::memory_order_release);
    }

    // Forgets generation `number` (an install that failed after add()).
    void remove(std::uint32_t number) {
        const std::lock_guard lock(mutex_);
        std::erase_if(generations_, [&](const Generation& g) { return g.number == number; });
        version_.fetch_add(1, std::memory_order_release);
    }

    // Changes with every add(): a reader compares it to know its snapshot is current.
    std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
    // Oldest first.
    std::vector<Generation> snapshot() const {
        const std::lock_guard lock(mutex_);
        return generations_;
    }

    std::size_t negative_cache_entries() const { return domains_.negative_cache_entries; }

  private:
    const std::shared_ptr<const trails::Whitelist> whitelist_;
    const detect::DomainMatcherConfig domains_;
    mutable std::mutex mutex_;
    std::vector<Generation> generations_;
    std::atomic<std::uint64_t> version_{0};
};

}  // namespace spoor::app
