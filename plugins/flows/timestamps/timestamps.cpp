// timestamps: tray menu items "Mărci temporale" / "Timestamps" (the quota the agent last
// learnt, from the CA's portal or the TSA) and "Timestamp a file…" (the GUI asks for the file,
// core makes FILE.tsr). Everything else comes from the agent's timestamps area (host methods
// timestamps.*, docs/timestamps.md); this plugin maps it onto the SDK's menu and action contract.
#include <certagent/sdk/plugin.hpp>

#include <string>

namespace {

using certagent::sdk::json;

class Timestamps : public certagent::sdk::FlowPlugin {
  public:
    using FlowPlugin::FlowPlugin;

    json menuItems(const json&) override {
        json items = json::array();
        json quota;
        try {
            quota = host().callMethod("timestamps.quota");
        } catch (const certagent::sdk::HostError&) {
            return items;  // the timestamps area is not in this agent
        }
        // An information line: the label is already translated by core ("Timestamps left: 12").
        items.push_back({{"id", "quota"},
                         {"label", quota.value("label", "")},
                         {"enabled", false},
                         {"section", "timestamps"},
                         {"low", quota.value("low", false)}});
        // "input": "file" asks the tray to pick a file and pass it as args.path.
        items.push_back(
            {{"id", "stamp-file"},
             {"label", quota.value("action_label", "Timestamp a file…")},
             {"enabled", !quota.contains("remaining") || quota.value("remaining", 1LL) > 0},
             {"section", "timestamps"},
             {"input", "file"}});
        return items;
    }

    json runAction(const std::string& id, const json& args) override {
        if (id == "stamp-file") {
            if (!args.contains("path") || !args["path"].is_string())
                throw certagent::sdk::PluginError(CA_ERR_INVALID_ARGUMENT, "args.path is missing");
            return host().callMethod("timestamps.stamp_file", {{"path", args["path"]}});
        }
        if (id == "quota") return host().callMethod("timestamps.quota");
        throw certagent::sdk::PluginError(CA_ERR_NOT_FOUND, "no such action: " + id);
    }
};

}  // namespace

CERTAGENT_PLUGIN(Timestamps, flow, "timestamps", "1.0.0",
                 "RFC 3161 timestamps: the quota in the tray and timestamping a file")
