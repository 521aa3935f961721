#include "ossl.hpp"

#include <openssl/pem.h>

#include "text.hpp"
#include "tsa_error.hpp"

namespace certagent::timestamps::ossl {
namespace {


// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm).
long long daysFromCivil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

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

std::string hexUpper(std::span<const uint8_t> bytes) {
    static const char* digits = "0123456789ABCDEF";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 15]);
    }
    return s;
}

std::string asn1IntegerHex(const ASN1_INTEGER* i) {
    if (!i) return {};
    Owned<BN_free> bn(ASN1_INTEGER_to_BN(i, nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    std::string s = hex ? hex : "";
    OPENSSL_free(hex);
    return s;
}

std::string nameText(const X509_NAME* name) {
    Owned<BIO_free_all> bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string isoTime(std::time_t t) {
    std::tm tm{};
    if (!OPENSSL_gmtime(&t, &tm)) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::time_t epochOf(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    long long days = daysFromCivil(tm.tm_year + 1900LL, static_cast<unsigned>(tm.tm_mon + 1),
                                   static_cast<unsigned>(tm.tm_mday));
    return static_cast<std::time_t>(days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
                                    tm.tm_sec);
}

Owned<X509_STORE_free> loadAnchors(const std::filesystem::path& pem_file) {
    if (pem_file.empty())
        throw TsaError(TsaFailure::Config,
                       _("no trust anchors for timestamps: set [timestamps] ca_bundle"));
    Owned<X509_STORE_free> store(X509_STORE_new());
    Owned<BIO_free_all> bio(BIO_new_file(pem_file.string().c_str(), "r"));
    if (!bio)
        throw TsaError(TsaFailure::Config, _("the timestamp trust anchors file cannot be read"),
                       pem_file.string());
    int n = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store.get(), cert);
        X509_free(cert);
        ++n;
    }
    ERR_clear_error();  // the end of the file reads as an error
    if (n == 0)
        throw TsaError(TsaFailure::Config,
                       _("the timestamp trust anchors file holds no certificate"),
                       pem_file.string());
    return store;
}

}  // namespace certagent::timestamps::ossl
