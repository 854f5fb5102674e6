// What the userspace benchmarks share: the trails they match against (the full
// real set unless told otherwise; a compiled store or sources, as `run` takes
// them) and a clock around a loop.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/trail_loading.h"
#include "trails/whitelist.h"

namespace spoor::bench {

struct Trails {
    std::shared_ptr<const trails::TrailStore> store;
    std::shared_ptr<const trails::Whitelist> whitelist;
};

// `--trails PATH` (repeatable), `--whitelist FILE` and `--records N` from the command line;
// without --trails, the real static set beside the repository. False on a bad argument.
inline bool parse_args(int argc, char** argv, std::vector<std::filesystem::path>& sources,
                       std::filesystem::path& whitelist, std::size_t& records) {
    const auto shared = std::filesystem::path(SPOOR_SOURCE_DIR) / "../shared/data/maltrail";
    whitelist = shared / "whitelist.txt";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--trails" && i + 1 < argc) {
            sources.emplace_back(argv[++i]);
        } else if (arg == "--whitelist" && i + 1 < argc) {
            whitelist = argv[++i];
        } else if (arg == "--records" && i + 1 < argc) {
            records = std::stoul(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--trails PATH]... [--whitelist FILE] [--records N]\n",
                         argv[0]);
            return false;
        }
    }
    if (sources.empty()) {
        sources.push_back(shared / "static-trails.tar.xz");
    }
    return true;
}

inline Trails load(const std::vector<std::filesystem::path>& sources,
                   const std::filesystem::path& whitelist_file) {
    auto store = app::load_trail_sources({sources.begin(), sources.end()}, true).store;
    auto whitelist = std::make_shared<trails::Whitelist>();
    if (std::filesystem::exists(whitelist_file)) {
        trails::LoadReport report;
        whitelist->load(whitelist_file, report);
    }
    return {std::move(store), std::move(whitelist)};
}

// Nanoseconds per item of `fn()`, which handles `items` of them.
template <typename Fn>
double ns_per(std::size_t items, Fn&& fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
               .count() /
           static_cast<double>(items);
}

}  // namespace spoor::bench
