// Verification orchestration: PAdES through pdf::verifyPdf, detached CAdES here with OpenSSL's
// CMS_verify, both reported as pdf::SignatureReport.
#include "certagent/core/signing/verify.hpp"
#include "certagent/core/clock.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/err.h>
#include <openssl/cms.h>
#include <openssl/pem.h>

#include <ctime>
#include <fstream>

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/pdf/signer_info.hpp"
#include "certagent/core/signing/trusted_list.hpp"
#include "certagent/core/signing/validation.hpp"
#include "certagent/core/token/certificate_parser.hpp"

namespace certagent::signing {
namespace {

using namespace certagent::pdf;

CmsPtr parseCms(std::span<const uint8_t> bytes) {
    const unsigned char* p = bytes.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
    if (!cms) {
        BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
        // PEM (-----BEGIN PKCS7-----), as some tools write it: back to DER, then CMS.
        if (Pkcs7Ptr p7(PEM_read_bio_PKCS7(bio.get(), nullptr, nullptr, nullptr)); p7) {
            auto der = derOf<i2d_PKCS7>(p7.get());
            const unsigned char* q = der.data();
            if (!der.empty())
                cms.reset(d2i_CMS_ContentInfo(nullptr, &q, static_cast<long>(der.size())));
        }
    }
    takeOpensslErrors();
    return cms;
}

Indication indicationOf(const SignatureReport& s) {
    if (s.indication) return *s.indication;
    // Not validated (no revocation check): at best undecided.
    return s.status == SignatureStatus::Modified || s.status == SignatureStatus::Malformed
               ? Indication::TotalFailed
               : Indication::Indeterminate;
}

// Why the EU trusted list gave fewer anchors than configured (out of date, not downloaded),
// kept with the store trustStoreFromConfig built, so that every caller's reports of a chain
// without an anchor say it. Set and read only in this file: the documents module has its own
// copy of OpenSSL helpers, but not of this one, so the index is the same for both uses.
void freeNote(void*, void* note, CRYPTO_EX_DATA*, int, long, void*) {
    delete static_cast<std::string*>(note);
}

int trustNoteIndex() {
    static const int index = X509_STORE_get_ex_new_index(0, nullptr, nullptr, nullptr, freeNote);
    return index;
}

std::string trustNote(X509_STORE* store) {
    const auto* note =
        store ? static_cast<const std::string*>(X509_STORE_get_ex_data(store, trustNoteIndex()))
              : nullptr;
    return note ? *note : std::string();
}

void validateAll(VerificationResult& result, const VerifyOptions& options,
                 RevocationChecker* revocation, X509_STORE* anchors) {
    std::optional<RevocationChecker> own;
    if (!revocation) revocation = &own.emplace(RevocationSettings{});
    const std::time_t now = options.at.value_or(std::time(nullptr));
    const std::string note = trustNote(anchors);
    for (auto& s : result.signatures) {
        if (options.cancelled && options.cancelled())
            throw Error(ErrorKind::Cancelled, _("the verification was cancelled"));
        if (!note.empty() && s.status == SignatureStatus::Untrusted) {
            // The message ends with the chain's (setVerdict); both get the note.
            s.chain_message += " " + note;
            s.message += " " + note;
        }
        validate(s, *revocation, now);
    }
}

}  // namespace

bool VerificationResult::allValid() const {
    if (signatures.empty()) return false;
    for (const auto& s : signatures)
        if (indicationOf(s) != Indication::TotalPassed) return false;
    return true;
}

Indication VerificationResult::indication() const {
    if (signatures.empty()) return Indication::Indeterminate;
    Indication worst = Indication::TotalPassed;
    for (const auto& s : signatures) {
        const auto i = indicationOf(s);
        if (i == Indication::TotalFailed) return i;
        if (i == Indication::Indeterminate) worst = i;
    }
    return worst;
}

std::string VerificationResult::subIndication() const {
    const auto overall = indication();
    for (const auto& s : signatures)
        if (indicationOf(s) == overall) return s.sub_indication;
    return {};
}

VerificationResult verifyCadesDetached(std::span<const uint8_t> p7s, std::span<const uint8_t> data,
                                       X509_STORE* anchors, const VerifyOptions& options,
                                       RevocationChecker* revocation) {
    CmsPtr cms = parseCms(p7s);
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
        throw Error(ErrorKind::InvalidInput, _("the signature file is not a CMS signature (.p7s)"));
    if (!CMS_is_detached(cms.get()))
        throw Error(ErrorKind::InvalidInput,
                    _("the signature file carries its own content; a detached signature "
                      "(.p7s beside the file) was expected"));
    VerificationResult result;
    result.kind = SignedKind::Cades;
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    const int n = infos ? sk_CMS_SignerInfo_num(infos) : 0;
    if (n == 0) throw Error(ErrorKind::InvalidInput, _("the signature file holds no signature"));
    for (int i = 0; i < n; ++i) {
        if (options.cancelled && options.cancelled())
            throw Error(ErrorKind::Cancelled, _("the verification was cancelled"));
        SignatureReport r;
        r.sub_filter = "CAdES detached";
        r.byte_range_ok = true;
        r.covers_whole_file = true;
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        X509* signer = readSigner(r, cms.get(), si);
        if (!signer) {
            result.signatures.push_back(std::move(r));
            continue;
        }
        // The content digest, then this SignerInfo's signature over its signed attributes.
        BioPtr content(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        BioPtr chain(CMS_dataInit(cms.get(), content.get()));
        if (chain) {
            (void)content.release();  // now owned by the chain
            std::vector<unsigned char> buf(16384);
            while (BIO_read(chain.get(), buf.data(), static_cast<int>(buf.size())) > 0) {
            }
            const bool has_attributes = CMS_signed_get_attr_count(si) > 0;
            r.cms_valid = CMS_SignerInfo_verify_content(si, chain.get()) == 1 &&
                          (!has_attributes || CMS_SignerInfo_verify(si) == 1);
        }
        takeOpensslErrors();
        checkSignerInfo(r, cms.get(), si, signer, anchors, options);
        setVerdict(r, _("The file was modified after signing (or the signature is corrupt)."),
                   _("The signature is valid."));
        result.signatures.push_back(std::move(r));
    }
    validateAll(result, options, revocation, anchors);
    return result;
}

VerificationResult verifyPdfFile(const std::filesystem::path& pdf, X509_STORE* anchors,
                                 const VerifyOptions& options, RevocationChecker* revocation) {
    VerificationResult result;
    result.kind = SignedKind::Pdf;
    result.signatures = verifyPdf(pdf, anchors, options);
    validateAll(result, options, revocation, anchors);
    return result;
}

X509StorePtr makeTrustStore(const std::vector<std::filesystem::path>& pem_bundles) {
    X509StorePtr store(X509_STORE_new());
    for (const auto& file : pem_bundles) {
        if (file.empty()) continue;
        BioPtr bio(BIO_new_file(file.string().c_str(), "r"));
        if (!bio)
            throw Error(ErrorKind::InvalidInput, _("the trust bundle cannot be read"),
                        file.string());
        int added = 0;
        while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
            if (X509_STORE_add_cert(store.get(), x) == 1) ++added;
            X509_free(x);
        }
        takeOpensslErrors();
        if (added == 0)
            throw Error(ErrorKind::InvalidInput, _("the trust bundle holds no certificate"),
                        file.string());
    }
    return store;
}

X509StorePtr trustStoreFromConfig(const config::Config& config,
                                  const std::filesystem::path& state_dir) {
    std::vector<std::filesystem::path> bundles;
    auto configured = config.getString("verify.ca_bundle");
    if (!configured.empty()) bundles.emplace_back(configured);
    X509StorePtr store = makeTrustStore(bundles);
    if (!config.getString("verify.trusted_list_url").empty()) {
        // Not the PEM export: the cached XML lists, re-verified now against the configured
        // signers, so nothing written into the state dir by someone else is trusted.
        auto cache = loadTrustedList(config, state_dir);
        for (const auto& problem : cache.problems)
            log::warn("verify", "EU trusted list: {}", problem);
        for (const auto& anchor : cache.anchors)
            X509_STORE_add_cert(store.get(), anchor.certificate.get());
        takeOpensslErrors();
        std::string note;
        if (cache.anchors.empty())
            note = fmt::format(fmt::runtime(_("The EU trusted list was not used: {0}.")),
                               cache.problems.empty() ? std::string() : cache.problems.front());
        else if (!cache.stale_lists.empty())
            note = fmt::format(fmt::runtime(_("The EU trusted lists of {0} are out of date and "
                                              "were not used.")),
                               fmt::join(cache.stale_lists, ", "));
        if (!note.empty()) {
            auto* owned = new std::string(std::move(note));
            if (X509_STORE_set_ex_data(store.get(), trustNoteIndex(), owned) != 1) delete owned;
        }
    }
    return store;
}

namespace {
nlohmann::json isoOrNull(std::optional<std::time_t> t) {
    if (!t) return nullptr;
    return toIso8601(*t);
}
}  // namespace

nlohmann::json toJson(const CertificateStatus& s) {
    nlohmann::json j = {{"subject", s.subject},
                        {"serial", s.serial_hex},
                        {"status", revocationStatusName(s.status)},
                        {"source", s.source},
                        {"message", s.message},
                        {"this_update", isoOrNull(s.this_update)},
                        {"next_update", isoOrNull(s.next_update)}};
    if (!s.url.empty()) j["url"] = s.url;
    if (!s.reason.empty()) j["reason"] = s.reason;
    if (s.status == RevocationStatus::Revoked) {
        j["revoked_at"] = isoOrNull(s.revoked_at);
        j["revocation_reason"] = s.revocation_reason;
    }
    return j;
}

nlohmann::json toJson(const SignatureReport& r, SignedKind kind) {
    nlohmann::json j = {
        {"indication", indicationName(indicationOf(r))},
        {"sub_indication", r.sub_indication},
        {"verdict", r.verdict_message.empty() ? r.message : r.verdict_message},
        {"status", signatureStatusName(r.status)},
        {"message", r.message},
        {"signer",
         {{"subject", r.signer_subject},
          {"issuer", r.signer_issuer},
          {"serial", r.signer_serial_hex},
          {"not_before", r.signer_not_before},
          {"not_after", r.signer_not_after}}},
        {"qualified", r.qualified},
        {"integrity", r.cms_valid},
        {"digest_algorithm", r.digest_algorithm},
        {"chain", {{"trusted", r.chain_trusted}, {"message", r.chain_message}}},
        {"signing_certificate_v2", r.signing_certificate_v2_present},
        {"timestamp",
         {{"present", r.timestamp_present},
          {"valid", r.timestamp_valid},
          {"trusted", r.timestamp_trusted},
          {"time", r.timestamp_time.empty() ? nlohmann::json() : nlohmann::json(r.timestamp_time)},
          {"message", r.timestamp_message}}},
    };
    nlohmann::json revocation = nlohmann::json::array();
    for (const auto& s : r.revocation) revocation.push_back(toJson(s));
    j["revocation"] = std::move(revocation);
    nlohmann::json ts_revocation = nlohmann::json::array();
    for (const auto& s : r.timestamp_revocation) ts_revocation.push_back(toJson(s));
    j["timestamp"]["revocation"] = std::move(ts_revocation);
    if (kind == SignedKind::Pdf) {
        j["document_timestamp"] = r.document_timestamp;
        nlohmann::json changes = nlohmann::json::array();
        for (const auto& c : r.changes_after)
            changes.push_back({{"allowed", c.allowed}, {"what", c.what}});
        j["changes_after"] = std::move(changes);
        j["field"] = r.field_name;
        j["sub_filter"] = r.sub_filter;
        j["claimed_time"] = r.claimed_time;
        j["reason"] = r.reason;
        j["location"] = r.location;
        j["covers_whole_file"] = r.covers_whole_file;
        j["revision"] = r.revision;
        j["revisions_after"] = r.revisions_after;
    }
    return j;
}

nlohmann::json toJson(const VerificationResult& result) {
    nlohmann::json sigs = nlohmann::json::array();
    for (const auto& s : result.signatures) sigs.push_back(toJson(s, result.kind));
    return {{"type", result.kind == SignedKind::Pdf ? "pades" : "cades-detached"},
            {"valid", result.allValid()},
            {"indication", indicationName(result.indication())},
            {"sub_indication", result.subIndication()},
            {"signatures", std::move(sigs)}};
}

}  // namespace certagent::signing
