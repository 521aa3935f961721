// Bad input never changes state and gets a clear 4xx: every refusal below is checked against
// the request's state and history before and after.
#include "portal_test_support.hpp"

#include <openssl/pem.h>

namespace certagent::testing {
namespace {

class BadInput : public PortalTest {
  protected:
    static std::string code(const HttpResponse& r) {
        try {
            return r.json().at("error").at("code");
        } catch (...) {
            return "<no JSON error: " + std::to_string(r.status) + " " + r.body + r.error + ">";
        }
    }
    // What must not move when a call is refused.
    nlohmann::json snapshot(const HttpsTestClient& c, const std::string& id) {
        auto r = renewal(c, id);
        return {r.at("state"),       r.at("history").size(),    r.at("updated_at"),
                r.at("declaration"), r.at("identity_document"), r.at("payment")};
    }
    void expectRefused(const HttpResponse& r, long status, const std::string& error_code) {
        EXPECT_EQ(r.status, status) << r.body << r.error;
        EXPECT_EQ(code(r), error_code);
        auto j = r.json();
        EXPECT_TRUE(j["error"]["message"].is_string());
        EXPECT_TRUE(j["error"].contains("details"));
    }
};

std::string tamperCsrSignature(const std::string& pem) {
    BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509_REQ* req = PEM_read_bio_X509_REQ(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    unsigned char* der = nullptr;
    int len = i2d_X509_REQ(req, &der);
    X509_REQ_free(req);
    der[len - 1] ^= 0x01;  // inside the signature value
    const unsigned char* p = der;
    X509_REQ* bad = d2i_X509_REQ(nullptr, &p, len);
    OPENSSL_free(der);
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(out, bad);
    X509_REQ_free(bad);
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    std::string s(data, static_cast<size_t>(n));
    BIO_free(out);
    return s;
}

// A one-page PDF drawing a pixels x pixels grey image over size_pt x size_pt points.
std::string scanPdf(int pixels, const std::string& size_pt) {
    const std::string content = "q " + size_pt + " 0 0 " + size_pt + " 40 400 cm /Im0 Do Q";
    const std::string image(static_cast<size_t>(pixels) * pixels, '\x80');
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 "
        "R >> >> /Contents 5 0 R >>",
        "<< /Type /XObject /Subtype /Image /Width " + std::to_string(pixels) + " /Height " +
            std::to_string(pixels) + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Length " +
            std::to_string(image.size()) + " >>\nstream\n" + image + "\nendstream",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
            "\nendstream",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (auto off : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        pdf += line;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

// A one-page PDF drawing an 8x8 pixel grey image over 500x300 pt: about 1 dpi, a useless scan.
std::string blurryScanPdf() {
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 "
        "R >> >> /Contents 5 0 R >>",
        "<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
        "/BitsPerComponent 8 /Length 64 >>\nstream\n" +
            std::string(64, '\x80') + "\nendstream",
        "<< /Length 33 >>\nstream\nq 500 0 0 300 40 400 cm /Im0 Do Q\nendstream",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (auto off : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        pdf += line;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

TEST_F(BadInput, CreateRefusesMalformedWrongTypedOversizedAndForeignBodies) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const auto url = api("renewals");
    auto raw = [&](const std::string& body, const std::string& type) {
        return c.request("POST", url, body, type, {"Idempotency-Key: " + newKey()});
    };
    expectRefused(raw("{\"certificate_serial\": ", "application/json"), 400, "MALFORMED_JSON");
    expectRefused(raw("[1,2]", "application/json"), 400, "INVALID_REQUEST");
    expectRefused(
        raw("{\"certificate_serial\":\"" + h.serial + "\",\"product_id\":3}", "application/json"),
        422, "INVALID_FIELD");
    expectRefused(raw("{\"product_id\":\"QCERT-NP-1Y\"}", "application/json"), 422,
                  "INVALID_FIELD");
    expectRefused(raw("product_id=QCERT-NP-1Y", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectRefused(
        c.postJson(url, {{"certificate_serial", h.serial}, {"product_id", "GOLD"}}, newKey()), 422,
        "UNKNOWN_PRODUCT");
    auto other = ca->issueHolder();
    expectRefused(
        c.postJson(url, {{"certificate_serial", other.serial}, {"product_id", "QCERT-NP-1Y"}},
                   newKey()),
        422, "CERTIFICATE_NOT_LOGIN");
    std::string big = "{\"pad\":\"" + std::string(100 * 1024, 'x') + "\"}";
    expectRefused(raw(big, "application/json"), 413, "PAYLOAD_TOO_LARGE");
    std::string huge(9 * 1024 * 1024, 'x');
    expectRefused(raw(huge, "application/json"), 413, "PAYLOAD_TOO_LARGE");

    auto list = c.get(api("renewals"));
    EXPECT_EQ(list.json().at("items").size(), 0u) << "nothing was created";
}

TEST_F(BadInput, IdentityDocumentMustBeAWholePdfWithinTheLimit) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    const auto url = api("renewals/" + id + "/identity-document");
    auto before = snapshot(c, id);
    expectRefused(c.putPdf(url, "just some text, not a PDF", newKey()), 422, "NOT_A_PDF");
    auto pdf = identityPdf();
    expectRefused(c.putPdf(url, pdf.substr(0, pdf.size() / 2), newKey()), 422, "NOT_A_PDF");
    // Header and trailer, garbage between: the parser, not only the magic bytes, decides.
    expectRefused(
        c.putPdf(url, "%PDF-1.7\n" + std::string(2000, 'z') + "\nstartxref\n9\n%%EOF\n", newKey()),
        422, "NOT_A_PDF");
    auto blurry = c.putPdf(url, blurryScanPdf(), newKey());
    expectRefused(blurry, 422, "IDENTITY_SCAN_RESOLUTION_TOO_LOW");
    EXPECT_LT(blurry.json()["error"]["details"]["min_dpi"].get<int>(), 300);
    // 3% below 300 dpi is a low scan, refused ...
    expectRefused(c.putPdf(url, scanPdf(60, "14.85"), newKey()), 422,
                  "IDENTITY_SCAN_RESOLUTION_TOO_LOW");
    expectRefused(c.request("PUT", url, pdf, "image/jpeg", {"Idempotency-Key: " + newKey()}), 415,
                  "UNSUPPORTED_MEDIA_TYPE");
    std::string big = pdf.substr(0, pdf.size() - 6) + std::string(6 * 1024 * 1024, ' ') + "%%EOF\n";
    expectRefused(c.putPdf(url, big, newKey()), 413, "PAYLOAD_TOO_LARGE");
    expectRefused(c.putPdf(url, pdf, ""), 400, "IDEMPOTENCY_KEY_REQUIRED");
    EXPECT_EQ(snapshot(c, id), before);
    expectRefused(c.get(api("renewals/" + id + "/declaration")), 409, "DECLARATION_NOT_READY");
}

// A 300 dpi scan whose page size is written with two decimals measures 299.6 dpi here (60
// pixels over 14.42 pt): rounding, not a low resolution, so it is accepted.
TEST_F(BadInput, IdentityScanAtThreeHundredDpiWithRoundedPageSizeIsAccepted) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    auto r = c.putPdf(api("renewals/" + id + "/identity-document"), scanPdf(60, "14.42"), newKey());
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(BadInput, OutOfOrderAndReplayedCallsAreRefused) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    auto base = api("renewals/" + id);
    auto before = snapshot(c, id);
    expectRefused(c.postJson(base + "/submit", nlohmann::json::object(), newKey()), 409,
                  "INVALID_STATE");
    auto key = generateTestKey("ec256");
    expectRefused(c.postJson(base + "/csr", {{"csr_pem", makeCsr(key.get(), h.cert)}}, newKey()),
                  409, "INVALID_STATE");
    expectRefused(c.putPdf(base + "/signed-declaration", identityPdf(), newKey()), 409,
                  "INVALID_STATE");
    expectRefused(c.get(base + "/payment"), 404, "PAYMENT_NOT_STARTED");
    expectRefused(c.postJson(base + "/payment", nlohmann::json::object(), newKey()), 409,
                  "INVALID_STATE");
    expectRefused(c.get(base + "/certificate"), 409, "CERTIFICATE_NOT_ISSUED");
    EXPECT_EQ(snapshot(c, id), before);

    // A replayed step with a new key meets the state machine: identity goes in once.
    uploadIdentity(c, id);
    auto after_upload = snapshot(c, id);
    expectRefused(c.putPdf(base + "/identity-document", identityPdf(), newKey()), 409,
                  "INVALID_STATE");
    // The same key on another endpoint is a client bug, not a replay.
    auto k = newKey();
    EXPECT_EQ(c.postJson(base + "/cancel", nlohmann::json::object(), k).status, 200);
    expectRefused(c.postJson(base + "/submit", nlohmann::json::object(), k), 422,
                  "IDEMPOTENCY_KEY_REUSED");
    EXPECT_EQ(renewal(c, id).at("state"), "ANULATA");
    (void)after_upload;

    // Someone else's request does not exist for you.
    auto stranger = activeHolder({.common_name = "ALT TITULAR"});
    expectRefused(clientFor(stranger).get(base), 404, "RENEWAL_NOT_FOUND");
    expectRefused(c.get(api("renewals/does-not-exist")), 404, "RENEWAL_NOT_FOUND");
}

TEST_F(BadInput, SignedDeclarationMustBeTheIssuedOneSignedByTheLoginCertificateUnaltered) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    uploadIdentity(c, id);
    const auto url = api("renewals/" + id + "/signed-declaration");
    const auto decl = declaration(c, id);
    auto before = snapshot(c, id);

    // Signed by someone else (a valid certificate of the same CA).
    auto other = ca->issueHolder({.common_name = "ALT SEMNATAR"});
    expectRefused(c.putPdf(url, signPdfAs(decl, other), newKey()), 422, "DECLARATION_WRONG_SIGNER");

    auto good = signPdfAs(decl, h);
    // Altered after signing: a byte changed inside the signed part of the update.
    auto altered = good;
    auto pos = altered.find("(D:20", decl.size());  // the signing time /M, covered by the range
    ASSERT_NE(pos, std::string::npos);
    altered[pos + 5] = altered[pos + 5] == '1' ? '2' : '1';
    expectRefused(c.putPdf(url, altered, newKey()), 422, "DECLARATION_SIGNATURE_INVALID");
    // Altered after signing: an incremental update appended after the signature.
    expectRefused(c.putPdf(url, good + "\n1 0 obj\n<<>>\nendobj\nstartxref\n0\n%%EOF\n", newKey()),
                  422, "DECLARATION_SIGNATURE_INVALID");
    // The declaration changed before signing (not the bytes the CA issued).
    auto edited = decl;
    edited[decl.size() / 2] ^= 0x20;
    expectRefused(c.putPdf(url, signPdfAs(edited, h), newKey()), 422, "DECLARATION_MISMATCH");
    // Another document, validly signed.
    expectRefused(c.putPdf(url, signPdfAs(identityPdf(), h), newKey()), 422,
                  "DECLARATION_MISMATCH");
    // The unsigned declaration itself.
    expectRefused(c.putPdf(url, decl, newKey()), 422, "DECLARATION_MISMATCH");
    EXPECT_EQ(snapshot(c, id), before);

    EXPECT_EQ(c.putPdf(url, good, newKey()).status, 200);
    EXPECT_EQ(renewal(c, id).at("state"), "DECLARATIE_SEMNATA");
}

TEST_F(BadInput, CsrMustProvePossessionUseAStrongNewKeyAndTheRenewedSubject) {
    startCa({.auto_approve = true, .auto_pay = true});
    auto h = activeHolder();
    auto c = clientFor(h);
    auto id = createAndSubmit(c, h);
    ASSERT_EQ(renewal(c, id).at("state"), "ACCEPTATA_PREAPROBATA");
    const auto url = api("renewals/" + id + "/csr");
    auto before = snapshot(c, id);
    auto csr = [&](const std::string& pem) {
        return c.postJson(url, {{"csr_pem", pem}}, newKey());
    };

    auto key = generateTestKey("ec256");
    expectRefused(csr(makeCsrWithSubject(key.get(), "/C=RO/serialNumber=PNORO-9/CN=ALTCINEVA")),
                  422, "CSR_SUBJECT_MISMATCH");
    auto weak = generateTestKey("rsa1024");
    expectRefused(csr(makeCsr(weak.get(), h.cert)), 422, "CSR_KEY_REJECTED");
    expectRefused(csr(tamperCsrSignature(makeCsr(key.get(), h.cert))), 422,
                  "CSR_SIGNATURE_INVALID");
    auto old_key = loadTestKey(h.key);
    expectRefused(csr(makeCsr(old_key.get(), h.cert)), 422, "CSR_KEY_REUSED");
    expectRefused(csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE "
                      "REQUEST-----\n"),
                  422, "CSR_INVALID");
    expectRefused(c.postJson(url, {{"csr_pem", 42}}, newKey()), 422, "INVALID_FIELD");
    EXPECT_EQ(snapshot(c, id), before);
    EXPECT_EQ(c.get(api("certificates")).json().at("items").size(), 1u) << "nothing issued";

    auto p384 = generateTestKey("ec384");
    EXPECT_EQ(csr(makeCsr(p384.get(), h.cert)).status, 201);
}

TEST_F(BadInput, OperatorCannotApproveBeforePaymentAndRejectNeedsAReason) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    auto id = createAndSubmit(c, h);
    auto before = snapshot(c, id);
    auto approve = ca->cli({"operator", "approve", id});
    EXPECT_EQ(approve.exit_code, 2);
    EXPECT_NE(approve.err.find("PLATA_IN_ASTEPTARE"), std::string::npos) << approve.err;
    EXPECT_EQ(ca->cli({"operator", "reject", id}).exit_code, 2);
    EXPECT_EQ(snapshot(c, id), before);
}

TEST_F(BadInput, WritesNeedTheRenewedCertificateNotAnotherOneOfTheSameHolder) {
    startCa();
    auto h = activeHolder({.holder_id = "PNORO-2222222222222"});
    auto second = ca->issueHolder({.holder_id = "PNORO-2222222222222"});
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    auto other = clientFor(second);
    EXPECT_EQ(other.get(api("renewals/" + id)).status, 200) << "same holder may read";
    expectRefused(
        other.putPdf(api("renewals/" + id + "/identity-document"), identityPdf(), newKey()), 403,
        "WRONG_LOGIN_CERTIFICATE");
}

}  // namespace
}  // namespace certagent::testing
