// One generation of trails as the detectors read it: the store, and the
// matchers over it that keep per-thread state (the name cache, Hyperscan
// scratch). A detector keeps a reference to a TrailContext that its owner
// repoints: FlowAnalysis points it at the generation each record was
// classified against, so that a reload takes effect at the kernel's flip and
// never loses the flow state the detectors hold.
#pragma once

#include <cstddef>
#include <memory>

#include "detect/domain_matcher.h"
#include "detect/url_matcher.h"
#include "trails/trail_store.h"
#include "trails/whitelist.h"

namespace spoor::detect {

struct TrailContext {
    const trails::TrailStore* store = nullptr;
    DomainMatcher* domains = nullptr;
    UrlMatcher* urls = nullptr;
};

// Owns what a TrailContext points at, for one store.
class TrailMatchers {
  public:
    // Builds the name tables (regex databases) of `store`; see DomainMatcher.
    TrailMatchers(std::shared_ptr<const trails::TrailStore> store,
                  std::shared_ptr<const trails::Whitelist> whitelist,
                  const DomainMatcherConfig& config);
    // Matchers for another thread: the same tables, a name cache of its own.
    TrailMatchers(const TrailMatchers& tables_of, std::size_t negative_cache_entries);
    TrailMatchers(const TrailMatchers&) = delete;
    TrailMatchers& operator=(const TrailMatchers&) = delete;

    const TrailContext& context() const { return context_; }
    const std::shared_ptr<const trails::TrailStore>& store() const { return store_; }
    DomainMatcher& domains() { return *domains_; }
    const DomainMatcher& domains() const { return *domains_; }

  private:
    std::shared_ptr<const trails::TrailStore> store_;
    std::unique_ptr<DomainMatcher> domains_;
    std::unique_ptr<UrlMatcher> urls_;
    TrailContext context_;
};

}  // namespace spoor::detect
