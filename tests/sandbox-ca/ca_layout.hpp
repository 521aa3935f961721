#pragma once
// Where everything lives inside a sandbox CA directory (made by `init DIR`), and the CA material
// loaded from it. One place names the files so the commands and the docs agree.
#include "ossl.hpp"

#include <filesystem>

namespace certagent::sandbox {

struct CaLayout {
    std::filesystem::path dir;

    std::filesystem::path caDir() const { return dir / "ca"; }
    std::filesystem::path rootCert() const { return caDir() / "root-ca.pem"; }
    std::filesystem::path rootKey() const { return caDir() / "root-ca.key"; }
    std::filesystem::path issuingCert() const { return caDir() / "qualified-ca.pem"; }
    std::filesystem::path issuingKey() const { return caDir() / "qualified-ca.key"; }
    std::filesystem::path serverCert() const { return caDir() / "server.pem"; }
    std::filesystem::path serverKey() const { return caDir() / "server.key"; }
    std::filesystem::path tsaCert() const { return caDir() / "tsa.pem"; }
    std::filesystem::path tsaKey() const { return caDir() / "tsa.key"; }
    // What the agent's [renewal] ca_bundle points to: the anchor of the portal's TLS certificate.
    std::filesystem::path portalTrust() const { return dir / "trust" / "portal-trust.pem"; }
    // Issuing CA + root: the chain of every certificate the sandbox issues.
    std::filesystem::path caChain() const { return dir / "trust" / "ca-chain.pem"; }
    std::filesystem::path tsaTrust() const { return dir / "trust" / "tsa-trust.pem"; }
    std::filesystem::path database() const { return dir / "state.sqlite"; }
    std::filesystem::path outbox() const { return dir / "outbox"; }
    std::filesystem::path issuedDir() const { return dir / "issued"; }
    // `publish`: the OCSP and CRL addresses written into certificates issued from then on.
    std::filesystem::path publication() const { return caDir() / "publication.txt"; }
};

struct CaMaterial {
    X509Ptr root;
    X509Ptr issuing;
    PKeyPtr issuing_key;
    std::string chain_pem;  // issuing + root, PEM
    std::string ocsp_url;   // AIA OCSP of issued certificates (empty: none)
    std::string crl_url;    // their CRL distribution point (empty: none)
};

// Throws certagent::Error(Config) naming the missing file when DIR was not initialised.
CaMaterial loadCaMaterial(const CaLayout& layout);

// `init DIR`: creates the hierarchy, the server and TSA certificates, the trust bundles and the
// empty database. Refuses to overwrite an existing CA (its issued certificates would dangle).
void initCa(const CaLayout& layout);

}  // namespace certagent::sandbox
