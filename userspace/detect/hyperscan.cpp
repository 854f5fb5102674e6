#include "detect/hyperscan.h"

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace spoor::detect::hyperscan {

namespace {

[[noreturn]] void fail(std::string_view what, std::string_view why) {
    throw std::runtime_error(std::string(what) + ": " + std::string(why));
}

}  // namespace

Compiled compile(std::span<const Expression> expressions, std::string_view what) {
    std::vector<const char*> patterns;
    std::vector<unsigned int> flags;
    std::vector<unsigned int> ids;
    patterns.reserve(expressions.size());
    flags.reserve(expressions.size());
    ids.reserve(expressions.size());
    for (const Expression& expression : expressions) {
        patterns.push_back(expression.pattern);
        flags.push_back(expression.flags);
        ids.push_back(expression.id);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* raw_error = nullptr;
    Compiled out;
    if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                         static_cast<unsigned int>(patterns.size()), HS_MODE_BLOCK, nullptr, &db,
                         &raw_error) == HS_SUCCESS) {
        out.database.reset(db);
        return out;
    }
    const CompileError error(raw_error);
    if (error->expression < 0) {
        fail(what, error->message);
    }
    out.refused = static_cast<std::size_t>(error->expression);
    out.error = error->message;
    return out;
}

std::optional<std::string> check(const char* pattern, unsigned int flags) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* raw_error = nullptr;
    if (hs_expression_info(pattern, flags, &info, &raw_error) != HS_SUCCESS) {
        const CompileError error(raw_error);
        return std::string(error->message);
    }
    std::free(info);  // allocated by Hyperscan's default allocator, which is malloc
    return std::nullopt;
}

Scratch scratch_for(std::initializer_list<const hs_database_t*> databases, std::string_view what) {
    return scratch_for(std::span(databases.begin(), databases.size()), what);
}

Scratch scratch_for(std::span<const hs_database_t* const> databases, std::string_view what) {
    hs_scratch_t* raw = nullptr;
    for (const hs_database_t* db : databases) {
        // Each call grows the same scratch until it fits every database.
        if (db != nullptr && hs_alloc_scratch(db, &raw) != HS_SUCCESS) {
            hs_free_scratch(raw);
            fail(what, "cannot allocate Hyperscan scratch");
        }
    }
    return Scratch(raw);
}

Scratch clone(const Scratch& prototype, std::string_view what) {
    hs_scratch_t* copy = nullptr;
    if (prototype && hs_clone_scratch(prototype.get(), &copy) != HS_SUCCESS) {
        fail(what, "cannot allocate Hyperscan scratch");
    }
    return Scratch(copy);
}

}  // namespace spoor::detect::hyperscan
