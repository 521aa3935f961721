// The endpoints of /api/v1/ (docs/local-server-api.md). The transport checks (Host, Origin,
// method, content type, sizes, concurrency) happened before these run.
#include "api_routes.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <system_error>

#include "api_error.hpp"
#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/pdf/cades.hpp"
#include "certagent/core/pdf/inspect.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/platform/system.hpp"
#include "certagent/core/server/base64.hpp"
#include "certagent/core/signing/token_signer.hpp"
#include "certagent/core/signing/verify.hpp"

namespace certagent::server {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxTextField = 1024;

ApiError invalidField(const std::string& field, const std::string& expected) {
    return ApiError(
        422, "INVALID_FIELD",
        fmt::format(fmt::runtime(_("the field {0} is missing or is not {1}")), field, expected),
        field);
}

std::string requireString(const json& body, const std::string& field, std::size_t max_len,
                          const char* expected) {
    auto it = body.find(field);
    if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().size() > max_len)
        throw invalidField(field, expected);
    return it->get<std::string>();
}

std::string optionalText(const json& body, const std::string& field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxTextField)
        throw invalidField(field, _("a short text"));
    // Shown in a dialog: no control characters from the page.
    std::string out;
    for (char c : it->get<std::string>())
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    return out;
}

// Decoded straight from the request's text (no copy of a document-sized string).
std::vector<uint8_t> requireBase64(const json& body, const std::string& field,
                                   std::size_t max_len) {
    auto it = body.find(field);
    if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().size() > max_len)
        throw invalidField(field, "base64");
    auto bytes = base64Decode(it->get_ref<const std::string&>());
    if (!bytes || bytes->empty()) throw invalidField(field, "base64");
    return std::move(*bytes);
}

ApiError clientGone() {
    return ApiError(400, "CLIENT_GONE", _("the page closed the connection; nothing was signed"));
}

// A message about the request's private temporary copy, with that copy's path taken out: the
// page gets no file names from this computer.
std::string withoutPath(std::string text, const fs::path& dir, const std::string& shown) {
    for (const std::string& p :
         {(dir / "in.pdf").string(), (dir / "out.pdf").string(), dir.string()})
        for (auto at = text.find(p); at != std::string::npos; at = text.find(p, at))
            text.replace(at, p.size(), shown);
    return text;
}

std::string hex(std::span<const uint8_t> bytes) {
    return token::toHex(token::Bytes(bytes.begin(), bytes.end()));
}

std::vector<uint8_t> sha256(std::span<const uint8_t> data) {
    std::vector<uint8_t> md(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), md.data(), &n, EVP_sha256(), nullptr);
    md.resize(n);
    return md;
}

// A private folder for a request's files, removed with everything in it.
class PrivateDir {
  public:
    PrivateDir() {
        try {
            path_ = platform::makePrivateTempDir("certagent-server-");
        } catch (const std::system_error&) {
            throw ApiError(500, "INTERNAL", _("a temporary folder cannot be created"));
        }
    }
    ~PrivateDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path operator/(const char* name) const { return path_ / name; }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

void writeBytes(const fs::path& p, std::span<const uint8_t> bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw ApiError(500, "INTERNAL", _("a temporary file cannot be written"));
}

std::vector<uint8_t> readBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Selected {
    token::TokenInfo token;
    token::TokenCertificate certificate;
};

// {"certificate": {"token": SERIAL, "id": HEX}}: the certificate must be on a connected token
// and have a private key.
Selected selectCertificate(token::TokenService& service, const json& body) {
    auto it = body.find("certificate");
    if (it == body.end() || !it->is_object())
        throw invalidField("certificate", _("an object with token and id"));
    auto serial = requireString(*it, "token", 64, _("a token serial"));
    auto id_hex = requireString(*it, "id", 256, _("a hexadecimal id"));
    token::Bytes id;
    try {
        id = token::fromHex(id_hex);
    } catch (const Error&) {
        throw invalidField("certificate.id", _("a hexadecimal id"));
    }
    Selected s;
    bool found_token = false;
    for (auto& t : service.tokens())
        if (t.serial == serial) {
            s.token = t;
            found_token = true;
        }
    if (!found_token)
        throw ApiError(
            404, "TOKEN_NOT_FOUND",
            fmt::format(fmt::runtime(_("no token with serial {0} is connected")), serial));
    for (auto& c : service.certificates(serial))
        if (c.id == id && c.info && c.privateKey != token::KeyPresence::Absent) {
            s.certificate = c;
            return s;
        }
    throw ApiError(404, "CERTIFICATE_NOT_FOUND",
                   fmt::format(fmt::runtime(_("no certificate with id {0} and a private key on "
                                              "token {1}")),
                               id_hex, serial));
}

ApiError fromAgentError(const Error& e) {
    switch (e.kind()) {
        case ErrorKind::PinIncorrect:
            return ApiError(403, "PIN_INCORRECT", e.what());
        case ErrorKind::PinLocked:
            return ApiError(423, "PIN_LOCKED", e.what());
        case ErrorKind::Cancelled:
            return ApiError(403, "CONSENT_DENIED", _("the user did not give the PIN"));
        case ErrorKind::TokenRemoved:
            return ApiError(409, "TOKEN_NOT_PRESENT", e.what());
        case ErrorKind::InvalidInput:
            return ApiError(422, "INVALID_DOCUMENT", e.what());
        default:
            return ApiError(500, "SIGNING_FAILED", describe(e));
    }
}

}  // namespace

json ApiRoutes::status() const {
    return {{"service", "certagent"},
            {"api_version", 1},
            {"version", services_.version},
            {"consent", services_.consent ? services_.consent->name() : "refuse"},
            {"signing", {{"pdf", "PAdES-B-B"}, {"hash", "CAdES-B-B detached (CMS)"}}}};
}

json ApiRoutes::certificates() const {
    json list = json::array();
    for (const auto& c : services_.tokens->certificates()) {
        if (!c.info) continue;
        const auto& i = *c.info;
        list.push_back(
            {{"token", c.tokenSerial},
             {"token_label", c.tokenLabel},
             {"id", token::toHex(c.id)},
             {"label", c.label},
             {"subject", i.subject},
             {"issuer", i.issuer},
             {"serial", i.serialHex},
             {"not_before", toIso8601(i.notBefore)},
             {"not_after", i.notAfterText()},
             {"qualified", i.qualified},
             {"key_algorithm", i.keyAlgorithm},
             {"has_private_key", c.privateKey == token::KeyPresence::UnknownUntilLogin
                                     ? json(nullptr)
                                     : json(c.privateKey == token::KeyPresence::Present)},
             {"certificate", base64Encode(i.der)}});
    }
    return {{"certificates", list}};
}

namespace {

// Asks the consent, then opens the token with the PIN from the answer (never from the page).
// Nothing happens for a page that has gone: the dialog is told (request.cancelled), and the
// login is not tried whatever the dialog answered.
std::unique_ptr<signing::TokenSigner> consentAndLogin(ServerServices& services,
                                                      ConsentRequest& request,
                                                      const Selected& selected,
                                                      const ApiRoutes::Gone& gone) {
    request.token = selected.token;
    request.certificate_id_hex = token::toHex(selected.certificate.id);
    request.certificate = *selected.certificate.info;
    request.cancelled = gone;
    if (gone()) throw clientGone();
    ConsentAnswer answer = services.consent ? services.consent->ask(request) : ConsentAnswer{};
    if (gone()) throw clientGone();
    if (!answer.granted)
        throw ApiError(403, "CONSENT_DENIED", _("the user did not allow this signature"));
    auto pin = std::make_shared<SecretString>(std::move(answer.pin));
    token::PinCallback give_pin = [pin](const token::PinRequest&) -> std::optional<SecretString> {
        if (pin->empty()) return std::nullopt;
        SecretString once(pin->reveal());
        pin->clear();  // one consent = at most one login
        return once;
    };
    try {
        return std::make_unique<signing::TokenSigner>(*services.tokens, selected.token.serial,
                                                      selected.certificate.id, give_pin,
                                                      services.chain_pem);
    } catch (const Error& e) {
        throw fromAgentError(e);
    }
}

class SigningSlot {
  public:
    explicit SigningSlot(std::mutex& m) : lock_(m, std::try_to_lock) {
        if (!lock_.owns_lock())
            throw ApiError(503, "BUSY",
                           _("another signing request is waiting for the user; try again later"));
    }

  private:
    std::unique_lock<std::mutex> lock_;
};

}  // namespace

// The PDF is read and checked before anything else (certificate, consent, PIN): a document
// that cannot be signed is refused without asking the user or touching the token.
json ApiRoutes::signPdf(const std::string& origin, const json& body, const Gone& gone) {
    auto pdf_bytes = requireBase64(body, "pdf", std::string::npos);
    if (pdf_bytes.size() < 8 ||
        std::string_view(reinterpret_cast<const char*>(pdf_bytes.data()), 5) != "%PDF-")
        throw ApiError(422, "INVALID_DOCUMENT", _("the document is not a PDF"), "pdf");
    ConsentRequest request;
    request.origin = origin;
    request.kind = SignKind::Pdf;
    request.claimed_document_name = optionalText(body, "document_name");
    request.claimed_description = optionalText(body, "description");
    pdf::SignOptions options;
    options.reason = optionalText(body, "reason");
    options.location = optionalText(body, "location");
    if (auto v = body.find("visible"); v != body.end()) {
        if (!v->is_boolean()) throw invalidField("visible", "true or false");
        if (v->get<bool>()) options.visible = pdf::VisibleSignature{};
    }
    PrivateDir dir;
    const std::string shown = _("the document");
    writeBytes(dir / "in.pdf", pdf_bytes);
    pdf::PdfInspection inspection;
    try {
        inspection = pdf::inspectPdf(dir / "in.pdf");
    } catch (const Error& e) {
        throw ApiError(422, "INVALID_DOCUMENT",
                       fmt::format(fmt::runtime(_("the document is not a PDF that can be read "
                                                  "({0}); nothing was signed")),
                                   withoutPath(e.what(), dir.path(), shown)),
                       "pdf");
    }
    if (inspection.encrypted)
        throw ApiError(422, "INVALID_DOCUMENT", _("the PDF is encrypted; it cannot be signed here"),
                       "pdf");
    if (inspection.page_count < 1)
        throw ApiError(422, "INVALID_DOCUMENT", _("the PDF has no page"), "pdf");
    auto selected = selectCertificate(*services_.tokens, body);

    SigningSlot slot(signing_);
    request.document_file = dir / "in.pdf";
    request.document_size = pdf_bytes.size();
    request.digest_algorithm = "sha256";
    request.digest_hex = hex(sha256(pdf_bytes));
    auto signer = consentAndLogin(services_, request, selected, gone);
    if (gone()) throw clientGone();
    try {
        pdf::signPdf(dir / "in.pdf", dir / "out.pdf", *signer, options);
    } catch (const Error& e) {
        auto api = fromAgentError(e);
        throw ApiError(api.status, api.code, withoutPath(api.what(), dir.path(), shown));
    }
    auto signed_pdf = readBytes(dir / "out.pdf");
    log::info("server", "signed a PDF ({} bytes) for {}", pdf_bytes.size(), log::escape(origin));
    return {{"pdf", base64Encode(signed_pdf)}, {"profile", "PAdES-B-B"}};
}

json ApiRoutes::signHash(const std::string& origin, const json& body, const Gone& gone) {
    static const std::map<std::string, std::pair<int, std::size_t>> algorithms = {
        {"sha256", {NID_sha256, 32}}, {"sha384", {NID_sha384, 48}}, {"sha512", {NID_sha512, 64}}};
    auto algorithm = requireString(body, "algorithm", 16, "sha256, sha384 or sha512");
    auto alg = algorithms.find(algorithm);
    if (alg == algorithms.end()) throw invalidField("algorithm", "sha256, sha384 or sha512");
    auto digest = requireBase64(body, "digest", 128);
    if (digest.size() != alg->second.second)
        throw invalidField("digest",
                           fmt::format(fmt::runtime(_("{0} bytes of base64")), alg->second.second));
    if (auto f = body.find("format"); f != body.end() && !(f->is_string() && *f == "cms"))
        throw invalidField("format", "\"cms\"");
    ConsentRequest request;
    request.origin = origin;
    request.kind = SignKind::Hash;
    request.claimed_document_name = optionalText(body, "document_name");
    request.claimed_description = optionalText(body, "description");
    request.digest_algorithm = algorithm;
    request.digest_hex = hex(digest);
    auto selected = selectCertificate(*services_.tokens, body);

    SigningSlot slot(signing_);
    auto signer = consentAndLogin(services_, request, selected, gone);
    if (gone()) throw clientGone();
    std::vector<uint8_t> cms;
    try {
        cms = pdf::buildCadesDetached(*signer, digest, alg->second.first);
    } catch (const Error& e) {
        throw fromAgentError(e);
    }
    log::info("server", "signed a {} digest for {}", log::escape(algorithm), log::escape(origin));
    return {{"signature", base64Encode(cms)},
            {"format", "cms"},
            {"profile", "CAdES-B-B"},
            {"certificate", base64Encode(selected.certificate.info->der)}};
}

json ApiRoutes::verify(const json& body, const Gone& gone) const {
    auto store =
        services_.trust_store ? services_.trust_store() : pdf::X509StorePtr(X509_STORE_new());
    pdf::VerifyOptions options;
    options.cancelled = gone;  // a page that left does not keep the server verifying
    signing::RevocationChecker revocation(services_.revocation ? services_.revocation()
                                                               : signing::RevocationSettings{});
    std::string pdf_path;
    try {
        if (body.contains("pdf")) {
            auto pdf_bytes = requireBase64(body, "pdf", std::string::npos);
            PrivateDir dir;
            pdf_path = (dir / "document.pdf").string();
            writeBytes(pdf_path, pdf_bytes);
            return signing::toJson(
                signing::verifyPdfFile(pdf_path, store.get(), options, &revocation));
        }
        if (body.contains("signature")) {
            auto p7s = requireBase64(body, "signature", std::string::npos);
            auto data = requireBase64(body, "data", std::string::npos);
            return signing::toJson(
                signing::verifyCadesDetached(p7s, data, store.get(), options, &revocation));
        }
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Cancelled || gone())
            throw ApiError(400, "CLIENT_GONE", _("the page closed the connection"));
        // A PDF's message says what is wrong with it (the document limits, no signature) but
        // names a private temporary file: the page sees "document.pdf" instead.
        if (pdf_path.empty())
            throw ApiError(422, "INVALID_DOCUMENT",
                           _("the document is not a signed PDF, or the signature is not a CMS "
                             "signature"));
        std::string message = e.what();
        for (auto pos = message.find(pdf_path); pos != std::string::npos;
             pos = message.find(pdf_path, pos))
            message.replace(pos, pdf_path.size(), "document.pdf");
        throw ApiError(422, "INVALID_DOCUMENT", message);
    }
    throw invalidField("pdf", _("a signed PDF, or signature and data"));
}

}  // namespace certagent::server
