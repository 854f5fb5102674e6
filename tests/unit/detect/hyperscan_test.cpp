// The shared Hyperscan helpers: a refused expression is named, not thrown; a
// failure of the whole set throws; scratch spaces fit and clone.
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "detect/hyperscan.h"

namespace hs = spoor::detect::hyperscan;

TEST_CASE("hyperscan: compile names the refused expression") {
    const std::vector<hs::Expression> expressions = {
        {"abc", HS_FLAG_SINGLEMATCH, 7}, {"a(b", HS_FLAG_SINGLEMATCH, 8}, {"x++", 0, 9}};
    const hs::Compiled compiled = hs::compile(expressions, "test");
    CHECK_FALSE(compiled.database);
    REQUIRE(compiled.refused);
    CHECK(*compiled.refused == 1);
    CHECK_FALSE(compiled.error.empty());

    CHECK(hs::check("a(b", 0));
    CHECK(hs::check("x++", 0));
    CHECK_FALSE(hs::check("ab+c", HS_FLAG_CASELESS));
    CHECK_THROWS_AS(hs::compile({}, "test"), std::runtime_error);
}

TEST_CASE("hyperscan: a scratch for several databases, cloned per thread") {
    const std::vector<hs::Expression> one = {{"abc", HS_FLAG_SINGLEMATCH, 1}};
    const std::vector<hs::Expression> two = {{"x[0-9]{2,40}y", HS_FLAG_SOM_LEFTMOST, 2}};
    hs::Compiled a = hs::compile(one, "test");
    hs::Compiled b = hs::compile(two, "test");
    REQUIRE(a.database);
    REQUIRE(b.database);
    const hs::Scratch prototype =
        hs::scratch_for({a.database.get(), nullptr, b.database.get()}, "test");
    REQUIRE(prototype);
    const hs::Scratch copy = hs::clone(prototype, "test");
    REQUIRE(copy);
    int hits = 0;
    const auto count = [](unsigned int, unsigned long long, unsigned long long, unsigned int,
                          void* context) -> int {
        ++*static_cast<int*>(context);
        return 0;
    };
    CHECK(hs_scan(a.database.get(), "zabcz", 5, 0, copy.get(), count, &hits) == HS_SUCCESS);
    CHECK(hs_scan(b.database.get(), "x123y", 5, 0, copy.get(), count, &hits) == HS_SUCCESS);
    CHECK(hits == 2);
    CHECK_FALSE(hs::clone(hs::Scratch(), "test"));
    CHECK_FALSE(hs::scratch_for({nullptr}, "test"));
}
