#include <certagent/core/clock.hpp>
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/ossl_ptr.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace certagent::pdf {

std::optional<std::time_t> epochOf(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return std::nullopt;
    return utcEpoch(tm);
}

std::string takeOpensslErrors() {
    std::string out;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

X509StackPtr copyCertStack(const STACK_OF(X509) * certs) {
    X509StackPtr out(sk_X509_new_null());
    if (!out) throw Error(ErrorKind::Internal, "out of memory");
    for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
        X509* c = sk_X509_value(certs, i);
        X509_up_ref(c);
        if (!sk_X509_push(out.get(), c)) {
            X509_free(c);
            throw Error(ErrorKind::Internal, "out of memory");
        }
    }
    return out;
}

X509StorePtr loadTrustStore(const std::string& pem_bundle_path) {
    X509StorePtr store(X509_STORE_new());
    BioPtr bio(BIO_new_file(pem_bundle_path.c_str(), "r"));
    if (!store || !bio) {
        takeOpensslErrors();
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("Cannot read the trust anchors file {0}.")),
                                pem_bundle_path),
                    pem_bundle_path);
    }
    int count = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store.get(), cert);
        X509_free(cert);
        ++count;
    }
    takeOpensslErrors();  // the end-of-file "no start line" is expected
    if (count == 0) {
        throw Error(
            ErrorKind::InvalidInput,
            fmt::format(fmt::runtime(_("{0} contains no PEM certificate.")), pem_bundle_path),
            pem_bundle_path);
    }
    return store;
}

}  // namespace certagent::pdf
