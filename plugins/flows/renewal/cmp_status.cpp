#include "cmp_status.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>

#include <array>

namespace certagent::renewal::cmp {
namespace {

constexpr std::array<const char*, 27> kNames = {"badAlg",
                                                "badMessageCheck",
                                                "badRequest",
                                                "badTime",
                                                "badCertId",
                                                "badDataFormat",
                                                "wrongAuthority",
                                                "incorrectData",
                                                "missingTimeStamp",
                                                "badPOP",
                                                "certRevoked",
                                                "certConfirmed",
                                                "wrongIntegrity",
                                                "badRecipientNonce",
                                                "timeNotAvailable",
                                                "unacceptedPolicy",
                                                "unacceptedExtension",
                                                "addInfoNotAvailable",
                                                "badSenderNonce",
                                                "badCertTemplate",
                                                "signerNotTrusted",
                                                "transactionIdInUse",
                                                "unsupportedVersion",
                                                "notAuthorized",
                                                "systemUnavail",
                                                "systemFailure",
                                                "duplicateCertReq"};

enum Bit {
    kBadAlg = 0,
    kBadMessageCheck = 1,
    kWrongAuthority = 6,
    kSignerNotTrusted = 20,
    kUnsupportedVersion = 22,
    kSystemUnavail = 24,
    kSystemFailure = 25,
};

bool has(int bits, int bit) { return (bits & (1 << bit)) != 0; }

}  // namespace

const char* failInfoName(int bit) noexcept {
    return bit >= 0 && bit < static_cast<int>(kNames.size()) ? kNames[static_cast<std::size_t>(bit)]
                                                             : "";
}

std::string failInfoText(int bit) {
    switch (bit) {
        case 0:
            return _("the server does not support the signature algorithm of the request");
        case 1:
            return _(
                "the server could not check the request's signature; check that it trusts "
                "the certificate being renewed");
        case 2:
            return _("the server does not accept this kind of request");
        case 3:
            return _(
                "the request's time is too far from the server's; check this computer's "
                "clock");
        case 4:
            return _(
                "the server does not know the certificate being renewed (badCertId); it may "
                "have been revoked or issued by another CA");
        case 5:
            return _("the server could not read the request");
        case 6:
            return _(
                "the request went to the wrong certification authority; check "
                "[renewal.cmp] recipient and server");
        case 7:
            return _("the request's data is not what the server expects");
        case 8:
            return _("the server wants a timestamp in the request");
        case 9:
            return _(
                "the server did not accept the proof that the new key is on the token "
                "(badPOP)");
        case 10:
            return _("the certificate being renewed is revoked");
        case 11:
            return _("the certificate was already confirmed");
        case 12:
            return _("the request's protection is not what the server expects");
        case 13:
        case 18:
            return _("the messages' nonces did not match; run the renewal again");
        case 14:
            return _("the server could not add the requested time");
        case 15:
            return _("the server does not accept the requested certificate policy");
        case 16:
            return _("the server does not accept an extension in the request");
        case 17:
            return _("the server lacks information it needs");
        case 19:
            return _("the server does not accept the certificate template");
        case 20:
            return _("the server does not trust the certificate that signed the request");
        case 21:
            return _(
                "the server already has a request in this transaction "
                "(transactionIdInUse); ask your certification authority about it before "
                "starting a new renewal");
        case 22:
            return _("the server does not support this CMP version");
        case 23:
            return _(
                "the server does not allow this certificate to be renewed here "
                "(notAuthorized)");
        case 24:
            return _("the certification authority is not available right now");
        case 25:
            return _("the certification authority failed while handling the request");
        case 26:
            return _("the server already issued a certificate for this request");
        default:
            return {};
    }
}

Outcome outcomeFor(int status, int failInfo, const std::string& statusText) {
    std::string reasons, names;
    for (int bit = 0; bit < static_cast<int>(kNames.size()); ++bit) {
        if (!has(failInfo, bit)) continue;
        reasons += (reasons.empty() ? "" : "; ") + failInfoText(bit);
        names += (names.empty() ? "" : ",") + std::string(kNames[static_cast<std::size_t>(bit)]);
    }
    std::string text = reasons.empty() ? std::string(_("the certification authority refused the "
                                                       "request"))
                                       : reasons;
    if (!statusText.empty())
        text += fmt::format(fmt::runtime(_(" (the server says: {0})")), statusText);
    const std::string code = names.empty() ? fmt::format("PKIStatus {}", status) : names;

    if (status == 3)  // waiting
        return Outcome::wait({}, std::chrono::seconds(0),
                             _("The certification authority is still handling the request."));
    if (has(failInfo, kSystemUnavail) || has(failInfo, kSystemFailure))
        return Outcome::unreachable(text);
    if (has(failInfo, kBadMessageCheck) || has(failInfo, kSignerNotTrusted) ||
        has(failInfo, kWrongAuthority) || has(failInfo, kUnsupportedVersion) ||
        has(failInfo, kBadAlg))
        return Outcome::misconfigured(text, code);
    return Outcome::rejected(text, code);
}

}  // namespace certagent::renewal::cmp
