// certagent-cli enrol --token SERIAL --subject DN [--key-type TYPE] [--reference REF]
//   [--secret-env VAR] [--pin-env VAR]: a first enrolment through the renewal plugin
// (plugins/flows/renewal, docs/cmp.md): a new key pair on the token, an initialization request
// (CMP ir) protected with the CA's shared secret, the certificate checked and installed next
// to its key. Runs or resumes; exit 0 once installed. The shared secret comes from the
// variable --secret-env names, else [renewal.cmp] secret_file, else the terminal without echo;
// never from the command line.
#include <fmt/format.h>

#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/json_text.hpp"
#include "certagent/core/platform/system.hpp"
#include "certagent/core/secret.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

constexpr const char* kPlugin = "renewal";

int runEnrol(Context& ctx) {
    Args args(ctx.args,
              {"--token", "--subject", "--key-type", "--reference", "--secret-env", "--pin-env"},
              {});
    if (!args.value("--token") || !args.value("--subject") || !args.positionals().empty())
        throw Error(ErrorKind::Usage,
                    _("usage: certagent-cli enrol --token SERIAL --subject DN [--key-type TYPE] "
                      "[--reference REF] [--secret-env VAR] [--pin-env VAR]"));
    auto& agent = ctx.agent();
    ctx.allowQuestions(args.value("--pin-env"), false);
    RenewalProgressLines progress(agent);
    auto r = ctx.runFlow(kPlugin, "enrol",
                         {{"token", *args.value("--token")},
                          {"subject", *args.value("--subject")},
                          {"key_type", args.value("--key-type").value_or("ec-p256")},
                          {"reference", args.value("--reference").value_or("")}});
    std::cerr << fmt::format(fmt::runtime(_("Enrolment {0} on token {1}: {2}")), jsonText(r, "id"),
                             jsonText(r, "token"), jsonText(r, "subject"))
              << std::endl;

    json run = {{"id", jsonText(r, "id")}};
    SecretString typed;
    if (auto var = args.value("--secret-env")) {
        run["secret_env"] = *var;  // read by the plugin, in this process
    } else if (agent.config().getString("renewal.cmp.secret_file").empty() &&
               platform::inputIsTerminal()) {
        typed = readSecretFromTerminal(_("Shared secret from the certification authority: "));
        run["secret"] = std::string(typed.reveal());
    }
    struct Wipe {
        json& j;
        ~Wipe() {
            if (auto it = j.find("secret"); it != j.end()) {
                auto& s = it->get_ref<std::string&>();
                secureWipe(s.data(), s.size());
            }
        }
    } wipe{run};
    r = ctx.runFlow(kPlugin, "run", run);
    if (auto code = printedRunAsJson(ctx, agent, r)) return *code;
    if (jsonText(r, "state") == "done") {
        std::cout << installedText(r) << std::endl;
        return kOk;
    }
    std::cerr << jsonText(r, "message") << std::endl;
    std::cout << fmt::format(fmt::runtime(_("Enrolment not finished ({0}, step {1}). Fix the "
                                            "problem above and run the same command again: it "
                                            "resumes where it stopped.")),
                             jsonText(r, "state"), renewalWhere(r))
              << std::endl;
    return kFailure;
}

}  // namespace
}  // namespace certagent::cli

// clang-format off
CERTAGENT_CLI_COMMAND(enrol, "enrol",
                      N_("enrol a new key pair on a token at the CMP server (first certificate)"),
                      N_("enrol --token SERIAL --subject DN [--key-type TYPE] [--reference REF] "
                         "[--secret-env VAR] [--pin-env VAR]"),
                      certagent::cli::runEnrol,
                      {"--token", N_("SERIAL"),
                       N_("the token that gets the new key pair and certificate")},
                      {"--subject", "DN",
                       N_("the certificate's subject, e.g. \"/CN=Ion Popescu/O=Example\"")},
                      {"--key-type", "ec-p256|ec-p384|rsa2048|rsa3072|rsa4096",
                       N_("the new key pair's type (default ec-p256)")},
                      {"--reference", "REF",
                       N_("the reference the certification authority gave with the secret")},
                      {"--secret-env", N_("VAR"),
                       N_("read the shared secret from this environment variable")},
                      certagent::cli::kPinEnvOption)
// clang-format on
