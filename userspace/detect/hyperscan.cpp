#include "detect/hyperscan.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "common/atomic_file.h"
#include "proto/digest.h"

namespace spoor::detect::hyperscan {

namespace {

[[noreturn]] void fail(std::string_view what, std::string_view why) {
    throw std::runtime_error(std::string(what) + ": " + std::string(why));
}

std::string cache_dir;
std::atomic<bool> cache_warned{false};

// The cache file of these expressions: named by a digest of everything the database
// depends on, so that a changed pattern, Hyperscan or CPU never meets an old one.
std::filesystem::path cache_file(std::span<const Expression> expressions) {
    std::string key = hs_version();
    hs_platform_info_t platform{};
    if (hs_populate_platform(&platform) == HS_SUCCESS) {
        key.append(reinterpret_cast<const char*>(&platform), sizeof(platform));
    }
    for (const Expression& e : expressions) {
        key += '\0';
        key += e.pattern;
        key += '\0' + std::to_string(e.flags) + ',' + std::to_string(e.id);
    }
    return std::filesystem::path(cache_dir) /
           ("hs-" + proto::hex_digest(proto::DigestKind::Sha256, key) + ".db");
}

Database load_cached(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    hs_database_t* db = nullptr;
    if (bytes.empty() || hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) {
        return nullptr;  // absent, or damaged: compiled again and saved over
    }
    return Database(db);
}

void save_cached(const std::filesystem::path& file, const hs_database_t* db) {
    char* bytes = nullptr;
    std::size_t size = 0;
    if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) {
        return;
    }
    const std::unique_ptr<char, decltype(&std::free)> owned(bytes, &std::free);
    try {
        write_file_atomically(file, std::string_view(bytes, size));
    } catch (const std::runtime_error& e) {
        if (!cache_warned.exchange(true)) {
            spdlog::info("Hyperscan cache not writable ({}): patterns are compiled at each start",
                         e.what());
        }
    }
}

Compiled compile_now(std::span<const Expression> expressions, std::string_view what) {
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

}  // namespace

void set_cache_dir(const std::string& dir) {
    cache_dir = dir;
}

Compiled compile(std::span<const Expression> expressions, std::string_view what) {
    if (cache_dir.empty()) {
        return compile_now(expressions, what);
    }
    const auto file = cache_file(expressions);
    if (Database cached = load_cached(file)) {
        return Compiled{std::move(cached), std::nullopt, {}};
    }
    Compiled compiled = compile_now(expressions, what);
    if (compiled.database) {
        save_cached(file, compiled.database.get());
    }
    return compiled;
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
