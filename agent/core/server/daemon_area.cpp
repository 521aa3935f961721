#include "certagent/core/server/daemon_area.hpp"

#include "certagent/core/agent.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/server/local_server.hpp"

namespace certagent::server {

void startDaemonArea(Agent& agent) {
    const auto& config = agent.config();
    if (!config.getBool("server.enabled")) {
        log::info("server", "local signing server disabled ([server] enabled = false)");
        return;
    }
    auto server = std::make_shared<LocalServer>(serverOptions(config),
                                                serverServices(agent, consentFromConfig(config)));
    server->start();
    agent.keepAlive(server);
}

}  // namespace certagent::server
