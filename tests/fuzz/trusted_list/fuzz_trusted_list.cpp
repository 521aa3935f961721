// An EU trusted list (LOTL or national TSL) as downloaded: libxml2 parsing without DTD or
// network, then the enveloped-signature checks against a pinned certificate, then the reading
// of the list's elements. Each step either returns or throws certagent::Error.
#include "certagent/core/error.hpp"
#include "xml_signature.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace {
X509* pinnedCertificate() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    EVP_PKEY_free(key);
    return x;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certagent::signing;
    static X509* pinned = pinnedCertificate();
    try {
        auto doc = xml::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
        (void)xml::verifyEnveloped(doc.get(), {pinned});
        const xmlNode* root = xmlDocGetRootElement(doc.get());
        for (const xmlNode* n : xml::children(root, "http://uri.etsi.org/02231/v2#", "SchemeInformation"))
            (void)xml::text(n);
        (void)xml::text(xml::child(root, xml::kDsigNs, "Signature"));
    } catch (const certagent::Error&) {
    }
    return 0;
}
