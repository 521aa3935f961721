#include "tsa_server.hpp"

#include "revocation_publish.hpp"

#include "api_error.hpp"
#include "cert_builder.hpp"
#include "renewal_state.hpp"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include <iostream>

namespace certagent::sandbox {

namespace {

using TsRespCtxPtr = std::unique_ptr<TS_RESP_CTX, OsslDeleter<TS_RESP_CTX_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, OsslDeleter<TS_RESP_free>>;
using TsReqPtr = std::unique_ptr<TS_REQ, OsslDeleter<TS_REQ_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OsslDeleter<CMS_ContentInfo_free>>;

ASN1_INTEGER* randomSerial(TS_RESP_CTX*, void*) {
    unsigned char raw[8];
    RAND_bytes(raw, sizeof raw);
    raw[0] = static_cast<unsigned char>((raw[0] & 0x7F) | 0x01);
    BnPtr bn(BN_bin2bn(raw, sizeof raw, nullptr));
    return BN_to_ASN1_INTEGER(bn.get(), nullptr);
}

TsRespCtxPtr makeContext(X509* cert, EVP_PKEY* key) {
    TsRespCtxPtr ctx(TS_RESP_CTX_new());
    if (!ctx || TS_RESP_CTX_set_signer_cert(ctx.get(), cert) != 1 ||
        TS_RESP_CTX_set_signer_key(ctx.get(), key) != 1)
        throwOpenssl("TSA signer");
    TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256());
    TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256());  // signing-certificate-v2
    std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT_free>> policy(
        OBJ_txt2obj(kSandboxTsaPolicyOid, 1));
    TS_RESP_CTX_set_def_policy(ctx.get(), policy.get());
    for (const EVP_MD* md : {EVP_sha256(), EVP_sha384(), EVP_sha512()})
        TS_RESP_CTX_add_md(ctx.get(), md);
    TS_RESP_CTX_set_accuracy(ctx.get(), 1, 0, 0);
    TS_RESP_CTX_set_serial_cb(ctx.get(), randomSerial, nullptr);
    return ctx;
}

std::string respDer(TS_RESP* resp) {
    unsigned char* der = nullptr;
    int n = i2d_TS_RESP(resp, &der);
    if (n <= 0) throwOpenssl("i2d_TS_RESP");
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
    return out;
}

// Re-signs a granted response's TSTInfo with another certificate (CMS, eContentType TSTInfo),
// for the fault a TS_RESP_CTX refuses to produce: a signer without the timeStamping EKU.
TsRespPtr resign(TS_RESP* good, X509* cert, EVP_PKEY* key) {
    TS_TST_INFO* tst = TS_RESP_get_tst_info(good);
    unsigned char* der = nullptr;
    int n = i2d_TS_TST_INFO(tst, &der);
    if (n <= 0) throwOpenssl("i2d_TS_TST_INFO");
    BioPtr content(BIO_new_mem_buf(der, n));
    CmsPtr cms(CMS_sign(cert, key, nullptr, nullptr, CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP));
    if (!cms || CMS_set1_eContentType(cms.get(), OBJ_nid2obj(NID_id_smime_ct_TSTInfo)) != 1 ||
        CMS_final(cms.get(), content.get(), nullptr, CMS_BINARY) != 1) {
        OPENSSL_free(der);
        throwOpenssl("CMS_sign");
    }
    OPENSSL_free(der);
    unsigned char* cms_der = nullptr;
    int cms_len = i2d_CMS_ContentInfo(cms.get(), &cms_der);
    const unsigned char* p = cms_der;
    PKCS7* p7 = d2i_PKCS7(nullptr, &p, cms_len);
    OPENSSL_free(cms_der);
    if (!p7) throwOpenssl("d2i_PKCS7");
    TsRespPtr resp(TS_RESP_new());
    TS_RESP_set_status_info(resp.get(), TS_RESP_get_status_info(good));
    TS_RESP_set_tst_info(resp.get(), p7, TS_TST_INFO_dup(tst));
    return resp;
}

std::string jsonError(int status, const std::string& code, const std::string& message) {
    return ApiError(status, code, message).toJson().dump();
}

// "Basic base64(user:pass)" -> user, pass.
bool parseBasic(const std::string& header, std::string& user, std::string& pass) {
    const std::string prefix = "Basic ";
    if (header.rfind(prefix, 0) != 0) return false;
    std::string b64 = header.substr(prefix.size());
    std::string out(b64.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(b64.data()),
                            static_cast<int>(b64.size()));
    if (n < 0) return false;
    out.resize(static_cast<size_t>(n));
    while (!b64.empty() && b64.back() == '=') {  // DecodeBlock keeps padding bytes as zeros
        b64.pop_back();
        if (!out.empty()) out.pop_back();
    }
    auto colon = out.find(':');
    if (colon == std::string::npos) return false;
    user = out.substr(0, colon);
    pass = out.substr(colon + 1);
    return true;
}

}  // namespace

void migrateTsaSchema(Database& db) {
    db.exec(R"sql(
CREATE TABLE IF NOT EXISTS tsa_credentials(
  holder_id TEXT PRIMARY KEY,
  salt TEXT NOT NULL,
  password_sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tsa_issued(
  serial TEXT PRIMARY KEY,
  holder_id TEXT NOT NULL,
  issued_at INTEGER NOT NULL);
)sql");
}

TsaAccount setTsaAccount(const CaLayout& layout, const std::string& holder_id,
                         const std::string& email, long long quota) {
    if (holder_id.empty()) throw Error(ErrorKind::Usage, "--holder-id is required");
    Database db(layout.database());
    migrateSchema(db);
    migrateTsaSchema(db);
    Transaction tx(db);
    auto q =
        db.prepare("SELECT timestamps_total, timestamps_used FROM accounts WHERE holder_id = ?");
    q.bindAll(holder_id);
    TsaAccount a;
    a.username = holder_id;
    if (q.step()) {
        a.total = q.integer(0);
        a.used = q.integer(1);
    } else {
        a.total = 50;
        db.prepare(
              "INSERT INTO accounts(holder_id, email, status, created_at, activated_at, "
              "timestamps_total) VALUES(?,?,?,?,?,?)")
            .bindAll(holder_id, email.empty() ? holder_id + "@example.invalid" : email,
                     std::string("ACTIVE"), nowEpoch(), nowEpoch(), a.total)
            .run();
    }
    if (quota >= 0) {
        a.total = a.used + quota;
        db.prepare("UPDATE accounts SET timestamps_total = ? WHERE holder_id = ?")
            .bindAll(a.total, holder_id)
            .run();
    }
    a.password = randomHex(12);
    const std::string salt = randomHex(8);
    db.prepare(
          "INSERT OR REPLACE INTO tsa_credentials(holder_id, salt, password_sha256) "
          "VALUES(?,?,?)")
        .bindAll(holder_id, salt, sha256Hex(salt + a.password))
        .run();
    tx.commit();
    return a;
}

struct TsaServer::Signers {
    X509Ptr tsa_cert;
    PKeyPtr tsa_key;
    TsRespCtxPtr good;
    // Faults: an unknown TSA (own self-signed root) and a signer without timeStamping.
    PKeyPtr foreign_root_key, foreign_key, no_eku_key;
    X509Ptr foreign_root, foreign_cert, no_eku_cert;
    TsRespCtxPtr untrusted;
};

TsaServer::TsaServer(const CaLayout& layout, bool faults)
    : layout_(layout), faults_(faults), db_(layout.database()), signers_(new Signers) {
    migrateSchema(db_);
    migrateTsaSchema(db_);
    auto& s = *signers_;
    s.tsa_cert = loadCert(layout.tsaCert());
    s.tsa_key = loadKey(layout.tsaKey());
    s.good = makeContext(s.tsa_cert.get(), s.tsa_key.get());
    if (faults_) {
        const NameParts org = {{"C", "RO"}, {"O", "Unknown Time Authority"}};
        auto named = [&](const std::string& cn) {
            auto parts = org;
            parts.emplace_back("CN", cn);
            return makeName(parts);
        };
        s.foreign_root_key = generateKey("ec256");
        s.foreign_root = makeRootCa(named("Unknown ROOT").get(), s.foreign_root_key.get(),
                                    validityFromNow(365, 3600));
        s.foreign_key = generateKey("ec256");
        s.foreign_cert =
            makeTsaCert(named("Unknown TSA").get(), s.foreign_key.get(), s.foreign_root.get(),
                        s.foreign_root_key.get(), validityFromNow(365, 3600));
        s.untrusted = makeContext(s.foreign_cert.get(), s.foreign_key.get());
        // Under the sandbox's own root: trusted, but not a timestamping certificate.
        auto root = loadCert(layout.rootCert());
        auto root_key = loadKey(layout.rootKey());
        s.no_eku_key = generateKey("ec256");
        s.no_eku_cert = makeTsaCertWithoutEku(
            makeName({{"C", "RO"}, {"O", "CertAgent Sandbox CA S.A."}, {"CN", "Not A TSA"}}).get(),
            s.no_eku_key.get(), root.get(), root_key.get(), validityFromNow(365, 3600));
    }
    server_.set_payload_max_length(64 * 1024);
    server_.set_tcp_nodelay(true);
    server_.set_read_timeout(10, 0);
    server_.set_write_timeout(10, 0);
    server_.Post("/tsa",
                 [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    // The CRL the issued certificates name (publish --crl-url .../crl/qualified-ca.crl): made
    // from the register on each request, so a revocation shows at once.
    server_.Get(kCrlPath, [layout](const httplib::Request&, httplib::Response& res) {
        try {
            Database db(layout.database());
            migrateSchema(db);
            auto der = makeCrl(db, loadCaMaterial(layout));
            res.set_content(std::string(der.begin(), der.end()), "application/pkix-crl");
        } catch (const std::exception& e) {
            res.status = 500;
            res.set_content(e.what(), "text/plain");
        }
    });
    server_.Get(kRootCrlPath, [layout](const httplib::Request&, httplib::Response& res) {
        try {
            auto der = makeRootCrl(layout);
            res.set_content(std::string(der.begin(), der.end()), "application/pkix-crl");
        } catch (const std::exception& e) {
            res.status = 500;
            res.set_content(e.what(), "text/plain");
        }
    });
}

TsaServer::~TsaServer() = default;

bool TsaServer::bind(int port) {
    if (port == 0) {
        port_ = server_.bind_to_any_port("127.0.0.1");
        return port_ > 0;
    }
    if (!server_.bind_to_port("127.0.0.1", port)) return false;
    port_ = port;
    return true;
}

std::string TsaServer::url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tsa"; }
bool TsaServer::listen() { return server_.listen_after_bind(); }
void TsaServer::stop() { server_.stop(); }

void TsaServer::handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    auto fail = [&](int status, const std::string& code, const std::string& message) {
        res.status = status;
        res.set_content(jsonError(status, code, message), "application/json");
    };
    try {
        const std::string fault = faults_ ? req.get_header_value("X-Sandbox-Tsa-Fault") : "";
        // Authentication first: an anonymous caller learns nothing, not even about faults.
        std::string user, pass;
        std::optional<std::string> holder;
        if (parseBasic(req.get_header_value("Authorization"), user, pass)) {
            auto q = db_.prepare(
                "SELECT salt, password_sha256 FROM tsa_credentials WHERE holder_id = ?");
            q.bindAll(user);
            if (q.step() && sha256Hex(q.text(0) + pass) == q.text(1)) holder = user;
        }
        if (!holder) {
            res.set_header("WWW-Authenticate", "Basic realm=\"certagent sandbox TSA\"");
            return fail(401, "TSA_AUTH_REQUIRED",
                        "HTTP basic credentials of a sandbox account are required");
        }
        if (fault == "429") {
            res.set_header("Retry-After", "7");
            return fail(429, "RATE_LIMITED", "too many timestamp requests; retry later");
        }
        if (fault == "garbage") {
            res.status = 200;
            res.set_content("<html><body>Service temporarily unavailable</body></html>",
                            "application/timestamp-reply");
            return;
        }
        if (req.get_header_value("Content-Type") != "application/timestamp-query")
            return fail(415, "UNSUPPORTED_MEDIA_TYPE",
                        "send an RFC 3161 TimeStampReq as application/timestamp-query");
        const unsigned char* p = reinterpret_cast<const unsigned char*>(req.body.data());
        TsReqPtr ts_req(d2i_TS_REQ(nullptr, &p, static_cast<long>(req.body.size())));
        if (!ts_req) {
            ERR_clear_error();
            return fail(400, "MALFORMED_TIMESTAMP_REQUEST", "the body is not a TimeStampReq");
        }
        if (fault == "wrong-nonce") {
            BnPtr bn(BN_new());
            BN_rand(bn.get(), 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
            std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER_free>> other(
                BN_to_ASN1_INTEGER(bn.get(), nullptr));
            TS_REQ_set_nonce(ts_req.get(), other.get());
        } else if (fault == "wrong-imprint") {
            ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(ts_req.get()));
            std::string digest(reinterpret_cast<const char*>(ASN1_STRING_get0_data(msg)),
                               static_cast<size_t>(ASN1_STRING_length(msg)));
            if (!digest.empty()) digest[0] = static_cast<char>(digest[0] ^ 0xFF);
            ASN1_OCTET_STRING_set(msg, reinterpret_cast<const unsigned char*>(digest.data()),
                                  static_cast<int>(digest.size()));
        }
        unsigned char* der = nullptr;
        int der_len = i2d_TS_REQ(ts_req.get(), &der);
        BioPtr in(BIO_new_mem_buf(der, der_len));

        Transaction tx(db_);
        auto q = db_.prepare(
            "SELECT timestamps_total - timestamps_used FROM accounts WHERE holder_id = ?");
        q.bindAll(*holder);
        long long remaining = q.step() ? q.integer(0) : 0;
        if (remaining <= 0) {
            OPENSSL_free(der);
            res.set_header("X-Timestamps-Remaining", "0");
            return fail(402, "TIMESTAMP_QUOTA_EXHAUSTED",
                        "no timestamps are left on this account; buy more (\"Mărci temporale\")");
        }
        TS_RESP_CTX* ctx = fault == "untrusted" ? signers_->untrusted.get() : signers_->good.get();
        TsRespPtr resp(TS_RESP_create_response(ctx, in.get()));
        OPENSSL_free(der);
        if (!resp) throwOpenssl("TS_RESP_create_response");
        long status =
            ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())));
        const bool granted = status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS;
        if (granted && fault == "no-eku")
            resp = resign(resp.get(), signers_->no_eku_cert.get(), signers_->no_eku_key.get());
        // Only a real, well-formed timestamp uses quota; test faults never do.
        if (granted && fault.empty()) {
            db_.prepare(
                   "UPDATE accounts SET timestamps_used = timestamps_used + 1 "
                   "WHERE holder_id = ?")
                .bindAll(*holder)
                .run();
            const ASN1_INTEGER* serial = TS_TST_INFO_get_serial(TS_RESP_get_tst_info(resp.get()));
            BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
            char* hex = BN_bn2hex(bn.get());
            db_.prepare("INSERT INTO tsa_issued(serial, holder_id, issued_at) VALUES(?,?,?)")
                .bindAll(std::string(hex), *holder, nowEpoch())
                .run();
            OPENSSL_free(hex);
            --remaining;
        }
        tx.commit();
        res.status = 200;
        res.set_header("X-Timestamps-Remaining", std::to_string(remaining));
        res.set_content(respDer(resp.get()), "application/timestamp-reply");
    } catch (const std::exception& e) {
        std::cerr << "POST /tsa: " << e.what() << "\n";
        fail(500, "INTERNAL", "internal error; nothing was used, retry later");
    }
}

}  // namespace certagent::sandbox
