// CLI11 reads the --config file through this: a YAML mapping whose keys are
// long flag names of the subcommands (`log-dir: /var/log/spoor`, `trails:
// [a, b]`, `mirror: true`). One file serves `run` and `replay`: each key goes
// to every subcommand that has that flag; a key no subcommand has is an
// error. Flags given on the command line win.
#pragma once

#include <CLI/CLI.hpp>

namespace spoor::app {

class YamlConfig : public CLI::Config {
  public:
    // `app` is the top-level parser whose subcommands own the keys; it must outlive this.
    explicit YamlConfig(const CLI::App& app) : app_(app) {}

    std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                          std::string prefix) const override;
    // Throws CLI::ConversionError naming the key (and line) of a value it cannot use.
    std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

  private:
    const CLI::App& app_;
};

}  // namespace spoor::app
