// Kernel trail tables: builds one generation (inner maps + filter bitmap)
// from a TrailStore in the spare map-in-map slot, then flips the generation
// word. Old tables keep serving until the new ones are complete.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "bpf/sensor_object.h"
#include "trails/trail_store.h"

namespace spoor::bpf {

struct GenerationStats {
    std::uint32_t slot = 0;
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
    // use and makes it live. Throws std::runtime_error naming the map that
    // failed; the live generation is untouched then.
    GenerationStats install(const trails::TrailStore& trails);

    // Slot the classifier uses now.
    std::uint32_t active_slot() const;

  private:
    SensorObject& object_;
    bool installed_once_ = false;
};

}  // namespace spoor::bpf
