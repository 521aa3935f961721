#pragma once
// A throw-away PKI made with the openssl command line (root CA, signer certificates, a TSA),
// plus the outside checkers the signing tests compare against: pdfsig with an NSS database
// that trusts the root, and `openssl cms -verify` over the extracted byte ranges.
#include <certagent/core/pdf/ossl_ptr.hpp>
#include <temp_dir.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace certagent::pdf::testing {

using certagent::testing::ProcessResult;

// Runs a command and throws with its stderr when it fails.
ProcessResult mustRun(const std::vector<std::string>& argv,
                      const std::vector<std::string>& env = {});

class TestPki {
  public:
    explicit TestPki(const std::filesystem::path& dir);

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path rootPem() const { return dir_ / "root.pem"; }
    std::filesystem::path nssDir() const { return dir_ / "nss"; }

    // A signer key (key_spec "rsa:2048" or "ec:P-256") and certificate issued by the root,
    // with qcStatements QcCompliance. Returns the base path: <name>.key, <name>.pem.
    std::filesystem::path issueSigner(const std::string& name, const std::string& key_spec);
    // A certificate for a public key that lives elsewhere (a token), issued by the root.
    X509Ptr issueForPublicKey(EVP_PKEY* pub, const std::string& common_name);

    // RFC 3161 token over data from a TSA certified by the root (openssl ts -reply).
    std::vector<uint8_t> timestamp(std::span<const uint8_t> data);

    // pdfsig's output, trusting the root through a private NSS database.
    std::string pdfsig(const std::filesystem::path& pdf);
    // openssl cms -verify of a signature (0-based index) against the root; true when it passes.
    bool opensslVerifies(const std::filesystem::path& pdf, int index = 0);

  private:
    std::filesystem::path dir_;
    int counter_ = 0;
};

EvpPkeyPtr loadKey(const std::filesystem::path& pem);
X509Ptr loadCert(const std::filesystem::path& pem);

}  // namespace certagent::pdf::testing
