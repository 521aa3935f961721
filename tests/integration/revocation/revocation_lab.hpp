#pragma once
// A CA run with the openssl command line, as the outside world runs one: `openssl ca` issues the
// certificates (with AIA OCSP and CRL distribution point URLs on 127.0.0.1) and revokes them in
// its index file, `openssl ca -gencrl` makes the CRL (served by a small HTTP server here), and
// `openssl ocsp` answers from the same index file. A TSA (`openssl ts -reply`) certified by the
// same CA timestamps signatures. Keys are software keys (KeySigner).
#include <certagent/core/pdf/signer.hpp>

#include <background_process.hpp>
#include <temp_dir.hpp>

#include <ctime>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace certagent::testing {

class RevocationLab {
  public:
    RevocationLab();
    ~RevocationLab();
    RevocationLab(const RevocationLab&) = delete;
    RevocationLab& operator=(const RevocationLab&) = delete;

    const std::filesystem::path& dir() const { return tmp_.path(); }
    std::filesystem::path rootPem() const { return dir() / "root.pem"; }
    std::filesystem::path nssDir() const { return dir() / "nss"; }

    // How an issued certificate points to revocation services.
    enum class Publishes {
        OcspAndCrl,    // the running responder and the served CRL
        CrlOnly,       // AIA to a closed port (responder down), the served CRL
        DeadOcspOnly,  // AIA to a closed port, no CRL distribution point
        Nothing,       // no AIA, no CDP
    };
    // A signer (EC P-256) issued by the CA with openssl ca; returns the base path (.key, .pem).
    // `end` sets notAfter (seconds since the epoch); 0: a year. `start` sets notBefore; 0: now.
    std::filesystem::path issue(const std::string& name,
                                Publishes publishes = Publishes::OcspAndCrl, std::time_t end = 0,
                                std::time_t start = 0);
    pdf::KeySigner signer(const std::filesystem::path& base);
    // openssl ca -revoke, a fresh CRL, and the responder restarted so it reads the index again.
    void revoke(const std::filesystem::path& base, const std::string& reason = "keyCompromise");
    void makeCrl();

    // An RFC 3161 token (SHA-256) over `data` from the lab's TSA: a signature value (PAdES
    // B-T) or what a document timestamp covers (B-LTA).
    std::vector<uint8_t> timestamp(std::span<const uint8_t> data);

    std::string ocspUrl() const;
    std::string crlUrl() const;
    int deadPort() const { return dead_port_; }
    // A second responder on its own port answering from the same index but signing with a
    // certificate the CA never authorised.
    std::string rogueOcspUrl() const;

    // pdfsig with an NSS database trusting the root; `qpdf --check`.
    std::string pdfsig(const std::filesystem::path& pdf) const;
    ProcessResult qpdfCheck(const std::filesystem::path& pdf) const;

  private:
    void startResponders();
    TempDir tmp_{"certagent-revocation"};
    struct Http;
    std::unique_ptr<Http> http_;
    int ocsp_port_ = 0, rogue_port_ = 0, dead_port_ = 0;
    std::unique_ptr<BackgroundProcess> ocsp_, rogue_;
    int counter_ = 0;
};

// Runs a command; throws with its output when it fails.
ProcessResult mustRun(const std::vector<std::string>& argv);
// A port nothing listens on (bound, then closed).
int freePort();

}  // namespace certagent::testing
