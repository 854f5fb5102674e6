// URL trails (DESIGN.md "Trail line rules": a line with "/" is a URL or a
// path) matched against an HTTP request the way Maltrail does: the target is
// cut into candidates (the path, without its query, without parameter values,
// without its extension, its parent directory, its last segment), each tried
// bare, so that a path trail matches on any host, and after the host.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "detect/lookup_tables.h"
#include "trails/trail_set.h"

namespace spoor::detect {

struct UrlMatch {
    std::string trail;  // the request's URL with the unmatched parts in parentheses
    std::uint32_t record_id = 0;
};

class UrlMatcher {
  public:
    explicit UrlMatcher(std::shared_ptr<const trails::TrailSet> trails);

    // `host` as the request names it (Host header, or the address), `path` the
    // origin-form target ("/a/b.php?c=d"), `post_body` the body of a POST (its
    // "path?body" is tried first), else empty. Case does not matter.
    std::optional<UrlMatch> match(std::string_view host, std::string_view path,
                                  std::string_view post_body);

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            // Well mixed in the high bits too, which the Bloom filter picks its word by.
            const std::uint64_t h = std::hash<std::string_view>{}(s)*0x9e3779b97f4a7c15ull;
            return static_cast<std::size_t>(h ^ (h >> 29));
        }
    };
    // Keys without trailing slashes: "host/" (a host's root page) is "host", met by
    // the candidate that is the host alone, and "/dir/" meets the path "/dir/".
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> urls_;
    // In front of urls_: a request tries a dozen candidates, nearly all absent, and
    // each would otherwise cost cache misses in a table of a hundred thousand keys.
    BloomFilter filter_;
    std::shared_ptr<const trails::TrailSet> trails_;
    std::string url_;  // reused: the lower-cased "host/path" of the request
    std::string key_;  // reused: one candidate with its host
};

}  // namespace spoor::detect
