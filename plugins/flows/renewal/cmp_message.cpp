#include "cmp_message.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <fstream>

#include <certagent/sdk/plugin.hpp>
#include "failure.hpp"

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

namespace {

// The content of the PKIHeader field [tag] of an encoded PKIMessage (nullptr when absent).
const unsigned char* headerField(const Bytes& der, int wanted, long& length) {
    const unsigned char* p = der.data();
    const unsigned char* end = p + der.size();
    int tag = 0, cls = 0;
    auto next = [&](const unsigned char*& q, long max) {
        return !(ASN1_get_object(&q, &length, &tag, &cls, max) & 0x80);
    };
    if (!next(p, end - p) || tag != V_ASN1_SEQUENCE) return nullptr;  // PKIMessage
    if (!next(p, end - p) || tag != V_ASN1_SEQUENCE) return nullptr;  // PKIHeader
    const unsigned char* headerEnd = p + length;
    while (p < headerEnd) {
        if (!next(p, headerEnd - p)) return nullptr;
        if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == wanted) return p;
        p += length;
    }
    return nullptr;
}

}  // namespace

OctetPtr senderNonceOf(const Bytes& der) {
    long len = 0;
    const unsigned char* p = headerField(der, 5, len);
    return {p ? d2i_ASN1_OCTET_STRING(nullptr, &p, len) : nullptr, &ASN1_OCTET_STRING_free};
}

bool macProtected(const Bytes& der) {
    long len = 0;
    const unsigned char* p = headerField(der, 1, len);  // protectionAlg
    if (!p) return false;
    int tag = 0, cls = 0;
    if (ASN1_get_object(&p, &len, &tag, &cls, len) & 0x80) return false;  // AlgorithmIdentifier
    std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> o(d2i_ASN1_OBJECT(nullptr, &p, len),
                                                                &ASN1_OBJECT_free);
    return o && OBJ_obj2nid(o.get()) == NID_id_PasswordBasedMAC;
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
        throw Failure(code::kConfig, _("[renewal.cmp] secret_file does not exist or is not a file"),
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
