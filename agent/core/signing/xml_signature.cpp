// Enveloped XML-DSig verification: see xml_signature.hpp.
#include "xml_signature.hpp"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
// xmlsec.h first: the other xmlsec headers rely on its definitions.
#include <xmlsec/xmlsec.h>
// clang-format off
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>
// clang-format on

#include <algorithm>
#include <climits>
#include <mutex>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent::signing::xml {
namespace {

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// xmlsec reports through a global callback; keep the last message of this thread for the
// user text instead of letting it print to stderr.
thread_local std::string t_last_error;

void collectError(const char*, int, const char* func, const char*, const char* subject, int,
                  const char* msg) {
    t_last_error = fmt::format("{}{}{}", subject ? subject : (func ? func : ""),
                               msg && *msg ? ": " : "", msg ? msg : "");
}

void initOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecOpenSSLAppInit(nullptr) < 0 ||
            xmlSecOpenSSLInit() < 0)
            throw Error(ErrorKind::Internal, _("the XML signature library cannot be started"));
        xmlSecErrorsSetCallback(collectError);  // after xmlSecInit, which sets the default
        // No reference may open a file or a URL: drop xmlsec's input callbacks altogether
        // (same-document references do not need them).
        xmlSecIOCleanupCallbacks();
    });
}

struct DsigCtxFree {
    void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};

bool enableTransforms(xmlSecDSigCtx* ctx) {
    const xmlSecTransformId c14n[] = {
        xmlSecTransformExclC14NId,   xmlSecTransformExclC14NWithCommentsId,
        xmlSecTransformInclC14NId,   xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformInclC14N11Id, xmlSecTransformInclC14N11WithCommentsId,
    };
    const xmlSecTransformId digests[] = {xmlSecOpenSSLTransformSha256Id,
                                         xmlSecOpenSSLTransformSha384Id,
                                         xmlSecOpenSSLTransformSha512Id};
    const xmlSecTransformId signatures[] = {
        xmlSecOpenSSLTransformRsaSha256Id,   xmlSecOpenSSLTransformRsaSha384Id,
        xmlSecOpenSSLTransformRsaSha512Id,   xmlSecOpenSSLTransformEcdsaSha256Id,
        xmlSecOpenSSLTransformEcdsaSha384Id, xmlSecOpenSSLTransformEcdsaSha512Id,
    };
    bool ok = true;
    for (auto id : c14n) {
        ok = ok && xmlSecDSigCtxEnableSignatureTransform(ctx, id) == 0 &&
             xmlSecDSigCtxEnableReferenceTransform(ctx, id) == 0;
    }
    for (auto id : signatures) ok = ok && xmlSecDSigCtxEnableSignatureTransform(ctx, id) == 0;
    for (auto id : digests) ok = ok && xmlSecDSigCtxEnableReferenceTransform(ctx, id) == 0;
    ok = ok && xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) == 0;
    return ok;
}

std::string attribute(const xmlNode* node, const char* name) {
    xmlChar* v = xmlGetProp(node, X(name));
    std::string out = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return out;
}

SignatureCheck fail(std::string reason) { return {false, std::move(reason), nullptr, {}}; }

// One attempt with the key of one pinned certificate.
SignatureCheck verifyWith(xmlNode* root, xmlNode* signature, X509* cert) {
    pdf::EvpPkeyPtr pub(X509_get_pubkey(cert));
    xmlSecKeyDataPtr data = pub ? xmlSecOpenSSLEvpKeyAdopt(pub.get()) : nullptr;
    if (!data) return fail(_("the signer's public key cannot be used"));
    (void)pub.release();  // adopted by `data`
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (!key || xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        if (key) xmlSecKeyDestroy(key);
        return fail(_("the signer's public key cannot be used"));
    }
    std::unique_ptr<xmlSecDSigCtx, DsigCtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
    if (!ctx) {
        xmlSecKeyDestroy(key);
        return fail(_("the XML signature library cannot be started"));
    }
    ctx->signKey = key;  // owned by the context from here on; KeyInfo is not consulted
    ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
        xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument);
    if (!enableTransforms(ctx.get())) return fail(_("the XML signature library cannot be started"));

    t_last_error.clear();
    if (xmlSecDSigCtxVerify(ctx.get(), signature) < 0)
        return fail(fmt::format(fmt::runtime(_("the signature cannot be processed ({0})")),
                                t_last_error.empty() ? std::string("xmlsec") : t_last_error));
    if (ctx->status != xmlSecDSigStatusSucceeded)
        return fail(
            _("the signature does not match the content (the list was changed after "
              "it was signed, or signed with another key)"));

    // The signature must cover the list itself, not just some part of it.
    const std::string root_ref = "#" + attribute(root, "Id");
    bool covers_root = false;
    xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    for (xmlSecSize i = 0; i < n; ++i) {
        auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(
            xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
        if (!ref || ref->status != xmlSecDSigStatusSucceeded)
            return fail(_("a reference of the signature does not verify"));
        if (!ref->uri) continue;
        std::string uri = reinterpret_cast<const char*>(ref->uri);
        if (uri.empty() || (root_ref.size() > 1 && uri == root_ref)) covers_root = true;
    }
    if (!covers_root) return fail(_("the signature does not cover the whole list"));
    return {true, {}, cert, {}};
}

}  // namespace

DocPtr parse(std::string_view bytes, const std::string& where) {
    initOnce();
    if (bytes.size() > static_cast<size_t>(INT_MAX))
        throw Error(ErrorKind::InvalidInput, _("the XML document is too large"), where);
    // No XML_PARSE_NOENT (entities stay unexpanded), no network, no messages on stderr.
    DocPtr doc(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!doc || !xmlDocGetRootElement(doc.get()))
        throw Error(ErrorKind::InvalidInput, _("the document is not well-formed XML"), where);
    if (doc->intSubset || doc->extSubset)
        throw Error(ErrorKind::InvalidInput, _("XML documents with a DTD are refused"), where);
    return doc;
}

SignatureCheck verifyEnveloped(xmlDoc* doc, const std::vector<X509*>& pinned) {
    initOnce();
    xmlNode* root = xmlDocGetRootElement(doc);
    auto signatures = children(root, kDsigNs, "Signature");
    if (signatures.empty()) return fail(_("the document is not signed"));
    if (signatures.size() > 1) return fail(_("the document has more than one signature"));
    xmlNode* signature = signatures.front();

    bool named_any = false;
    std::vector<X509*> candidates;
    std::vector<pdf::X509Ptr> others;
    for (xmlNode* data : children(child(signature, kDsigNs, "KeyInfo"), kDsigNs, "X509Data")) {
        for (xmlNode* c : children(data, kDsigNs, "X509Certificate")) {
            named_any = true;
            pdf::X509Ptr cert = certificateFromBase64(text(c));
            if (!cert) continue;
            auto bytes = pdf::derOf(cert.get());
            bool is_pinned = false;
            for (X509* p : pinned) {
                if (pdf::derOf(p) != bytes) continue;
                is_pinned = true;
                if (std::find(candidates.begin(), candidates.end(), p) == candidates.end())
                    candidates.push_back(p);
            }
            if (!is_pinned && others.size() < 16) others.push_back(std::move(cert));
        }
    }
    if (!named_any)
        return fail(
            _("the signature does not carry its certificate (no X509Certificate in "
              "KeyInfo)"));
    if (candidates.empty())
        return fail(
            _("the signing certificate is not one of the certificates trusted to sign "
              "this list"));

    // Same-document references "#…" resolve through ID attributes; the ETSI lists and XAdES
    // use "Id".
    static const xmlChar* kIds[] = {X("Id"), X("ID"), X("id"), nullptr};
    xmlSecAddIDs(doc, root, kIds);
    SignatureCheck last = fail(_("the document is not signed"));
    for (X509* cert : candidates) {
        last = verifyWith(root, signature, cert);
        if (last.ok) {
            last.key_info = std::move(others);
            return last;
        }
    }
    return last;
}

std::vector<xmlNode*> children(const xmlNode* parent, const char* ns, const char* name) {
    std::vector<xmlNode*> out;
    if (!parent) return out;
    for (xmlNode* n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !n->ns || !n->ns->href) continue;
        if (xmlStrEqual(n->name, X(name)) && xmlStrEqual(n->ns->href, X(ns))) out.push_back(n);
    }
    return out;
}

xmlNode* child(const xmlNode* parent, const char* ns, const char* name) {
    auto all = children(parent, ns, name);
    return all.empty() ? nullptr : all.front();
}

std::string text(const xmlNode* node) {
    if (!node) return {};
    xmlChar* content = xmlNodeGetContent(node);
    std::string s = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    const char* ws = " \t\r\n";
    auto b = s.find_first_not_of(ws);
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

pdf::X509Ptr certificateFromBase64(std::string_view b64) {
    std::string compact;
    compact.reserve(b64.size());
    for (char c : b64)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact.push_back(c);
    if (compact.empty() || compact.size() % 4 != 0 || compact.size() > (1u << 20)) return nullptr;
    std::vector<unsigned char> raw(compact.size() / 4 * 3);
    int n = EVP_DecodeBlock(raw.data(), reinterpret_cast<const unsigned char*>(compact.data()),
                            static_cast<int>(compact.size()));
    if (n < 0) return nullptr;
    // EVP_DecodeBlock counts the padding as zero bytes; DER knows its own length, so parse
    // and then check nothing but padding is left.
    size_t pad = compact.size() - compact.find_last_not_of('=') - 1;
    const unsigned char* p = raw.data();
    long len = n - static_cast<long>(pad);
    pdf::X509Ptr cert(d2i_X509(nullptr, &p, len));
    if (!cert || p != raw.data() + len) {
        pdf::takeOpensslErrors();
        return nullptr;
    }
    return cert;
}

}  // namespace certagent::signing::xml
