#include "issued_certificate.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "failure.hpp"

namespace certagent::renewal {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Failure bad(const std::string& what) {
    return Failure(code::kInvalidInput,
                   fmt::format(fmt::runtime(_("the new certificate failed a check: {0}")), what));
}

std::vector<X509Ptr> readAll(const std::string& pem) {
    std::vector<X509Ptr> out;
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        out.emplace_back(x, &X509_free);
    ERR_clear_error();
    return out;
}

X509Ptr fromDer(const Bytes& der) {
    const unsigned char* p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())), &X509_free);
}

}  // namespace

std::string CertificateFacts::sameKeyType() const {
    if (keyAlgorithm == "EC") return keyBits > 256 ? "ec-p384" : "ec-p256";
    return keyBits >= 4096 ? "rsa4096" : keyBits >= 3072 ? "rsa3072" : "rsa2048";
}

CertificateFacts CertificateFacts::fromJson(const nlohmann::json& j) {
    auto text = [&](const char* k) {
        auto it = j.find(k);
        if (it == j.end() || !it->is_string())
            throw Failure(code::kInvalidInput, std::string("certificate description lacks ") + k);
        return it->get<std::string>();
    };
    CertificateFacts f;
    f.subject = text("subject");
    f.commonName = j.value("common_name", std::string());
    f.serialHex = upper(text("serial"));
    f.notAfter = text("not_after");
    f.notBeforeMs = parseIsoUtc(text("not_before"));
    f.notAfterMs = parseIsoUtc(f.notAfter);
    f.keyAlgorithm = j.value("key_algorithm", std::string());
    f.keyBits = j.value("key_bits", 0);
    f.qualified = j.value("qualified", false);
    f.qcCompliance = j.value("qc_compliance", false);
    f.qcSscd = j.value("qc_sscd", false);
    return f;
}

IssuedCertificate verifyIssued(const std::string& certPem, const std::string& chainPem,
                               const std::filesystem::path& caBundle, const Bytes& renewedDer,
                               const Bytes& candidatePublicKey, int64_t nowMs,
                               const DescribeCertificate& describe, const Bytes& enrolSubject) {
    auto leaves = readAll(certPem);
    if (leaves.empty()) throw bad(_("the CA sent no readable certificate"));
    X509* leaf = leaves.front().get();
    const bool enrolment = renewedDer.empty();
    auto renewed = fromDer(renewedDer);
    if (!renewed && !enrolment) throw bad(_("the renewed certificate cannot be read"));

    // Chain: anchors are the configured bundle and the system store, never the CA's answer.
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  &X509_STORE_free);
    if (!caBundle.empty() && X509_STORE_load_file(store.get(), caBundle.string().c_str()) != 1)
        throw Failure(code::kConfig, _("cannot read the CA bundle"), caBundle.string());
    X509_STORE_set_default_paths(store.get());
    ERR_clear_error();
    auto chain = readAll(chainPem);
    std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
        sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_free(s); });
    for (auto& c : chain) sk_X509_push(untrusted.get(), c.get());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get());
    X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(nowMs / 1000));
    if (X509_verify_cert(ctx.get()) != 1)
        throw bad(fmt::format(fmt::runtime(_("chain: {0}")),
                              X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));

    const unsigned char* p = candidatePublicKey.data();
    PkeyPtr candidate(d2i_PUBKEY(nullptr, &p, static_cast<long>(candidatePublicKey.size())),
                      &EVP_PKEY_free);
    if (!candidate || EVP_PKEY_eq(X509_get0_pubkey(leaf), candidate.get()) != 1)
        throw bad(_("its key is not the new key pair on the token"));
    if (enrolment) {
        const unsigned char* q = enrolSubject.data();
        std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> asked(
            d2i_X509_NAME(nullptr, &q, static_cast<long>(enrolSubject.size())), &X509_NAME_free);
        if (!asked || X509_NAME_cmp(X509_get_subject_name(leaf), asked.get()) != 0)
            throw bad(_("its subject is not the one asked for"));
    } else if (X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_subject_name(renewed.get())) !=
               0) {
        throw bad(_("its subject differs from the renewed certificate's"));
    }

    IssuedCertificate out;
    int n = i2d_X509(leaf, nullptr);
    out.der.resize(static_cast<std::size_t>(n));
    unsigned char* w = out.der.data();
    i2d_X509(leaf, &w);
    out.facts = describe(out.der);
    if (out.facts.notBeforeMs > nowMs || out.facts.notAfterMs <= nowMs)
        throw bad(_("not valid now"));
    if (enrolment) return out;
    auto old = describe(renewedDer);
    if ((old.qcCompliance && !out.facts.qcCompliance) || (old.qcSscd && !out.facts.qcSscd) ||
        (old.qualified && !out.facts.qualified))
        throw bad(_("the qualified statements of the renewed certificate are missing"));
    return out;
}

}  // namespace certagent::renewal
