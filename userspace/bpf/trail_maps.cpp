#include "bpf/trail_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf/filter_image.h"
#include "common/unique_fd.h"
#include "lib/filter.h"
#include "spoor_bpf.skel.h"

namespace spoor::bpf {
namespace {

// Key/value arrays for one inner map, filled then written in batches.
template <typename Key>
struct MapImage {
    std::vector<Key> keys;
    std::vector<spoor_trail_value> values;

    void add(const Key& key, std::uint32_t trail_id, std::uint32_t prefix_len) {
        keys.push_back(key);
        values.push_back({trail_id, prefix_len});
    }
};

template <typename Key>
UniqueFd create_inner_map(const char* name, bpf_map_type type, const MapImage<Key>& image) {
    LIBBPF_OPTS(bpf_map_create_opts, opts);
    if (type == BPF_MAP_TYPE_LPM_TRIE) {
        opts.map_flags = BPF_F_NO_PREALLOC;  // required by LPM tries; matches the template
    }
    // A map cannot have zero entries; an empty table is one unused slot.
    const auto max_entries =
        static_cast<std::uint32_t>(std::max<std::size_t>(image.keys.size(), 1));
    UniqueFd fd(
        bpf_map_create(type, name, sizeof(Key), sizeof(spoor_trail_value), max_entries, &opts));
    if (!fd) {
        throw std::runtime_error(std::string("cannot create map ") + name + ": " +
                                 errno_text(-errno));
    }
    // Batches where the map type supports them (hash), element by element otherwise (LPM).
    std::size_t done = 0;
    constexpr std::size_t kBatch = 65536;
    bool batch_ok = true;
    while (done < image.keys.size() && batch_ok) {
        auto count = static_cast<__u32>(std::min(kBatch, image.keys.size() - done));
        if (bpf_map_update_batch(fd.get(), &image.keys[done], &image.values[done], &count,
                                 nullptr) != 0) {
            batch_ok = false;
            break;
        }
        done += count;
    }
    for (; done < image.keys.size(); ++done) {
        if (bpf_map_update_elem(fd.get(), &image.keys[done], &image.values[done], BPF_ANY) != 0) {
            throw std::runtime_error(std::string("cannot fill map ") + name + ": " +
                                     errno_text(-errno));
        }
    }
    return fd;
}

void write_filter(int fd, std::uint32_t slot, const FilterImage& image) {
    std::vector<std::uint32_t> keys(image.words.size());
    for (std::uint32_t i = 0; i < keys.size(); ++i) {
        keys[i] = spoor_filter_index(slot, 0) + i;
    }
    auto count = static_cast<__u32>(keys.size());
    if (bpf_map_update_batch(fd, keys.data(), image.words.data(), &count, nullptr) != 0) {
        throw std::runtime_error("cannot write the trail filter: " + errno_text(-errno));
    }
}

void set_slot(bpf_map* outer, std::uint32_t slot, const UniqueFd& inner) {
    const int inner_fd = inner.get();
    if (bpf_map_update_elem(bpf_map__fd(outer), &slot, &inner_fd, BPF_ANY) != 0) {
        throw std::runtime_error(std::string("cannot install map in ") + bpf_map__name(outer) +
                                 ": " + errno_text(-errno));
    }
}

}  // namespace

GenerationStats TrailMaps::install(const trails::TrailStore& trails) {
    GenerationStats stats;
    // The very first install fills slot 0; later ones the slot not in use.
    stats.generation = next_generation();
    stats.slot = stats.generation % SPOOR_GENERATIONS;

    MapImage<std::uint32_t> exact4;
    MapImage<std::array<std::uint8_t, 16>> exact6;
    MapImage<spoor_lpm4_key> lpm4;
    MapImage<spoor_lpm6_key> lpm6;
    MapImage<spoor_ipport_key> ipport;
    const FilterImage filter = build_filter(trails);

    trails.for_each_ip([&](const IpAddress& addr, std::uint32_t id) {
        if (addr.is_v4()) {
            std::uint32_t key;
            std::memcpy(&key, addr.bytes.data(), 4);
            exact4.add(key, id, 32);
        } else {
            exact6.add(addr.bytes, id, 128);
        }
    });
    trails.for_each_ip_port([&](const trails::IpPort& ip_port, std::uint32_t id) {
        spoor_ipport_key key{};
        std::memcpy(key.addr, ip_port.addr.bytes.data(), 16);
        key.port = ip_port.port;
        key.family = ip_port.addr.family;
        ipport.add(key, id, ip_port.addr.bits());
    });
    trails.for_each_prefix([&](const trails::Prefix& prefix, std::uint32_t id) {
        if (prefix.addr.is_v4()) {
            spoor_lpm4_key key{prefix.len, {}};
            std::memcpy(key.addr, prefix.addr.bytes.data(), 4);
            lpm4.add(key, id, prefix.len);
        } else {
            spoor_lpm6_key key{prefix.len, {}};
            std::memcpy(key.addr, prefix.addr.bytes.data(), 16);
            lpm6.add(key, id, prefix.len);
        }
    });

    auto& skel = object_.skel();
    const UniqueFd fd_exact4 = create_inner_map("spoor_exact4", BPF_MAP_TYPE_HASH, exact4);
    const UniqueFd fd_exact6 = create_inner_map("spoor_exact6", BPF_MAP_TYPE_HASH, exact6);
    const UniqueFd fd_lpm4 = create_inner_map("spoor_lpm4", BPF_MAP_TYPE_LPM_TRIE, lpm4);
    const UniqueFd fd_lpm6 = create_inner_map("spoor_lpm6", BPF_MAP_TYPE_LPM_TRIE, lpm6);
    const UniqueFd fd_ipport = create_inner_map("spoor_ipport", BPF_MAP_TYPE_HASH, ipport);
    write_filter(bpf_map__fd(skel.maps.trail_filter), stats.slot, filter);
    set_slot(skel.maps.trails_exact4, stats.slot, fd_exact4);
    set_slot(skel.maps.trails_exact6, stats.slot, fd_exact6);
    set_slot(skel.maps.trails_lpm4, stats.slot, fd_lpm4);
    set_slot(skel.maps.trails_lpm6, stats.slot, fd_lpm6);
    set_slot(skel.maps.trails_ipport, stats.slot, fd_ipport);

    // Publish: flags of the new slot first, then the generation word.
    __atomic_store_n(&skel.bss->spoor_rt.gen_flags[stats.slot], filter.gen_flags, __ATOMIC_RELEASE);
    __atomic_store_n(&skel.bss->spoor_rt.active_gen, stats.generation, __ATOMIC_RELEASE);
    installed_ = true;
    generation_.store(stats.generation, std::memory_order_release);

    stats.exact4 = exact4.keys.size();
    stats.exact6 = exact6.keys.size();
    stats.prefix4 = lpm4.keys.size();
    stats.prefix6 = lpm6.keys.size();
    stats.ipport = ipport.keys.size();
    for (const auto* fd : {&fd_exact4, &fd_exact6, &fd_lpm4, &fd_lpm6, &fd_ipport}) {
        stats.memory_bytes += map_memlock_bytes(fd->get());
    }
    return stats;
}

}  // namespace spoor::bpf
