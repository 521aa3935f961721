#include "first_certificate.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace certagent::sandbox {

HolderInfo holderFromArgs(const CliArgs& args) {
    HolderInfo h;
    h.common_name = args.get("cn").value_or("ION POPESCU");
    auto space = h.common_name.rfind(' ');
    if (space != std::string::npos) {
        h.given_name = h.common_name.substr(0, space);
        h.surname = h.common_name.substr(space + 1);
    }
    if (auto id = args.get("holder-id")) {
        h.holder_id = *id;
    } else {
        unsigned char raw[13];
        RAND_bytes(raw, sizeof raw);
        h.holder_id = "PNORO-";
        for (unsigned char c : raw) h.holder_id += static_cast<char>('0' + c % 10);
    }
    if (auto email = args.get("email")) {
        h.email = *email;
    } else {
        std::string local = h.common_name;
        std::transform(local.begin(), local.end(), local.begin(), [](unsigned char c) {
            return c == ' ' ? '.' : static_cast<char>(std::tolower(c));
        });
        h.email = local + "@example.test";
    }
    return h;
}

Validity firstCertificateValidity(long long days_left, int lifetime_years) {
    Validity v = validityFromNow(days_left, 0);
    v.not_before = v.not_after - static_cast<long long>(lifetime_years) * 365 * 86400;
    return v;
}

CertRecord issueFirstCertificate(const CaLayout& layout, const HolderInfo& holder, EVP_PKEY* pub,
                                 const Validity& validity,
                                 const std::function<void(X509*)>& install) {
    auto ca = loadCaMaterial(layout);
    Database db(layout.database());
    migrateSchema(db);
    Transaction tx(db);
    auto subject = holderSubject(holder);
    auto record = issueAndRecord(db, ca, subject.get(), pub, validity, holder.email);
    auto cert = certFromPem(record.pem);
    install(cert.get());
    tx.commit();
    return record;
}

}  // namespace certagent::sandbox
