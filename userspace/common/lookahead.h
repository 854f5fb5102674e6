// Software pipelining over a sequence: each item is prepared `ahead` items before
// it is visited, so that what preparing starts (memory fetched, a message parsed)
// is done by the item's turn. The DNS detector's records go through it.
#pragma once

#include <algorithm>
#include <cstddef>

namespace spoor {

// Calls prepare(i) and visit(i) for every i < count, visit in order, prepare(i) before
// visit(i - ahead): at most ahead + 1 prepared items wait for their visit at any time.
template <typename Prepare, typename Visit>
void visit_ahead(std::size_t count, std::size_t ahead, Prepare&& prepare, Visit&& visit) {
    for (std::size_t i = 0; i < std::min(ahead, count); ++i) {
        prepare(i);
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (i + ahead < count) {
            prepare(i + ahead);
        }
        visit(i);
    }
}

}  // namespace spoor
