// The command line: CLI11 subcommands over the options structs, with the
// YAML --config file feeding the same options (flags given on the command
// line win). Separate from main() so tests parse exactly what users type.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "app/feed_update.h"
#include "app/options.h"

namespace spoor::app {

struct ClientOptions {
    std::string socket;
    bool json = false;
    bool force = false;  // reload: take a set under half the size of the one in use
};

// `spoor trails add|rm VALUE`: a change the running daemon makes at once.
struct TrailsChangeOptions {
    std::string value;
    std::string info;
    unsigned severity = 0;
    ClientOptions client;
};

struct CommandLine {
    std::string log_level = "info";
    RunOptions run;
    ReplayOptions replay;
    ClientOptions client;
    TrailsCompileOptions trails_compile;
    TrailsLookupOptions trails_lookup;
    TrailsChangeOptions trails_change;
    TrailsUpdateOptions trails_update;
};

// Builds the parser; parsed values land in `values`, which must outlive it.
std::unique_ptr<CLI::App> make_cli(CommandLine& values);

}  // namespace spoor::app
