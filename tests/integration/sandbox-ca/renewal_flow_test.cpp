// The whole renewal through real TLS, as the agent will drive it, with the steps a person does
// (card + OTP page, operator approval) and server restarts in the middle.
#include "portal_test_support.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>

namespace certagent::testing {
namespace {

class RenewalFlow : public PortalTest {};

std::unique_ptr<X509, void (*)(X509*)> certFromPem(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return {c, X509_free};
}

TEST_F(RenewalFlow, CompletesWithCardPaymentOperatorApprovalAndSurvivesRestarts) {
    startCa();
    auto holder = activeHolder({.common_name = "MARIA IONESCU", .days_left = 12});
    auto c = clientFor(holder);

    auto created = createRenewal(c, holder, "QCERT-NP-3Y");
    const std::string id = created.at("id");
    EXPECT_EQ(created.at("state"), "CIORNA");
    EXPECT_EQ(created.at("product").at("validity_years"), 3);

    auto uploaded = uploadIdentity(c, id);
    EXPECT_EQ(uploaded.at("state"), "ACT_INCARCAT");
    EXPECT_TRUE(uploaded.at("declaration").at("available"));
    auto decl = declaration(c, id);
    EXPECT_EQ(decl.rfind("%PDF-", 0), 0u);
    EXPECT_EQ(declaration(c, id), decl) << "the declaration is generated once and kept";

    EXPECT_EQ(uploadSignedDeclaration(c, holder, id).at("state"), "DECLARATIE_SEMNATA");

    ca->restart();  // everything accepted so far is kept
    EXPECT_EQ(renewal(c, id).at("state"), "DECLARATIE_SEMNATA");

    auto submitted = submit(c, id);
    EXPECT_EQ(submitted.at("state"), "PLATA_IN_ASTEPTARE");
    const auto payment = submitted.at("payment");
    EXPECT_EQ(payment.at("status"), "PENDING");
    EXPECT_EQ(payment.at("amount").at("currency"), "RON");
    EXPECT_EQ(payment.at("amount").at("amount_minor"), 47700);

    // The payment URL is a browser page: no client certificate needed.
    auto browser = anonymous();
    auto page = browser.get(payment.at("payment_url"));
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("card-form"), std::string::npos);
    ca->kill9();  // a crash between card page and OTP
    ca->start();
    auto paid = ca->payByCard(browser, payment.at("payment_url"));
    EXPECT_EQ(paid.status, 200) << paid.body;
    EXPECT_NE(paid.body.find("Plata înregistrată cu succes"), std::string::npos);

    auto polled = c.get(api("renewals/" + id + "/payment"));
    EXPECT_EQ(polled.status, 200);
    EXPECT_EQ(polled.json().at("status"), "PAID");
    EXPECT_EQ(renewal(c, id).at("state"), "IN_ASTEPTARE");

    auto listed = ca->cli({"operator", "list"});
    EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out << listed.err;
    ca->approve(id);  // the operator works on the live database
    EXPECT_EQ(renewal(c, id).at("state"), "ACCEPTATA_PREAPROBATA");

    auto new_key = generateTestKey("ec256");
    auto csr = makeCsr(new_key.get(), holder.cert);
    const auto csr_key = newKey();
    auto issued = c.postJson(api("renewals/" + id + "/csr"), {{"csr_pem", csr}}, csr_key);
    ASSERT_EQ(issued.status, 201) << issued.body;
    auto j = issued.json();
    auto cert = certFromPem(j.at("certificate_pem"));
    ASSERT_TRUE(cert);
    EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()),
                            X509_get_subject_name(certFromPem(readFile(holder.cert)).get())),
              0);
    EXPECT_EQ(X509_check_private_key(cert.get(), new_key.get()), 1);
    EXPECT_GE(X509_get_ext_by_NID(cert.get(), NID_qcStatements, -1), 0);
    // Three years of validity, as bought.
    int days = 0, secs = 0;
    ASSERT_TRUE(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert.get()),
                               X509_get0_notAfter(cert.get())));
    EXPECT_GE(days, 3 * 365);
    EXPECT_LE(days, 3 * 366 + 1);

    // The chain in the answer verifies the new certificate against the CA.
    writeFile(tmp / "new.pem", j.at("certificate_pem").get<std::string>());
    writeFile(tmp / "chain.pem", j.at("chain_pem").get<std::string>());
    auto verify = runProcess(
        {"openssl", "verify", "-CAfile", (tmp / "chain.pem").string(), (tmp / "new.pem").string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

    // Replaying the CSR call returns the same stored answer; a new call issues nothing.
    auto replay = c.postJson(api("renewals/" + id + "/csr"), {{"csr_pem", csr}}, csr_key);
    EXPECT_EQ(replay.status, 201);
    EXPECT_EQ(replay.body, issued.body);
    EXPECT_EQ(replay.header("idempotent-replayed"), "true");
    auto again = c.postJson(api("renewals/" + id + "/csr"), {{"csr_pem", csr}}, newKey());
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.json()["error"]["code"], "ALREADY_ISSUED");

    ca->restart();
    auto download = c.get(api("renewals/" + id + "/certificate"));
    EXPECT_EQ(download.status, 200);
    EXPECT_EQ(download.json().at("certificate_pem"), j.at("certificate_pem"));
    auto pem = c.get(api("renewals/" + id + "/certificate"),
                     {"Accept: application/pem-certificate-chain"});
    EXPECT_EQ(pem.header("content-type"), "application/pem-certificate-chain");
    EXPECT_EQ(pem.body,
              j.at("certificate_pem").get<std::string>() + j.at("chain_pem").get<std::string>());
    EXPECT_EQ(renewal(c, id).at("state"), "EMISA");

    // The new certificate logs in, and the holder now has two active certificates.
    writeFile(tmp / "new.key", testKeyPem(new_key.get()));
    HttpsTestClient fresh(ca->trustBundle());
    fresh.withClientCert(tmp / "new.pem", tmp / "new.key");
    auto mine = fresh.get(api("certificates?status=active"));
    ASSERT_EQ(mine.status, 200) << mine.body;
    EXPECT_EQ(mine.json().at("items").size(), 2u);
}

TEST_F(RenewalFlow, AutoPayAndAutoApproveGoStraightToCsr) {
    startCa({.auto_approve = true, .auto_pay = true});
    auto holder = activeHolder({.key = "rsa2048"});
    auto c = clientFor(holder);
    auto id = createAndSubmit(c, holder);
    auto r = renewal(c, id);
    EXPECT_EQ(r.at("state"), "ACCEPTATA_PREAPROBATA");
    EXPECT_EQ(r.at("payment").at("status"), "PAID");
    auto key = generateTestKey("rsa2048");
    auto issued = c.postJson(api("renewals/" + id + "/csr"),
                             {{"csr_pem", makeCsr(key.get(), holder.cert)}}, newKey());
    EXPECT_EQ(issued.status, 201) << issued.body;

    // Latency on loopback, reported for the docs: a full TLS handshake per request.
    double total = 0;
    const int n = 20;
    for (int i = 0; i < n; ++i) total += c.get(api("renewals/" + id)).seconds;
    std::cout << "[ figures ] GET /api/v1/renewals/{id}: " << (total / n * 1000)
              << " ms average over " << n << " requests (new TLS connection each)\n";
}

TEST_F(RenewalFlow, OperatorRejectionIsFinalAndCarriesTheReason) {
    startCa({.auto_pay = true});
    auto holder = activeHolder();
    auto c = clientFor(holder);
    auto id = createAndSubmit(c, holder);
    ca->reject(id, "Actul de identitate este ilizibil");
    auto r = renewal(c, id);
    EXPECT_EQ(r.at("state"), "RESPINSA");
    EXPECT_EQ(r.at("rejection_reason"), "Actul de identitate este ilizibil");
    EXPECT_TRUE(r.at("final"));
    auto key = generateTestKey("ec256");
    auto csr = c.postJson(api("renewals/" + id + "/csr"),
                          {{"csr_pem", makeCsr(key.get(), holder.cert)}}, newKey());
    EXPECT_EQ(csr.status, 409);
    // A rejected request no longer blocks a new one.
    createRenewal(c, holder);
}

TEST_F(RenewalFlow, PendingListAndCancel) {
    startCa();
    auto holder = activeHolder();
    auto c = clientFor(holder);
    auto first = createRenewal(c, holder).at("id").get<std::string>();
    auto dup = c.postJson(api("renewals"),
                          {{"certificate_serial", holder.serial}, {"product_id", "QCERT-NP-1Y"}},
                          newKey());
    EXPECT_EQ(dup.status, 409);
    EXPECT_EQ(dup.json()["error"]["details"]["renewal_id"], first);
    auto open = c.get(api("renewals?open=true"));
    ASSERT_EQ(open.status, 200);
    EXPECT_EQ(open.json().at("items").size(), 1u);
    auto cancelled =
        c.postJson(api("renewals/" + first + "/cancel"), nlohmann::json::object(), newKey());
    EXPECT_EQ(cancelled.status, 200);
    EXPECT_EQ(cancelled.json().at("state"), "ANULATA");
    EXPECT_EQ(c.get(api("renewals?open=true")).json().at("items").size(), 0u);
    EXPECT_EQ(c.get(api("renewals?state=ANULATA")).json().at("items").size(), 1u);
}

TEST_F(RenewalFlow, DeclinedCardAndWrongOtpsFailThePaymentAndANewOneCanStart) {
    startCa();
    auto holder = activeHolder();
    auto c = clientFor(holder);
    auto id = createAndSubmit(c, holder);
    auto browser = anonymous();
    const std::string url = renewal(c, id).at("payment").at("payment_url");
    auto declined = ca->payByCard(browser, url, "4000000000000002");
    EXPECT_EQ(declined.status, 402);
    EXPECT_EQ(c.get(api("renewals/" + id + "/payment")).json().at("status"), "FAILED");
    EXPECT_EQ(renewal(c, id).at("state"), "PLATA_IN_ASTEPTARE");

    auto restart =
        c.postJson(api("renewals/" + id + "/payment"), nlohmann::json::object(), newKey());
    ASSERT_EQ(restart.status, 201) << restart.body;
    const std::string url2 = restart.json().at("payment_url");
    EXPECT_NE(url2, url);
    auto card = browser.postForm(
        url2 + "/card",
        {{"card_number", "4111 1111 1111 1111"}, {"expiry", "01/38"}, {"cvc", "999"}});
    EXPECT_EQ(card.status, 200);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(browser.postForm(url2 + "/otp", {{"otp", "abc"}}).status, 422);
    EXPECT_EQ(c.get(api("renewals/" + id + "/payment")).json().at("failure_reason"),
              "OTP_ATTEMPTS_EXCEEDED");
    auto bad_card = browser.postForm(url2 + "/card", {{"card_number", "1234"}});
    EXPECT_EQ(bad_card.status, 409);  // that payment is over
    auto third = c.postJson(api("renewals/" + id + "/payment"), nlohmann::json::object(), newKey());
    ASSERT_EQ(third.status, 201);
    EXPECT_EQ(ca->payByCard(browser, third.json().at("payment_url")).status, 200);
    EXPECT_EQ(renewal(c, id).at("state"), "IN_ASTEPTARE");
}

}  // namespace
}  // namespace certagent::testing
