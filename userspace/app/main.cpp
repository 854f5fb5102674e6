// spoor: one binary, CLI11 subcommands.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>

#include "app/control.h"
#include "app/options.h"
#include "app/yaml_config.h"
#include "common/logging.h"
#include "spoor/abi.h"

namespace {

using spoor::app::RunOptions;

void add_run(CLI::App& cli, RunOptions& o) {
    auto* run = cli.add_subcommand(
        "run", "Attach to interfaces and write an alert for every trail hit (needs root)");
    run->footer(
        "Examples:\n"
        "  spoor run                                  default-route interface, default trails\n"
        "  spoor run -i eth1 --trails /etc/spoor/my-list.txt\n"
        "  spoor run -i span0 --mirror                mirror/SPAN port: both directions arrive "
        "as ingress\n"
        "Every flag is also a key of the YAML --config file, e.g.\n"
        "  interface: [eth0]\n  trails: [/var/lib/spoor/trails, /etc/spoor/custom]\n"
        "  log-dir: /var/log/spoor\n");
    run->config_formatter(std::make_shared<spoor::app::YamlConfig>());
    run->set_config("--config", "", "YAML file whose keys are these flags' long names")
        ->check(CLI::ExistingFile);
    run->add_option("-i,--interface", o.interfaces,
                    "Interface to watch, repeatable (default: the default-route interface)");
    run->add_option("--xdp-mode", o.xdp_mode,
                    "auto tries native XDP and falls back to generic (skb) mode")
        ->check(CLI::IsMember({"auto", "native", "skb"}))
        ->capture_default_str();
    run->add_flag("--mirror", o.mirror,
                  "The interface is a mirror/SPAN port: inspect ingress (both directions arrive "
                  "there) and drop after inspection");
    run->add_option("--direction", o.direction,
                    "ingress, egress or both (default: both on a host interface, ingress with "
                    "--mirror)")
        ->check(CLI::IsMember({"ingress", "egress", "both"}));
    run->add_option("--attach", o.attach,
                    "link: bpf_link, detached when spoor exits (even on kill -9); libxdp: share "
                    "the interface through libxdp's dispatcher where the kernel supports it")
        ->check(CLI::IsMember({"link", "libxdp"}))
        ->capture_default_str();
    run->add_option("--trails", o.trails,
                    "Trail source, repeatable: Maltrail static folder, .tar.xz/.tar.gz of one, "
                    "trails.csv or a plain list")
        ->capture_default_str();
    run->add_flag("--allow-empty", o.allow_empty, "Start even when no trail was loaded");
    run->add_option("--log-dir", o.log_dir,
                    "Append alerts to DIR/eve-YYYY-MM-DD.json ('' for none)")
        ->capture_default_str();
    run->add_flag("-q,--quiet", o.quiet, "Do not print alerts on stdout");
    run->add_option("--control-socket", o.control_socket, "Unix socket for stats/status")
        ->capture_default_str();
    run->add_option("--sensor-name", o.sensor_name, "Value of `host` in alerts (default: hostname)");
    run->add_option("--snaplen", o.snaplen, "Packet bytes copied to userspace per record")
        ->check(CLI::Range(64, SPOOR_SNAP_MAX))
        ->capture_default_str();
    run->add_option("--dedup-window", o.dedup_window_s,
                    "Seconds during which a flow reports a trail once")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

void add_client(CLI::App& cli, const char* name, const char* what, std::string& socket, bool& json) {
    auto* sub = cli.add_subcommand(name, what);
    sub->add_option("--control-socket", socket, "The daemon's control socket")->capture_default_str();
    sub->add_flag("--json", json, "Print the daemon's JSON answer unchanged");
}

// Text rendering of a JSON answer: "section.key  value" lines, for people.
void print_text(const nlohmann::json& value, const std::string& prefix = "") {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            print_text(item, prefix.empty() ? key : prefix + "." + key);
        }
    } else if (value.is_array() && !value.empty() && value.front().is_object()) {
        for (const auto& item : value) {
            const auto name = item.value("name", "");
            print_text(item, prefix + "[" + name + "]");
        }
    } else {
        std::printf("%-40s %s\n", prefix.c_str(),
                    value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
}

int client(const std::string& command, const std::string& socket, bool json) {
    const auto reply = spoor::app::control_request(socket, command);
    if (reply.contains("error")) {
        std::fprintf(stderr, "spoor %s: %s\n", command.c_str(),
                     reply["error"].get<std::string>().c_str());
        return 1;
    }
    if (json) {
        std::cout << reply.dump(2) << "\n";
    } else {
        print_text(reply);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"spoor: a network sensor that matches traffic against threat-intelligence "
                 "trails in XDP and writes Suricata-EVE JSON alerts"};
    cli.require_subcommand(1);
    std::string log_level = "info";
    cli.add_option("--log-level", log_level, "debug, info, warn or error (logs go to stderr)")
        ->capture_default_str();
    cli.parse_complete_callback([&log_level] { spoor::init_logging(log_level); });

    RunOptions run;
    add_run(cli, run);
    std::string socket = spoor::app::kDefaultControlSocket;
    bool json = false;
    add_client(cli, "stats", "Counters of the running daemon (kernel, queues, outputs)", socket,
               json);
    add_client(cli, "status", "Interfaces, modes and trails of the running daemon", socket, json);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    try {
        if (cli.got_subcommand("run")) {
            return spoor::app::run_daemon(run);
        }
        for (const char* command : {"stats", "status"}) {
            if (cli.got_subcommand(command)) {
                return client(command, socket, json);
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    return 0;
}
