#include "app/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <sstream>

namespace spoor::app {

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
    YAML::Emitter out;
    out << YAML::BeginMap;
    for (const CLI::Option* opt : app->get_options()) {
        if (opt->get_lnames().empty() || !opt->get_configurable()) {
            continue;
        }
        auto values = opt->reduced_results();
        if (values.empty() && default_also && !opt->get_default_str().empty()) {
            values = {opt->get_default_str()};
        }
        if (values.empty()) {
            continue;
        }
        out << YAML::Key << opt->get_lnames().front() << YAML::Value;
        if (values.size() == 1) {
            out << values.front();
        } else {
            out << YAML::Flow << values;
        }
    }
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
    YAML::Node root;
    try {
        root = YAML::Load(input);
    } catch (const YAML::Exception& e) {
        throw CLI::ConversionError("config: " + std::string(e.what()));
    }
    std::vector<CLI::ConfigItem> items;
    if (root.IsNull()) {
        return items;
    }
    if (!root.IsMap()) {
        throw CLI::ConversionError("config: the top level must be a mapping of flag: value");
    }
    for (const auto& entry : root) {
        CLI::ConfigItem item;
        item.name = entry.first.as<std::string>();
        const YAML::Node& value = entry.second;
        const auto where = " (line " + std::to_string(value.Mark().line + 1) + ")";
        if (value.IsScalar()) {
            item.inputs = {value.as<std::string>()};
        } else if (value.IsSequence()) {
            for (const auto& element : value) {
                if (!element.IsScalar()) {
                    throw CLI::ConversionError("config: '" + item.name +
                                               "' must be a list of plain values" + where);
                }
                item.inputs.push_back(element.as<std::string>());
            }
        } else {
            throw CLI::ConversionError("config: '" + item.name + "' must be a value or a list" +
                                       where);
        }
        bool known = false;
        for (const CLI::App* sub : app_.get_subcommands({})) {
            if (sub->get_option_no_throw("--" + item.name) != nullptr) {
                item.parents = {sub->get_name()};
                items.push_back(item);
                known = true;
            }
        }
        if (!known) {
            throw CLI::ConversionError("config: unknown key '" + item.name + "'" + where +
                                       ": keys are the long flags of `spoor run` and `spoor "
                                       "replay`");
        }
    }
    return items;
}

}  // namespace spoor::app
