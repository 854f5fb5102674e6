#include "bpf/filter_image.h"

#include "lib/filter.h"

namespace spoor::bpf {
namespace {

void set(FilterImage& image, std::uint32_t bit, std::uint32_t bucket) {
    image.words[spoor_filter_index(0, bucket)] |= std::uint64_t{bit} << spoor_filter_shift(bucket);
}

void set_address(FilterImage& image, std::uint32_t bit, const IpAddress& addr) {
    set(image, bit, spoor_filter_bucket(addr.bytes.data(), addr.family));
}

// Every bucket a prefix overlaps. IPv6 prefixes shorter than the hashed /48 cannot be
// expressed: they make the classifier consult the IPv6 LPM table for every address.
void set_prefix(FilterImage& image, const trails::Prefix& p) {
    if (!p.addr.is_v4()) {
        if (p.len < 48) {
            image.gen_flags |= SPOOR_GEN_V6_SHORT_PREFIX;
        } else {
            set_address(image, SPOOR_FILTER_PREFIX, p.addr);
        }
        return;
    }
    const std::uint32_t first = spoor_filter_bucket(p.addr.bytes.data(), SPOOR_FAMILY_V4);
    const std::uint32_t count =
        p.len >= SPOOR_FILTER_BUCKET_BITS ? 1 : 1u << (SPOOR_FILTER_BUCKET_BITS - p.len);
    for (std::uint32_t b = first; b < first + count; ++b) {
        set(image, SPOOR_FILTER_PREFIX, b);
    }
}

}  // namespace

FilterImage build_filter(const trails::TrailStore& trails) {
    FilterImage image;
    image.words.assign(SPOOR_FILTER_WORDS, 0);
    trails.for_each_ip([&](const IpAddress& addr, std::uint32_t) {
        set_address(image, SPOOR_FILTER_EXACT, addr);
    });
    trails.for_each_ip_port([&](const trails::IpPort& ip_port, std::uint32_t) {
        set_address(image, SPOOR_FILTER_EXACT, ip_port.addr);
    });
    trails.for_each_prefix(
        [&](const trails::Prefix& prefix, std::uint32_t) { set_prefix(image, prefix); });
    return image;
}

}  // namespace spoor::bpf
