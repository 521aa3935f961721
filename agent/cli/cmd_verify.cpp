// certagent-cli verify FILE.pdf | FILE.p7s --data FILE [--trust PEM] [--json]: checks each
// signature (integrity, signer, chain to the trust anchors, timestamp, qualified) and prints a
// report. Exit 0 only when every signature is valid and trusted.
#include <fmt/format.h>
#include <fstream>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/verify.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace fs = std::filesystem;
namespace {

std::vector<uint8_t> readBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, _("the file cannot be read"), p.string());
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

bool looksLikePdf(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char head[5] = {};
    in.read(head, 5);
    return in && std::string_view(head, 5) == "%PDF-";
}

const char* yesNo(bool b) { return b ? _("yes") : _("no"); }

void printHuman(const fs::path& file, const signing::VerificationResult& result) {
    std::cout << fmt::format(fmt::runtime(_("{0}: {1} signature(s)")), file.string(),
                             result.signatures.size())
              << "\n";
    int n = 0;
    for (const auto& s : result.signatures) {
        std::cout << "\n"
                  << fmt::format(fmt::runtime(_("Signature {0}: {1}")), ++n,
                                 pdf::signatureStatusName(s.status))
                  << "\n  " << s.message << "\n";
        auto row = [](const char* label, const std::string& value) {
            if (!value.empty()) std::cout << "  " << label << ": " << value << "\n";
        };
        row(_("Signer"), s.signer_subject);
        row(_("Issuer"), s.signer_issuer);
        row(_("Valid"), s.signer_not_before.empty()
                            ? std::string()
                            : s.signer_not_before + " – " + s.signer_not_after);
        row(_("Integrity"), yesNo(s.cms_valid));
        row(_("Chain"), s.chain_message);
        row(_("Qualified certificate"), yesNo(s.qualified));
        row(_("Timestamp"), s.timestamp_present ? s.timestamp_time + " — " + s.timestamp_message
                                                : std::string(_("none")));
        if (result.kind == signing::SignedKind::Pdf) {
            row(_("Field"), s.field_name);
            row(_("Claimed time"), s.claimed_time);
            row(_("Reason"), s.reason);
        }
    }
}

int runVerify(Context& ctx) {
    Args args(ctx.args, {"--data", "--trust"}, {});
    if (args.positionals().size() != 1)
        throw Error(ErrorKind::Usage, _("usage: certagent-cli verify FILE.pdf | FILE.p7s --data "
                                        "FILE [--trust PEM] [--json]"));
    fs::path file = args.positionals()[0];
    if (!fs::exists(file))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), file.string());

    pdf::X509StorePtr store;
    if (auto trust = args.value("--trust")) {
        store = signing::makeTrustStore({*trust});
    } else {
        auto& agent = ctx.agent(/*open_state=*/false);
        store = signing::trustStoreFromConfig(agent.config(), agent.stateDir());
    }
    signing::VerificationResult result;
    if (auto data = args.value("--data")) {
        result = signing::verifyCadesDetached(readBytes(file), readBytes(*data), store.get());
    } else if (looksLikePdf(file)) {
        result = signing::verifyPdfFile(file, store.get());
    } else {
        throw Error(ErrorKind::Usage,
                    _("this is not a PDF; for a detached signature give the signed file with "
                      "--data FILE"),
                    file.string());
    }
    if (ctx.json_output) {
        auto j = signing::toJson(result);
        j["file"] = file.string();
        ctx.print(j);
    } else {
        printHuman(file, result);
    }
    return result.allValid() ? kOk : kFailure;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(verify, "verify",
                      N_("verify a signed PDF or a detached signature (.p7s) and its file"),
                      N_("verify FILE.pdf | FILE.p7s --data FILE [--trust PEM] [--json]"),
                      certagent::cli::runVerify)
