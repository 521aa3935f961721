#include "ossl_util.hpp"

#include <fmt/format.h>
#include <openssl/pem.h>

#include <ctime>

#include "certagent/core/i18n.hpp"
#include "certagent/core/tsa/tsa_error.hpp"

namespace certagent::tsa::detail {

std::string takeErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256] = {};
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

std::string hexUpper(const unsigned char* data, std::size_t len) {
    static const char* digits = "0123456789ABCDEF";
    std::string s;
    s.reserve(len * 2);
    for (std::size_t i = 0; i < len; ++i) {
        s.push_back(digits[data[i] >> 4]);
        s.push_back(digits[data[i] & 15]);
    }
    return s;
}

std::string asn1IntegerHex(const ASN1_INTEGER* i) {
    if (!i) return {};
    BnPtr bn(ASN1_INTEGER_to_BN(i, nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    std::string s = hex ? hex : "";
    OPENSSL_free(hex);
    return s;
}

std::string isoTime(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string nameText(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

X509StorePtr loadAnchors(const std::string& pem_file) {
    if (pem_file.empty())
        throw TsaError(TsaFailure::Config, ErrorKind::Config,
                       _("no trust anchors for timestamps: set [timestamps] ca_bundle"));
    X509StorePtr store(X509_STORE_new());
    BioPtr bio(BIO_new_file(pem_file.c_str(), "r"));
    if (!bio)
        throw TsaError(TsaFailure::Config, ErrorKind::Config,
                       _("the timestamp trust anchors file cannot be read"), pem_file);
    int n = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store.get(), cert);
        X509_free(cert);
        ++n;
    }
    ERR_clear_error();  // the end of the file reads as an error
    if (n == 0)
        throw TsaError(TsaFailure::Config, ErrorKind::Config,
                       _("the timestamp trust anchors file holds no certificate"), pem_file);
    return store;
}

}  // namespace certagent::tsa::detail
