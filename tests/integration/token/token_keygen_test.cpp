#include "token_test_util.hpp"

#include <openssl/pem.h>

using namespace certagent;
using namespace certagent::token;
using namespace certagent::token::testing;
using certagent::testing::readFile;
using certagent::testing::runProcess;
using certagent::testing::SoftHsm;
using certagent::testing::writeFile;

namespace {

CsrRequest renewalRequest(const std::string& cn) {
    CsrRequest r;
    r.subject = {{"C", "RO"}, {"O", "Exemplu SRL"}, {"CN", cn}};
    r.extensions = {{"keyUsage", "critical,digitalSignature,nonRepudiation"},
                    {"subjectAltName", "email:ion@example.ro"}};
    return r;
}

// openssl req -verify on the CSR; returns its text dump.
std::string verifyCsr(const SoftHsm& hsm, const Bytes& der) {
    auto file = hsm.dir() / "req.der";
    writeFile(file, std::string(der.begin(), der.end()));
    auto r = runProcess({"openssl", "req", "-inform", "DER", "-in", file.string(), "-verify",
                         "-noout", "-text"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE((r.out + r.err).find("verify OK"), std::string::npos) << r.out << r.err;
    return r.out;
}

}  // namespace

class KeyGeneration : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeyGeneration, MakesAProtectedKeyPairAndAVerifiableCsr) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Keygen");
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    auto key = session->generateKeyPair(GetParam(), "Reinnoire 2025");
    EXPECT_EQ(key.id.size(), 20u);
    EXPECT_EQ(key.label, "Reinnoire 2025");

    // The token, read by another program, holds the pair with our id and attributes.
    auto listed = hsm.pkcs11Tool(t, {"--list-objects", "--type", "privkey"}, true);
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find(toHex(key.id)), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("Reinnoire 2025"), std::string::npos);
    EXPECT_NE(listed.out.find("sensitive"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("never extractable"), std::string::npos) << listed.out;

    auto csr = session->createCsr(key.id, renewalRequest("Ion Popescu"));
    auto text = verifyCsr(hsm, csr);
    EXPECT_NE(text.find("CN = Ion Popescu"), std::string::npos) << text;
    EXPECT_NE(text.find("Non Repudiation"), std::string::npos);
    EXPECT_NE(text.find("email:ion@example.ro"), std::string::npos);
    bool rsa = GetParam() == KeyType::Rsa2048 || GetParam() == KeyType::Rsa3072;
    EXPECT_NE(text.find(rsa ? "rsaEncryption" : "id-ecPublicKey"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(EachSupportedType, KeyGeneration,
                         ::testing::Values(KeyType::Rsa2048, KeyType::Rsa3072, KeyType::EcP256,
                                           KeyType::EcP384),
                         [](const auto& p) {
                             std::string n = keyTypeName(p.param);
                             n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
                             return n;
                         });

// RSA-4096 generation takes seconds on SoftHSM: one test only.
TEST(KeyGenerationSlow, Rsa4096) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Big");
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    auto key = session->generateKeyPair(KeyType::Rsa4096);
    EXPECT_EQ(EVP_PKEY_get_bits(session->publicKey(key.id).get()), 4096);
    verifyCsr(hsm, session->createCsr(key.id, renewalRequest("Big Key")));
}

TEST(CertificateInstall, WritesUnderTheKeyIdReadsBackAndPkcs11ToolAgrees) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Install");
    auto old = hsm.addCertificate(t, {.commonName = "Ion Popescu", .notAfterDays = 5});
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    auto key = session->generateKeyPair(KeyType::EcP256, "Ion Popescu 2025");
    auto certDer = hsm.issueCertificate(session->createCsr(key.id, renewalRequest("Ion Popescu")),
                                        730);

    // A certificate for another key is refused and nothing is written.
    auto e = expectError([&] { session->installCertificate(fromHex(old.idHex), certDer); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);

    session->installCertificate(key.id, certDer);
    session->installCertificate(key.id, certDer);  // a resumed renewal: no duplicate
    EXPECT_EQ(session->certificate(key.id), certDer);

    // Both the old and the new certificate are there, each with its key.
    auto certs = session->certificates();
    ASSERT_EQ(certs.size(), 2u);
    ASSERT_NE(findById(certs, toHex(key.id)), nullptr);
    EXPECT_TRUE(findById(certs, toHex(key.id))->hasPrivateKey);
    EXPECT_EQ(findById(certs, toHex(key.id))->label, "Ion Popescu");
    EXPECT_NE(findById(certs, old.idHex), nullptr);

    // Cross-check with OpenSC: the object it reads under our id is byte for byte ours.
    auto listed = hsm.pkcs11Tool(t, {"--list-objects", "--type", "cert"});
    EXPECT_NE(listed.out.find("ID:         " + toHex(key.id)), std::string::npos) << listed.out;
    auto out = hsm.dir() / "readback.der";
    auto read = hsm.pkcs11Tool(t, {"--read-object", "--type", "cert", "--id", toHex(key.id),
                                   "--output-file", out.string()});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto bytes = readFile(out);
    EXPECT_EQ(Bytes(bytes.begin(), bytes.end()), certDer);
    size_t count = 0;
    for (size_t pos = 0; (pos = listed.out.find("Certificate Object", pos)) != std::string::npos; ++pos)
        ++count;
    EXPECT_EQ(count, 2u);
}

TEST(CertificateInstall, DeletesOnlyWhatIsAskedForById) {
    SoftHsm hsm;
    auto& t = hsm.createToken("Delete");
    auto a = hsm.addCertificate(t, {.commonName = "Keep"});
    auto b = hsm.addCertificate(t, {.commonName = "Drop"});
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    EXPECT_EQ(session->deleteObjects("certificate", fromHex(b.idHex)), 1);
    auto certs = session->certificates();
    ASSERT_EQ(certs.size(), 1u);
    EXPECT_EQ(toHex(certs[0].id), a.idHex);
    EXPECT_TRUE(certs[0].hasPrivateKey);
}

TEST(CertificateInstall, DeletingByContentRefusesAnotherCertificateUnderTheSameId) {
    SoftHsm hsm;
    auto& t = hsm.createToken("DeleteByContent");
    auto a = hsm.addCertificate(t, {.commonName = "Old"});
    auto other = hsm.addCertificate(t, {.commonName = "Other"});
    hsm.activate();
    TokenService service(softHsmModules());
    auto session = service.open(t.serial);
    session->login(fixedPin(t.pin));
    // Another certificate's DER under a's id: nothing is deleted, not even a's key.
    try {
        session->deleteCertificateAndKeys(fromHex(a.idHex),
                                          Bytes(other.der.begin(), other.der.end()));
        ADD_FAILURE() << "deleted although the DER differs";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Rejected);
    }
    auto certs = session->certificates();
    ASSERT_EQ(certs.size(), 2u);
    for (const auto& c : certs) EXPECT_TRUE(c.hasPrivateKey) << toHex(c.id);
    // Its own DER: the certificate and its key pair go, the other stays whole.
    auto done =
        session->deleteCertificateAndKeys(fromHex(a.idHex), Bytes(a.der.begin(), a.der.end()));
    EXPECT_EQ(done.certificates, 1);
    EXPECT_EQ(done.privateKeys, 1);
    certs = session->certificates();
    ASSERT_EQ(certs.size(), 1u);
    EXPECT_EQ(toHex(certs[0].id), other.idHex);
    EXPECT_TRUE(certs[0].hasPrivateKey);
    auto listed = hsm.pkcs11Tool(t, {"--list-objects", "--type", "privkey"}, true);
    EXPECT_EQ(listed.out.find("ID:         " + a.idHex), std::string::npos) << listed.out;
}
