#include "ossl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include <sys/stat.h>

namespace certagent::sandbox {

std::string opensslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

void throwOpenssl(const std::string& what, ErrorKind kind) {
    auto detail = opensslErrors();
    throw Error(kind, detail.empty() ? what : what + " (" + detail + ")", "openssl");
}

PKeyPtr generateKey(const std::string& spec) {
    EVP_PKEY* key = nullptr;
    if (spec == "ec256")
        key = EVP_EC_gen("P-256");
    else if (spec == "ec384")
        key = EVP_EC_gen("P-384");
    else if (spec == "rsa2048")
        key = EVP_RSA_gen(2048);
    else if (spec == "rsa3072")
        key = EVP_RSA_gen(3072);
    else
        throw Error(ErrorKind::Usage, "unknown key type '" + spec + "' (ec256, ec384, rsa2048)");
    if (!key) throwOpenssl("key generation failed");
    return PKeyPtr(key);
}

static std::string bioText(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(len));
}

std::string toPem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(bio.get(), cert)) throwOpenssl("PEM_write_bio_X509");
    return bioText(bio.get());
}

std::string toPem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        throwOpenssl("PEM_write_bio_PrivateKey");
    return bioText(bio.get());
}

std::string publicKeyPem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PUBKEY(bio.get(), key)) throwOpenssl("PEM_write_bio_PUBKEY");
    return bioText(bio.get());
}

std::vector<unsigned char> toDer(X509* cert) {
    int len = i2d_X509(cert, nullptr);
    if (len <= 0) throwOpenssl("i2d_X509");
    std::vector<unsigned char> der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
    return der;
}

static BioPtr memBio(const std::string& text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

X509Ptr certFromPem(const std::string& pem) {
    auto bio = memBio(pem);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) throwOpenssl("not a PEM certificate", ErrorKind::InvalidInput);
    return cert;
}

std::vector<X509Ptr> certsFromPem(const std::string& pem) {
    auto bio = memBio(pem);
    std::vector<X509Ptr> out;
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
    ERR_clear_error();  // the loop always ends on a "no start line" error
    return out;
}

X509Ptr certFromDer(const std::vector<unsigned char>& der) {
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) throwOpenssl("not a DER certificate", ErrorKind::InvalidInput);
    return cert;
}

PKeyPtr keyFromPem(const std::string& pem) {
    auto bio = memBio(pem);
    PKeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) throwOpenssl("not a PEM private key", ErrorKind::InvalidInput);
    return key;
}

X509ReqPtr csrFromPem(const std::string& pem) {
    auto bio = memBio(pem);
    X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req) throwOpenssl("not a PEM certificate request", ErrorKind::InvalidInput);
    return req;
}

std::string readText(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, "cannot read " + file.string(), file.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeText(const std::filesystem::path& file, const std::string& text, bool secret) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(ErrorKind::Io, "cannot write " + tmp.string(), tmp.string());
        out << text;
        if (!out.flush()) throw Error(ErrorKind::Io, "cannot write " + tmp.string(), tmp.string());
    }
    ::chmod(tmp.c_str(), secret ? 0600 : 0644);
    std::filesystem::rename(tmp, file);  // a crash never leaves half a key or certificate
}

X509Ptr loadCert(const std::filesystem::path& file) {
    try {
        return certFromPem(readText(file));
    } catch (const Error& e) {
        throw Error(e.kind(), e.what(), file.string());
    }
}

PKeyPtr loadKey(const std::filesystem::path& file) {
    try {
        return keyFromPem(readText(file));
    } catch (const Error& e) {
        throw Error(e.kind(), e.what(), file.string());
    }
}

std::string serialHex(const X509* cert) {
    BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
    char* hex = BN_bn2hex(bn.get());
    std::string out(hex);
    OPENSSL_free(hex);
    return out;
}

static std::string hex(const unsigned char* data, size_t size) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

std::string sha256Hex(const void* data, size_t size) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(static_cast<const unsigned char*>(data), size, md);
    return hex(md, sizeof md);
}

std::string randomHex(size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) throwOpenssl("RAND_bytes");
    return hex(buf.data(), buf.size());
}

std::string certFingerprint(X509* cert) {
    auto der = toDer(cert);
    return sha256Hex(der.data(), der.size());
}

std::string nameEntry(const X509_NAME* name, int nid) {
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

std::string nameOneLine(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return bioText(bio.get());
}

long long asn1ToEpoch(const ASN1_TIME* t) {
    struct tm tm {};
    if (!ASN1_TIME_to_tm(t, &tm)) return 0;
    return static_cast<long long>(timegm(&tm));
}

std::string epochToIso(long long epoch) {
    time_t tt = static_cast<time_t>(epoch);
    struct tm tm {};
    gmtime_r(&tt, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace certagent::sandbox
