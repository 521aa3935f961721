// A plugin whose constructor throws: the host must skip it and go on.
#include <certagent/sdk/plugin.hpp>

class Throwing : public certagent::sdk::FlowPlugin {
public:
    explicit Throwing(certagent::sdk::Host& h) : FlowPlugin(h) {
        throw std::runtime_error("cannot find my vendor library");
    }
    nlohmann::json runAction(const std::string&, const nlohmann::json&) override { return {}; }
};
CERTAGENT_PLUGIN(Throwing, flow, "test-throwing", "1.0", "Throws in its constructor")
