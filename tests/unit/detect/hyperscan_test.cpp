// The shared Hyperscan helpers: a refused expression is named, not thrown; a
// failure of the whole set throws; scratch spaces fit and clone; compiled
// databases are kept in a cache folder.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "detect/hyperscan.h"
#include "support/test_support.h"

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

TEST_CASE("hyperscan: a cache folder keeps compiled databases; a damaged one is compiled again") {
    spoor::test::TempDir dir;
    const auto cache = dir.path() / "cache";
    hs::set_cache_dir(cache.string());
    const std::vector<hs::Expression> expressions = {{"ev[0-9]+il", HS_FLAG_SINGLEMATCH, 3}};
    const auto hits = [](const hs::Database& db, const char* text) {
        const hs::Scratch scratch = hs::scratch_for({db.get()}, "test");
        int n = 0;
        const auto count = [](unsigned int id, unsigned long long, unsigned long long, unsigned int,
                              void* context) -> int {
            *static_cast<int*>(context) += static_cast<int>(id);
            return 0;
        };
        hs_scan(db.get(), text, static_cast<unsigned int>(std::strlen(text)), 0, scratch.get(),
                count, &n);
        return n;
    };
    const hs::Compiled first = hs::compile(expressions, "test");
    REQUIRE(first.database);
    std::vector<std::filesystem::path> files(std::filesystem::directory_iterator(cache), {});
    REQUIRE(files.size() == 1);
    const auto saved = std::filesystem::file_size(files[0]);
    CHECK(saved > 0);

    const hs::Compiled cached = hs::compile(expressions, "test");
    REQUIRE(cached.database);
    CHECK(hits(cached.database, "an ev42il day") == 3);
    CHECK(hits(cached.database, "an evil day") == 0);

    // Other expressions: another file. A damaged file: compiled again, and saved over.
    CHECK(hs::compile({{{"other", 0, 1}}}, "test").database);
    CHECK(std::distance(std::filesystem::directory_iterator(cache), {}) == 2);
    std::ofstream(files[0], std::ios::binary | std::ios::trunc) << "not a database";
    const hs::Compiled again = hs::compile(expressions, "test");
    REQUIRE(again.database);
    CHECK(hits(again.database, "ev1il") == 3);
    CHECK(std::filesystem::file_size(files[0]) == saved);
    // A refused expression is named as before, and nothing is saved for it.
    CHECK(hs::compile({{{"a(b", 0, 1}}}, "test").refused == std::size_t{0});
    CHECK(std::distance(std::filesystem::directory_iterator(cache), {}) == 2);
    hs::set_cache_dir("");
}
