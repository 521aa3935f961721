#include "ca_layout.hpp"
#include "cert_builder.hpp"
#include "database.hpp"

#include <sstream>

namespace certagent::sandbox {

CaMaterial loadCaMaterial(const CaLayout& layout) {
    if (!std::filesystem::exists(layout.issuingKey()))
        throw Error(ErrorKind::Config,
                    layout.dir.string() + " is not a sandbox CA directory (run `init` first)",
                    layout.issuingKey().string());
    CaMaterial m;
    m.root = loadCert(layout.rootCert());
    m.issuing = loadCert(layout.issuingCert());
    m.issuing_key = loadKey(layout.issuingKey());
    m.chain_pem = readText(layout.caChain());
    if (std::filesystem::exists(layout.publication())) {
        std::istringstream in(readText(layout.publication()));
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("ocsp=", 0) == 0) m.ocsp_url = line.substr(5);
            if (line.rfind("crl=", 0) == 0) m.crl_url = line.substr(4);
        }
    }
    return m;
}

void initCa(const CaLayout& layout) {
    if (std::filesystem::exists(layout.rootCert()))
        throw Error(ErrorKind::Usage, "a sandbox CA already exists in " + layout.dir.string(),
                    layout.rootCert().string());
    std::filesystem::create_directories(layout.caDir());
    std::filesystem::create_directories(layout.outbox());
    std::filesystem::create_directories(layout.issuedDir());

    const NameParts org = {{"C", "RO"}, {"O", "CertAgent Sandbox CA S.A."}};
    auto named = [&](const std::string& cn) {
        auto parts = org;
        parts.emplace_back("CN", cn);
        return makeName(parts);
    };

    auto root_key = generateKey("ec384");
    auto root = makeRootCa(named("CertAgent Sandbox ROOT CA").get(), root_key.get(),
                           validityFromNow(20 * 365, 3600));
    auto ca_key = generateKey("ec384");
    // Backdated by four years so that enroll can issue certificates "issued ~3 years ago" that
    // still chain inside the CA's validity.
    auto ca = makeSubCa(named("CertAgent Sandbox QUALIFIED CA").get(), ca_key.get(), root.get(),
                        root_key.get(), validityFromNow(10 * 365, 4 * 365 * 86400LL));
    auto server_key = generateKey("ec256");
    auto server = makeServerCert(server_key.get(), root.get(), root_key.get(),
                                 validityFromNow(2 * 365, 3600));
    auto tsa_key = generateKey("ec256");
    auto tsa = makeTsaCert(named("CertAgent Sandbox Time Stamping Authority").get(), tsa_key.get(),
                           root.get(), root_key.get(), validityFromNow(5 * 365, 3600));

    writeText(layout.rootKey(), toPem(root_key.get()), true);
    writeText(layout.issuingKey(), toPem(ca_key.get()), true);
    writeText(layout.serverKey(), toPem(server_key.get()), true);
    writeText(layout.tsaKey(), toPem(tsa_key.get()), true);
    writeText(layout.issuingCert(), toPem(ca.get()));
    writeText(layout.serverCert(), toPem(server.get()));
    writeText(layout.tsaCert(), toPem(tsa.get()));
    writeText(layout.portalTrust(), toPem(root.get()));
    writeText(layout.tsaTrust(), toPem(root.get()));
    writeText(layout.caChain(), toPem(ca.get()) + toPem(root.get()));
    Database db(layout.database());
    migrateSchema(db);
    // Written last: its presence means "init finished" (checked above on a second init).
    writeText(layout.rootCert(), toPem(root.get()));
}

}  // namespace certagent::sandbox
