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

#include "trails/trail_store.h"

namespace spoor::detect {

struct UrlMatch {
    std::string trail;  // the request's URL with the unmatched parts in parentheses
    std::uint32_t record_id = 0;
};

class UrlMatcher {
  public:
    // Over the store's URL index, whose keys have no trailing slashes: "host/" (a host's
    // root page) is met by the candidate that is the host alone, and "/dir/" by "/dir/".
    explicit UrlMatcher(std::shared_ptr<const trails::TrailStore> trails);

    // `host` as the request names it (Host header, or the address), `path` the
    // origin-form target ("/a/b.php?c=d"), `post_body` the body of a POST (its
    // "path?body" is tried first), else empty. Case does not matter.
    std::optional<UrlMatch> match(std::string_view host, std::string_view path,
                                  std::string_view post_body);

  private:
    std::shared_ptr<const trails::TrailStore> trails_;
    const trails::KeyIndex& urls_;  // of trails_
    std::string url_;               // reused: the lower-cased "host/path" of the request
    std::string key_;               // reused: one candidate with its host
};

}  // namespace spoor::detect
