#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "certagent/core/event_bus.hpp"

using namespace certagent;

TEST(EventBus, DeliversByTypeInOrder) {
    EventBus bus;
    std::vector<int> seen;
    std::atomic<int> all{0};
    bus.subscribe("A,B", [&](const nlohmann::json& e) { seen.push_back(e["n"].get<int>()); });
    bus.subscribe("*", [&](const nlohmann::json&) { ++all; });
    for (int i = 0; i < 5; ++i) bus.publish({{"type", i % 2 ? "A" : "C"}, {"n", i}});
    bus.publish({{"type", "B"}, {"n", 9}});
    bus.drain();
    EXPECT_EQ(seen, (std::vector<int>{1, 3, 9}));
    EXPECT_EQ(all.load(), 6);
}

TEST(EventBus, UnsubscribedHandlerIsNotCalledAndThrowingHandlerDoesNotStopOthers) {
    EventBus bus;
    int a = 0, b = 0;
    auto id = bus.subscribe("X", [&](const nlohmann::json&) { ++a; });
    bus.subscribe("X", [&](const nlohmann::json&) -> void { throw std::runtime_error("boom"); });
    bus.subscribe("X", [&](const nlohmann::json&) { ++b; });
    bus.publish({{"type", "X"}});
    bus.drain();
    bus.unsubscribe(id);
    bus.publish({{"type", "X"}});
    bus.drain();
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
}
