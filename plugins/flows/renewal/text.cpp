#include "text.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>

namespace certagent::renewal {

std::string stepTitle(Step step) {
    switch (step) {
        case Step::Preflight:
            return _("Checking the token and the renewal service");
        case Step::Login:
            return _("Logging in to the token");
        case Step::Request:
            return _("Request at the certification authority");
        case Step::KeyGeneration:
            return _("Generating the new key pair on the token");
        case Step::Csr:
            return _("Making the certificate request");
        case Step::Certificate:
            return _("Getting the new certificate");
        case Step::Verify:
            return _("Checking the new certificate");
        case Step::Install:
            return _("Installing the new certificate on the token");
        case Step::Done:
            return _("Done");
    }
    return {};
}

std::string whereTitle(const RenewalRecord& r, const std::vector<Phase>& phases) {
    if (r.step == Step::Request)
        for (const auto& p : phases)
            if (p.id == r.phase) return p.title;
    return stepTitle(r.step);
}

std::string whereName(const RenewalRecord& r) {
    return r.step == Step::Request && !r.phase.empty() ? r.phase : stepName(r.step);
}

std::string stageOf(const RenewalRecord& r, const std::vector<Phase>& phases) {
    if (r.step == Step::Request)
        for (const auto& p : phases)
            if (p.id == r.phase) return p.stage;
    return r.step <= Step::Request ? "identity" : "install";
}

std::string nextStepText(const RenewalRecord& r, const std::string& where) {
    switch (r.prompt) {
        case Prompt::SignDeclaration:
            return _(
                "The declaration waits for your signature: read it, then sign it with your "
                "token (the PIN is asked once).");
        case Prompt::OpenPaymentPage:
            return _(
                "The payment page waits: open it and pay; certagent then follows the "
                "request by itself.");
        case Prompt::None:
            break;
    }
    switch (r.state) {
        case State::Waiting:
            return fmt::format(fmt::runtime(_("certagent will ask the certification authority "
                                              "how “{0}” stands. It logs in with your token, "
                                              "so the PIN is asked once.")),
                               where);
        case State::NeedsUser:
            return fmt::format(fmt::runtime(_("It stopped with: {0} Continue to try “{1}” "
                                              "again.")),
                               r.message, where);
        default:
            return fmt::format(fmt::runtime(_("certagent continues with “{0}” where it stopped; "
                                              "nothing is sent or paid twice. The token PIN is "
                                              "asked once.")),
                               where);
    }
}

Notice interruptedNotice(const RenewalRecord& r, const std::string& where) {
    Notice n;
    const auto& who = r.commonName.empty() ? r.subject : r.commonName;
    n.title = fmt::format(fmt::runtime(_("The renewal of {0}'s certificate is not finished")), who);
    n.body = fmt::format(fmt::runtime(_("Stopped at: {0}.\n{1}")), where, nextStepText(r, where));
    return n;
}

}  // namespace certagent::renewal
