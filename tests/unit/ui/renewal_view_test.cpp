#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/renewal_view.hpp"

namespace certagent::ui {
namespace {
using json = nlohmann::json;

json progress(const std::string& step, const std::string& state, json extra = json::object()) {
    json e = {{"type", "RenewalProgress"}, {"renewal_id", "r1"}, {"token", "SER1"},
              {"cert", "01"}, {"step", step}, {"state", state}, {"message", step + " " + state}};
    e.update(extra);
    return e;
}

class RenewalViewTest : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
    RenewalTracker tracker;
};

TEST_F(RenewalViewTest, StepsOfTheFlowInOrder) {
    tracker.apply(progress("identity", "running", {{"progress", 0.5}}));
    auto v = tracker.find("r1");
    ASSERT_TRUE(v);
    ASSERT_EQ(v->steps.size(), renewalStepIds().size());
    EXPECT_EQ(v->steps[0].id, "identity");
    EXPECT_EQ(v->steps[0].state, StepState::Running);
    EXPECT_EQ(v->steps[0].progress, 0.5);
    EXPECT_EQ(v->steps[1].state, StepState::Pending);
    EXPECT_EQ(v->steps[6].title, "Generate and install the certificate");
    EXPECT_TRUE(tracker.anyActive());
}

TEST_F(RenewalViewTest, AResumedRenewalMarksEarlierStepsDone) {
    tracker.apply(progress("payment", "waiting",
                           {{"payment_url", "https://127.0.0.1:8443/portal/pay/x"}}));
    auto v = *tracker.find("r1");
    for (int i = 0; i < 4; ++i) EXPECT_EQ(v.steps[i].state, StepState::Done) << i;
    EXPECT_EQ(v.steps[4].state, StepState::Waiting);
    EXPECT_EQ(v.paymentUrl, "https://127.0.0.1:8443/portal/pay/x");
    EXPECT_FALSE(tracker.anyActive());  // waiting is not working
}

TEST_F(RenewalViewTest, AnInterruptedRenewalSaysWhatContinuingDoesUntilItRunsAgain) {
    tracker.apply(progress("payment", "waiting",
                           {{"interrupted", true}, {"next", "certagent will ask the CA"}}));
    auto v = *tracker.find("r1");
    EXPECT_TRUE(v.interrupted);
    EXPECT_EQ(v.next, "certagent will ask the CA");
    EXPECT_FALSE(v.finished);
    tracker.apply(progress("payment", "running"));
    v = *tracker.find("r1");
    EXPECT_FALSE(v.interrupted);
    EXPECT_TRUE(v.next.empty());
    // A malformed flag is not taken for an interruption.
    tracker.apply(progress("payment", "waiting", {{"interrupted", "yes"}}));
    EXPECT_FALSE(tracker.find("r1")->interrupted);
}

TEST_F(RenewalViewTest, DeclarationIsKeptForShowingBeforeSigning) {
    tracker.apply(progress("declaration", "waiting", {{"declaration", "/tmp/decl.pdf"}}));
    EXPECT_EQ(tracker.find("r1")->declaration, "/tmp/decl.pdf");
}

TEST_F(RenewalViewTest, FailureGivesNextSteps) {
    tracker.apply(progress("install", "failed", {{"code", "TokenRemoved"}}));
    auto v = *tracker.find("r1");
    EXPECT_EQ(v.state, StepState::Failed);
    EXPECT_NE(v.nextSteps.find("Plug the token back in"), std::string::npos);
    EXPECT_FALSE(v.finished);
    tracker.apply(progress("payment", "failed"));
    EXPECT_NE(tracker.find("r1")->nextSteps.find("payment page"), std::string::npos);
}

TEST_F(RenewalViewTest, InstallDoneFinishesTheRenewal) {
    tracker.apply(progress("install", "done"));
    auto v = *tracker.find("r1");
    EXPECT_TRUE(v.finished);
    EXPECT_EQ(v.steps.back().progress, 1.0);
}

TEST_F(RenewalViewTest, UnknownStepsAreShownNotDropped) {
    tracker.apply(progress("verify-chain", "running"));
    auto v = *tracker.find("r1");
    EXPECT_EQ(v.steps.back().id, "verify-chain");
    EXPECT_EQ(v.steps.back().title, "verify-chain");
}

TEST_F(RenewalViewTest, TheStageWinsOverTheEnginesFinerStep) {
    tracker.apply(progress("keygen", "running", {{"stage", "install"}}));
    auto v = *tracker.find("r1");
    EXPECT_EQ(v.currentStep, "install");
    EXPECT_EQ(v.steps.size(), renewalStepIds().size());
    EXPECT_EQ(v.steps.back().state, StepState::Running);
}

// The record's states, as the engine spells them everywhere: a question for the person waits,
// anything else to fix is a failure; a cancelled renewal has ended.
TEST_F(RenewalViewTest, TheRenewalsStatesAreShownAsTheWizardsStepStates) {
    tracker.apply(progress("request", "needs_user",
                           {{"stage", "declaration"}, {"prompt", "sign_declaration"}}));
    EXPECT_EQ(tracker.find("r1")->state, StepState::Waiting);
    tracker.apply(progress("request", "needs_user", {{"stage", "payment"}, {"code", "network"}}));
    EXPECT_EQ(tracker.find("r1")->state, StepState::Failed);
    tracker.apply(progress("request", "cancelled", {{"stage", "payment"}, {"final", true}}));
    EXPECT_EQ(tracker.find("r1")->state, StepState::Failed);
    EXPECT_TRUE(tracker.find("r1")->finished);
}

TEST_F(RenewalViewTest, OtherEventsAndEventsWithoutIdAreIgnored) {
    EXPECT_FALSE(tracker.apply({{"type", "ReminderDue"}}));
    EXPECT_FALSE(tracker.apply({{"type", "RenewalProgress"}}));
    EXPECT_TRUE(tracker.all().empty());
}

TEST_F(RenewalViewTest, FindForReturnsTheNewestRenewalOfACertificate) {
    tracker.apply(progress("identity", "failed", {{"final", true}}));
    auto second = progress("identity", "running");
    second["renewal_id"] = "r2";
    tracker.apply(second);
    EXPECT_EQ(tracker.findFor("SER1", "01")->renewalId, "r2");
    EXPECT_TRUE(tracker.find("r1")->finished);
    EXPECT_FALSE(tracker.findFor("SER1", "02"));
}

}  // namespace
}  // namespace certagent::ui
