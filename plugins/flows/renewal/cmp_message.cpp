#include "cmp_message.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <fstream>

#include "failure.hpp"
#include <certagent/sdk/plugin.hpp>

namespace certagent::renewal::cmp {

Bytes derOf(const OSSL_CMP_MSG* m) {
    int n = i2d_OSSL_CMP_MSG(m, nullptr);
    if (n <= 0) throw Failure(code::kInternal, "cannot encode the CMP message");
    Bytes out(static_cast<std::size_t>(n));
    unsigned char* w = out.data();
    i2d_OSSL_CMP_MSG(m, &w);
    return out;
}

MsgPtr msgOf(const Bytes& der) {
    const unsigned char* p = der.data();
    return MsgPtr(d2i_OSSL_CMP_MSG(nullptr, &p, static_cast<long>(der.size())), &OSSL_CMP_MSG_free);
}

OctetPtr senderNonceOf(const Bytes& der) {
    const unsigned char* p = der.data();
    const unsigned char* end = p + der.size();
    long len = 0;
    int tag = 0, cls = 0;
    auto next = [&](const unsigned char*& q, long max) {
        return !(ASN1_get_object(&q, &len, &tag, &cls, max) & 0x80);
    };
    if (!next(p, end - p) || tag != V_ASN1_SEQUENCE) return {nullptr, &ASN1_OCTET_STRING_free};
    if (!next(p, end - p) || tag != V_ASN1_SEQUENCE) return {nullptr, &ASN1_OCTET_STRING_free};
    const unsigned char* headerEnd = p + len;
    while (p < headerEnd) {
        if (!next(p, headerEnd - p)) break;
        if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 5) {
            const unsigned char* q = p;
            return {d2i_ASN1_OCTET_STRING(nullptr, &q, len), &ASN1_OCTET_STRING_free};
        }
        p += len;
    }
    return {nullptr, &ASN1_OCTET_STRING_free};
}

std::string pemOf(X509* x) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(bio.get(), x);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string hexOf(const ASN1_OCTET_STRING* s) {
    if (!s) return {};
    return toHex(Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s)));
}

std::string openSslErrors() {
    std::string all;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        all += (all.empty() ? "" : "; ") + std::string(buf);
    }
    return all;
}

std::string readSecretFile(const std::filesystem::path& file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto st = fs::status(file, ec);
    if (ec || !fs::is_regular_file(st))
        throw Failure(code::kConfig,
                      _("[renewal.cmp] secret_file does not exist or is not a file"),
                      "renewal.cmp.secret_file: " + file.string());
    using P = fs::perms;
    if ((st.permissions() & (P::group_all | P::others_all)) != P::none)
        throw Failure(code::kConfig,
                      _("[renewal.cmp] secret_file may be read by other users; make it "
                        "readable by you only (chmod 600)"),
                      "renewal.cmp.secret_file: " + file.string());
    std::ifstream in(file, std::ios::binary);
    std::string secret;
    std::getline(in, secret);
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty())
        throw Failure(code::kConfig, _("[renewal.cmp] secret_file is empty"),
                      "renewal.cmp.secret_file: " + file.string());
    return secret;
}

void wipe(std::string& secret) noexcept {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

}  // namespace certagent::renewal::cmp
