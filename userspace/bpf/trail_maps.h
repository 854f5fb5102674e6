// Kernel trail tables: builds one generation (inner maps + filter bitmap)
// from a TrailStore in the spare map-in-map slot, then flips the generation
// word. Old tables keep serving until the new ones are complete.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "bpf/sensor_object.h"
#include "trails/trail_store.h"

namespace spoor::bpf {

struct GenerationStats {
    std::uint32_t generation = 0;  // counts installs from 0
    std::uint32_t slot = 0;        // generation % SPOOR_GENERATIONS
    std::size_t exact4 = 0;
    std::size_t exact6 = 0;
    std::size_t prefix4 = 0;
    std::size_t prefix6 = 0;
    std::size_t ipport = 0;
    std::uint64_t memory_bytes = 0;  // inner maps as charged by the kernel
};

class TrailMaps {
  public:
    explicit TrailMaps(SensorObject& object) : object_(object) {}

    // Builds every IP, CIDR and IP:port table of `trails` into the slot not in
    // use and makes it live as next_generation(). Throws std::runtime_error
    // naming the map that failed; the live generation is untouched then.
    // One installer at a time (the daemon's reloads are serialised).
    GenerationStats install(const trails::TrailStore& trails);

    // What the next install() will be numbered (0 for the first): records the
    // kernel classifies after it carry this number.
    std::uint32_t next_generation() const { return installed_ ? generation() + 1 : 0; }
    // The generation the classifier uses now (meaningless before the first install).
    std::uint32_t generation() const { return generation_.load(std::memory_order_acquire); }

  private:
    SensorObject& object_;
    bool installed_ = false;
    std::atomic<std::uint32_t> generation_{0};  // read by the control socket's thread
};

}  // namespace spoor::bpf
