#include "verify.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/token/certificate_parser.hpp"

namespace certagent::renewal {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

Error bad(const std::string& what) {
    return Error(ErrorKind::InvalidInput,
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

X509Ptr fromDer(const token::Bytes& der) {
    const unsigned char* p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())), &X509_free);
}

}  // namespace

std::string derToPem(const token::Bytes& der, const char* label) {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio(bio.get(), label, "", der.data(), static_cast<long>(der.size()));
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

token::Bytes pemToDer(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    char *name = nullptr, *header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
        ERR_clear_error();
        throw bad(_("not PEM"));
    }
    token::Bytes out(data, data + len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return out;
}

IssuedCertificate verifyIssued(const std::string& certPem, const std::string& chainPem,
                               const std::filesystem::path& caBundle,
                               const token::Bytes& renewedDer, EVP_PKEY* candidateKey,
                               std::chrono::system_clock::time_point now) {
    auto leaves = readAll(certPem);
    if (leaves.empty()) throw bad(_("the CA sent no readable certificate"));
    X509* leaf = leaves.front().get();
    auto renewed = fromDer(renewedDer);
    if (!renewed) throw bad(_("the renewed certificate cannot be read"));

    // Chain: anchors are the configured bundle and the system store, never the CA's answer.
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  &X509_STORE_free);
    if (!caBundle.empty() && X509_STORE_load_file(store.get(), caBundle.c_str()) != 1)
        throw Error(ErrorKind::Config, _("cannot read the CA bundle"), caBundle.string());
    X509_STORE_set_default_paths(store.get());
    ERR_clear_error();
    auto chain = readAll(chainPem);
    std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
        sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); });
    for (auto& c : chain) sk_X509_push(untrusted.get(), c.get());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get());
    X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(now));
    if (X509_verify_cert(ctx.get()) != 1)
        throw bad(fmt::format(fmt::runtime(_("chain: {0}")),
                              X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));

    if (!candidateKey || EVP_PKEY_eq(X509_get0_pubkey(leaf), candidateKey) != 1)
        throw bad(_("its key is not the new key pair on the token"));
    if (X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_subject_name(renewed.get())) != 0)
        throw bad(_("its subject differs from the renewed certificate's"));

    IssuedCertificate out;
    int n = i2d_X509(leaf, nullptr);
    out.der.resize(static_cast<std::size_t>(n));
    unsigned char* p = out.der.data();
    i2d_X509(leaf, &p);
    out.info = token::parseCertificate(out.der);
    auto old = token::parseCertificate(renewedDer);
    if (out.info.notBefore > now || out.info.notAfter <= now) throw bad(_("not valid now"));
    if ((old.qcCompliance && !out.info.qcCompliance) || (old.qcSscd && !out.info.qcSscd) ||
        (old.qualified && !out.info.qualified))
        throw bad(_("the qualified statements of the renewed certificate are missing"));
    return out;
}

}  // namespace certagent::renewal
