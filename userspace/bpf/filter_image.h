// The prefilter of one trail generation as userspace builds it (layout:
// bpf/lib/filter.h). The kernel gets it as a region of the trail_filter map;
// the host classifier (replay) reads it directly.
#pragma once

#include <cstdint>
#include <vector>

#include "trails/trail_store.h"

namespace spoor::bpf {

struct FilterImage {
    std::vector<std::uint64_t> words;  // SPOOR_FILTER_WORDS words of one generation
    std::uint32_t gen_flags = 0;       // enum spoor_gen_flag
};

// Bits for every exact address, IP:port and prefix trail of `trails`.
FilterImage build_filter(const trails::TrailStore& trails);

}  // namespace spoor::bpf
