// spoor: one binary, CLI11 subcommands (app/cli.cpp).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "app/cli.h"
#include "app/control.h"
#include "common/logging.h"

namespace {

// Text rendering of a JSON answer: "section.key  value" lines, for people.
void print_text(const nlohmann::json& value, const std::string& prefix = "") {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            print_text(item, prefix.empty() ? key : prefix + "." + key);
        }
    } else if (value.is_array() && !value.empty() && value.front().is_object()) {
        for (const auto& item : value) {
            print_text(item, prefix + "[" + item.value("name", "") + "]");
        }
    } else {
        std::printf("%-40s %s\n", prefix.c_str(),
                    value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
}

// Sends `request` to the daemon and prints its answer; 1 when it says it failed.
int client(nlohmann::json request, const spoor::app::ClientOptions& o) {
    const std::string command = request["command"];
    if (o.force) {
        request["force"] = true;
    }
    const auto reply = spoor::app::control_request(o.socket, request);
    if (reply.contains("error")) {
        spdlog::error("{}: {}", command, reply["error"].get<std::string>());
        return 1;
    }
    if (o.json) {
        std::cout << reply.dump(2) << "\n";
    } else {
        print_text(reply);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    spoor::app::CommandLine values;
    const auto cli = spoor::app::make_cli(values);
    try {
        cli->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli->exit(e);
    }
    try {
        spoor::init_logging(values.log_level);
        if (cli->got_subcommand("run")) {
            return spoor::app::run_daemon(values.run);
        }
        if (cli->got_subcommand("replay")) {
            return spoor::app::run_replay(values.replay);
        }
        if (const auto* trails = cli->get_subcommand("trails"); trails->parsed()) {
            if (trails->got_subcommand("compile")) {
                return spoor::app::run_trails_compile(values.trails_compile);
            }
            if (trails->got_subcommand("update")) {
                return spoor::app::run_trails_update(values.trails_update);
            }
            const auto& change = values.trails_change;
            if (trails->got_subcommand("add")) {
                return client({{"command", "trails-add"},
                               {"value", change.value},
                               {"info", change.info},
                               {"severity", change.severity}},
                              change.client);
            }
            if (trails->got_subcommand("rm")) {
                return client({{"command", "trails-rm"}, {"value", change.value}}, change.client);
            }
            return spoor::app::run_trails_lookup(values.trails_lookup);
        }
        for (const char* command : {"stats", "status", "reload"}) {
            if (cli->got_subcommand(command)) {
                return client({{"command", command}}, values.client);
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    return 0;
}
