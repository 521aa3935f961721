#pragma once
// Shared steps of the sandbox CA contract tests: a server per test in its own TempDir, holders
// with active accounts, and the client-side pieces of a renewal (identity PDF, signed
// declaration through certagent::pdf, CSR) so each test states only what it proves.
#include "sandbox_ca/sandbox_ca.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace certagent::testing {

// Owned OpenSSL key (tests free it themselves through this).
using TestKey = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
TestKey generateTestKey(const std::string& spec);  // ec256, ec384, rsa1024, rsa2048
TestKey loadTestKey(const std::filesystem::path& pem);
std::string testKeyPem(EVP_PKEY* key);

// A PKCS#10 request (PEM) for `subject_of`'s subject (or a given one-line "/C=RO/CN=X"), signed
// by `key`.
std::string makeCsr(EVP_PKEY* key, const std::filesystem::path& subject_of_cert);
std::string makeCsrWithSubject(EVP_PKEY* key, const std::string& slash_subject);

class PortalTest : public ::testing::Test {
  protected:
    void startCa(SandboxCaOptions options = {});
    std::string api(const std::string& path) const { return ca->url() + "api/v1/" + path; }
    static std::string newKey();  // a fresh Idempotency-Key
    HttpsTestClient clientFor(const SandboxHolder& h) const;
    HttpsTestClient anonymous() const;
    // Issues a holder certificate and creates + confirms its account.
    SandboxHolder activeHolder(HolderSpec spec = {});

    std::string identityPdf() const;  // a small real PDF (makeSimplePdf)
    // Signs `pdf` with the holder's certificate and key (PAdES, certagent::pdf::signPdf).
    std::string signPdfAs(const std::string& pdf, const SandboxHolder& signer) const;

    // Steps of the flow; each asserts its HTTP status and returns the renewal JSON.
    nlohmann::json createRenewal(const HttpsTestClient& c, const SandboxHolder& h,
                                 const std::string& product = "QCERT-NP-2Y");
    nlohmann::json uploadIdentity(const HttpsTestClient& c, const std::string& id);
    std::string declaration(const HttpsTestClient& c, const std::string& id);
    nlohmann::json uploadSignedDeclaration(const HttpsTestClient& c, const SandboxHolder& h,
                                           const std::string& id);
    nlohmann::json submit(const HttpsTestClient& c, const std::string& id);
    nlohmann::json renewal(const HttpsTestClient& c, const std::string& id);
    // create .. submit; returns the id.
    std::string createAndSubmit(const HttpsTestClient& c, const SandboxHolder& h);

    TempDir tmp{"sandbox-ca-test"};
    std::unique_ptr<SandboxCa> ca;
};

}  // namespace certagent::testing
