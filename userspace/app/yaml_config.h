// CLI11 reads the --config file through this: a YAML mapping whose keys are
// the long flag names of one subcommand (`log-dir: /var/log/spoor`,
// `trails: [a, b]`, `mirror: true`). Flags given on the command line win.
#pragma once

#include <CLI/CLI.hpp>

namespace spoor::app {

class YamlConfig : public CLI::Config {
  public:
    // Keys are options of `subcommand` (e.g. "run").
    explicit YamlConfig(std::string subcommand) : subcommand_(std::move(subcommand)) {}

    std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                          std::string prefix) const override;
    // Throws CLI::ConversionError naming the key (and line) of a value it cannot use.
    std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

  private:
    std::string subcommand_;
};

}  // namespace spoor::app
