#include "detect/trail_context.h"

namespace spoor::detect {

TrailMatchers::TrailMatchers(std::shared_ptr<const trails::TrailStore> store,
                             std::shared_ptr<const trails::Whitelist> whitelist,
                             const DomainMatcherConfig& config)
    : store_(std::move(store)),
      domains_(std::make_unique<DomainMatcher>(store_, std::move(whitelist), config)),
      urls_(std::make_unique<UrlMatcher>(store_)),
      context_{store_.get(), domains_.get(), urls_.get()} {}

TrailMatchers::TrailMatchers(const TrailMatchers& tables_of, std::size_t negative_cache_entries)
    : store_(tables_of.store_),
      domains_(std::make_unique<DomainMatcher>(*tables_of.domains_, negative_cache_entries)),
      urls_(std::make_unique<UrlMatcher>(store_)),
      context_{store_.get(), domains_.get(), urls_.get()} {}

}  // namespace spoor::detect
