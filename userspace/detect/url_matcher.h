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

// The URL trails as the matcher looks them up, built once and shared read-only by
// the matchers of every analysis thread.
struct UrlIndex {
    explicit UrlIndex(const trails::TrailSet& trails);

    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return hash_string(s); }
    };
    // Keys without trailing slashes: "host/" (a host's root page) is "host", met by
    // the candidate that is the host alone, and "/dir/" meets the path "/dir/".
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> urls;
    // In front of urls: a request tries a dozen candidates, nearly all absent, and
    // each would otherwise cost cache misses in a table of a hundred thousand keys.
    BloomFilter filter;
};

class UrlMatcher {
  public:
    explicit UrlMatcher(std::shared_ptr<const UrlIndex> index) : index_(std::move(index)) {}
    explicit UrlMatcher(const trails::TrailSet& trails)
        : UrlMatcher(std::make_shared<const UrlIndex>(trails)) {}

    // `host` as the request names it (Host header, or the address), `path` the
    // origin-form target ("/a/b.php?c=d"), `post_body` the body of a POST (its
    // "path?body" is tried first), else empty. Case does not matter.
    std::optional<UrlMatch> match(std::string_view host, std::string_view path,
                                  std::string_view post_body);

  private:
    std::shared_ptr<const UrlIndex> index_;
    std::string url_;  // reused: the lower-cased "host/path" of the request
    std::string key_;  // reused: one candidate with its host
};

}  // namespace spoor::detect
