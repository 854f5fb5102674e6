// Ownership of Hyperscan objects, for every matcher that compiles patterns: a
// database is compiled once and read by all analysis threads, while a scratch
// space serves one thread at a time, so each thread clones its own from a
// prototype sized for the databases it will scan.
#pragma once

#include <hs/hs.h>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace spoor::detect::hyperscan {

struct DatabaseFree {
    void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct ScratchFree {
    void operator()(hs_scratch_t* scratch) const { hs_free_scratch(scratch); }
};
struct CompileErrorFree {
    void operator()(hs_compile_error_t* error) const { hs_free_compile_error(error); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseFree>;
using Scratch = std::unique_ptr<hs_scratch_t, ScratchFree>;
using CompileError = std::unique_ptr<hs_compile_error_t, CompileErrorFree>;

// One expression to compile; `pattern` is not owned and must outlive the call.
struct Expression {
    const char* pattern;
    unsigned int flags;
    unsigned int id;
};

// A database, or which expression Hyperscan refused and why.
struct Compiled {
    Database database;
    std::optional<std::size_t> refused;  // index into the expressions given
    std::string error;
};

// Compiles `expressions` together (block mode). One refused expression is the
// caller's to report and drop; a failure that names none (out of memory, an
// empty set) throws std::runtime_error starting with `what`.
// With a cache folder set, a database compiled before from the same expressions,
// by the same Hyperscan for the same CPU, is loaded from there instead (hundreds of
// milliseconds of start-up for the web-attack patterns), and a new one is saved there.
Compiled compile(std::span<const Expression> expressions, std::string_view what);

// Where compile() keeps databases ("" for nowhere, the default). Set it before any
// compile: it is read without a lock. A folder that cannot be made or written only
// costs the time (said once in a log line).
void set_cache_dir(const std::string& dir);

// Why Hyperscan refuses `pattern` alone with `flags` (a parse, no compile), or
// nullopt when it parses.
std::optional<std::string> check(const char* pattern, unsigned int flags);

// A scratch space large enough for each database given (null ones are
// skipped); throws std::runtime_error starting with `what` when Hyperscan
// cannot allocate it.
Scratch scratch_for(std::initializer_list<const hs_database_t*> databases, std::string_view what);
Scratch scratch_for(std::span<const hs_database_t* const> databases, std::string_view what);

// A copy of `prototype` for another thread (null for a null prototype).
Scratch clone(const Scratch& prototype, std::string_view what);

}  // namespace spoor::detect::hyperscan
