// Revocation and long-term validation against peers nobody here wrote: `openssl ocsp` answering
// from an `openssl ca` index with revoked entries, CRLs from `openssl ca -gencrl`, pdfsig and
// qpdf checking what certagent writes at every PAdES level.
#include "revocation_lab.hpp"

#include <sandbox_ca/sandbox_ca.hpp>

#include <certagent/core/error.hpp>
#include <certagent/core/http/client.hpp>
#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/signing/long_term.hpp>
#include <certagent/core/signing/revocation.hpp>
#include <certagent/core/signing/verify.hpp>

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <thread>

namespace certagent {
namespace {

namespace fs = std::filesystem;
using testing::RevocationLab;
using Publishes = RevocationLab::Publishes;
using pdf::Indication;
using pdf::RevocationStatus;

class Revocation : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        lab_ = new RevocationLab();
        pdf::makeSimplePdf(lab_->dir() / "in.pdf", {"Contract", {"Subsemnatul declar.", "ăîșț"}});
    }
    static void TearDownTestSuite() {
        delete lab_;
        lab_ = nullptr;
    }

    static fs::path input() { return lab_->dir() / "in.pdf"; }

    fs::path sign(const fs::path& base, const std::string& out, bool timestamp) {
        auto signer = lab_->signer(base);
        pdf::SignOptions options;
        if (timestamp)
            options.timestamper = [](std::span<const uint8_t> v) { return lab_->timestamp(v); };
        signPdf(input(), lab_->dir() / out, signer, options);
        return lab_->dir() / out;
    }

    pdf::X509StorePtr anchors() { return signing::makeTrustStore({lab_->rootPem()}); }

    signing::VerificationResult verify(const fs::path& pdf, signing::RevocationSettings s = {},
                                       std::optional<std::time_t> at = std::nullopt) {
        auto store = anchors();
        signing::RevocationChecker checker(std::move(s));
        pdf::VerifyOptions options;
        options.at = at;
        return signing::verifyPdfFile(pdf, store.get(), options, &checker);
    }

    static signing::RevocationSettings offline() {
        signing::RevocationSettings s;
        s.online = false;
        return s;
    }

    signing::ExtendResult extend(const fs::path& in, const fs::path& out, signing::PadesLevel l) {
        auto store = anchors();
        signing::RevocationChecker checker({});
        signing::ExtendOptions o;
        o.level = l;
        o.anchors = store.get();
        o.revocation = &checker;
        o.document_timestamper = [](std::span<const uint8_t> covered) {
            return lab_->timestamp(covered);
        };
        return signing::extendPdf(in, out, o);
    }

    static RevocationLab* lab_;
};
RevocationLab* Revocation::lab_ = nullptr;

TEST_F(Revocation, AGoodSignerPassesWithTheResponderAnswerAndThenFromTheCache) {
    auto pdf = sign(lab_->issue("good"), "good.pdf", false);
    testing::TempDir state("certagent-revocation-cache");
    signing::RevocationSettings s;
    s.cache_dir = state.path();
    auto r = verify(pdf, s);
    ASSERT_EQ(r.signatures.size(), 1u);
    const auto& sig = r.signatures[0];
    EXPECT_EQ(r.indication(), Indication::TotalPassed) << sig.verdict_message;
    ASSERT_EQ(sig.revocation.size(), 1u);
    EXPECT_EQ(sig.revocation[0].status, RevocationStatus::Good);
    EXPECT_EQ(sig.revocation[0].source, "ocsp");
    EXPECT_EQ(sig.revocation[0].url, lab_->ocspUrl());
    // Kept until nextUpdate: the second check needs no network at all.
    s.online = false;
    auto again = verify(pdf, s);
    EXPECT_EQ(again.indication(), Indication::TotalPassed);
    EXPECT_EQ(again.signatures[0].revocation[0].source, "cached-ocsp");
}

TEST_F(Revocation, ARevokedSignerFailsOnceATimestampProvesItSignedAfterwards) {
    auto base = lab_->issue("revoked");
    auto before = sign(base, "revoked-bb.pdf", false);
    lab_->revoke(base);
    // Signed (and timestamped) after the revocation: TOTAL-FAILED/REVOKED.
    auto after = sign(base, "revoked-bt.pdf", true);
    auto r = verify(after);
    ASSERT_EQ(r.signatures.size(), 1u);
    EXPECT_EQ(r.indication(), Indication::TotalFailed);
    EXPECT_EQ(r.subIndication(), "REVOKED") << r.signatures[0].verdict_message;
    ASSERT_FALSE(r.signatures[0].revocation.empty());
    const auto& status = r.signatures[0].revocation[0];
    EXPECT_EQ(status.status, RevocationStatus::Revoked);
    EXPECT_EQ(status.revocation_reason, "keyCompromise");
    EXPECT_TRUE(status.revoked_at.has_value());
    // Without a timestamp nothing proves when it was signed: INDETERMINATE/REVOKED_NO_POE.
    auto bb = verify(before);
    EXPECT_EQ(bb.indication(), Indication::Indeterminate);
    EXPECT_EQ(bb.subIndication(), "REVOKED_NO_POE");
    EXPECT_FALSE(bb.allValid());
}

TEST_F(Revocation, TheCrlFromOpensslCaAnswersWhenTheResponderIsDown) {
    auto good = sign(lab_->issue("crl-good", Publishes::CrlOnly), "crl-good.pdf", false);
    auto r = verify(good);
    EXPECT_EQ(r.indication(), Indication::TotalPassed) << r.signatures[0].verdict_message;
    EXPECT_EQ(r.signatures[0].revocation[0].source, "crl");
    auto base = lab_->issue("crl-revoked", Publishes::CrlOnly);
    lab_->revoke(base, "superseded");
    auto revoked = verify(sign(base, "crl-revoked.pdf", false));
    EXPECT_EQ(revoked.subIndication(), "REVOKED_NO_POE");
    EXPECT_EQ(revoked.signatures[0].revocation[0].revocation_reason, "superseded");
}

TEST_F(Revocation, AResponderThatIsDownIsTryLaterNeverPassed) {
    const auto started = std::chrono::steady_clock::now();
    auto r = verify(sign(lab_->issue("down", Publishes::DeadOcspOnly), "down.pdf", false));
    EXPECT_EQ(r.indication(), Indication::Indeterminate);
    EXPECT_EQ(r.subIndication(), "TRY_LATER");
    EXPECT_EQ(r.signatures[0].revocation[0].reason, "unreachable");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    // A certificate that names no service at all is not passed either.
    auto none = verify(sign(lab_->issue("none", Publishes::Nothing), "none.pdf", false));
    EXPECT_EQ(none.subIndication(), "TRY_LATER");
    EXPECT_EQ(none.signatures[0].revocation[0].reason, "no_source");
}

// An HTTP transport that answers what the test says, or forwards to another responder.
class Scripted final : public http::HttpClient {
  public:
    std::function<http::Response(const http::Request&)> answer;
    http::Response perform(const http::Request& r) override { return answer(r); }
};

TEST_F(Revocation, HostileOcspAnswersEachGetTheirOwnReason) {
    // Only an OCSP address (whatever it is, the transport below decides who answers): no CRL
    // to fall back on.
    auto base = lab_->issue("hostile", Publishes::DeadOcspOnly);
    auto signer = lab_->signer(base);
    X509* cert = signer.certificate();
    X509* issuer = sk_X509_value(signer.chain(), 0);
    auto transport = std::make_shared<Scripted>();
    signing::RevocationSettings s;
    s.plain = transport;
    signing::RevocationChecker checker(s);
    http::ClientOptions plain;
    plain.allowPlainHttpToAnyHost = true;
    http::CurlClient real(plain);
    auto forwardTo = [&](const std::string& url) {
        return [&real, url](const http::Request& r) {
            auto copy = r;
            copy.url = url;
            return real.perform(copy);
        };
    };
    const std::time_t now = std::time(nullptr);
    auto reasonFor = [&](std::time_t at = 0) {
        auto st = checker.check(cert, issuer, {}, at ? at : now);
        EXPECT_EQ(st.status, RevocationStatus::Unknown) << st.message;
        EXPECT_FALSE(st.message.empty());
        return st.reason;
    };

    transport->answer = [](const http::Request&) {
        http::Response r;
        r.status = 200;
        r.body = std::string("\x30\x82\xff\xff garbage", 12);
        return r;
    };
    EXPECT_EQ(reasonFor(), "garbage");

    transport->answer = forwardTo(lab_->rogueOcspUrl());
    EXPECT_EQ(reasonFor(), "wrong_signer");

    // A real answer from the real responder, replayed for the next request: another nonce.
    http::Response recorded;
    transport->answer = [&](const http::Request& r) {
        recorded = forwardTo(lab_->ocspUrl())(r);
        return recorded;
    };
    EXPECT_EQ(checker.check(cert, issuer, {}, now).status, RevocationStatus::Good);
    transport->answer = [&](const http::Request&) { return recorded; };
    EXPECT_EQ(reasonFor(), "wrong_nonce");

    // The responder's nextUpdate is a day ahead: three days later its answer is stale.
    transport->answer = forwardTo(lab_->ocspUrl());
    EXPECT_EQ(reasonFor(now + 3 * 86400), "stale");

    // The real answer with one byte of its signature changed.
    transport->answer = [&](const http::Request& r) {
        auto a = forwardTo(lab_->ocspUrl())(r);
        const unsigned char* p = reinterpret_cast<const unsigned char*>(a.body.data());
        OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(a.body.size()));
        OCSP_BASICRESP* bs = resp ? OCSP_response_get1_basic(resp) : nullptr;
        if (!bs) return a;
        auto* sig = const_cast<ASN1_OCTET_STRING*>(OCSP_resp_get0_signature(bs));
        sig->data[sig->length / 2] ^= 0x01;
        OCSP_RESPONSE* forged = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
        unsigned char* der = nullptr;
        const int n = i2d_OCSP_RESPONSE(forged, &der);
        a.body.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
        OPENSSL_free(der);
        OCSP_RESPONSE_free(forged);
        OCSP_BASICRESP_free(bs);
        OCSP_RESPONSE_free(resp);
        return a;
    };
    EXPECT_EQ(reasonFor(), "bad_signature");

    transport->answer = [](const http::Request&) {
        http::Response r;
        r.status = 500;
        return r;
    };
    EXPECT_EQ(reasonFor(), "http_status");

    transport->answer = [](const http::Request& r) -> http::Response {
        throw retryableError(ErrorKind::Network, "connection refused", r.url);
    };
    EXPECT_EQ(reasonFor(), "unreachable");
}

TEST_F(Revocation, AnAddressThatFailedIsNotAskedAgainAndTheTimeIsBounded) {
    auto first = lab_->signer(lab_->issue("memo-1", Publishes::DeadOcspOnly));
    auto second = lab_->signer(lab_->issue("memo-2", Publishes::DeadOcspOnly));
    auto transport = std::make_shared<Scripted>();
    int asked = 0;
    transport->answer = [&](const http::Request& r) -> http::Response {
        ++asked;
        throw retryableError(ErrorKind::Network, "timed out", r.url);
    };
    signing::RevocationSettings s;
    s.plain = transport;
    signing::RevocationChecker checker(s);
    const std::time_t now = std::time(nullptr);
    for (auto* signer : {&first, &second})
        EXPECT_EQ(
            checker.check(signer->certificate(), sk_X509_value(signer->chain(), 0), {}, now).reason,
            "unreachable");
    EXPECT_EQ(asked, 1);  // the same responder: asked once

    s.budget = std::chrono::seconds(-1);  // spent before it starts
    signing::RevocationChecker late(s);
    EXPECT_EQ(late.check(first.certificate(), sk_X509_value(first.chain(), 0), {}, now).reason,
              "timed_out");
    EXPECT_EQ(asked, 1);
}

TEST_F(Revocation, TooLargeAnswersAreCutOff) {
    auto base = lab_->issue("large");
    auto signer = lab_->signer(base);
    // A responder that sends 10 MB: the OCSP limit is 64 KiB.
    httplib::Server big;
    big.Post("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(10u << 20, 'x'), "application/ocsp-response");
    });
    const int port = big.bind_to_any_port("127.0.0.1");
    std::thread t([&] { big.listen_after_bind(); });
    signing::RevocationSettings s;
    s.plain = std::make_shared<Scripted>();
    static_cast<Scripted*>(s.plain.get())->answer = [port](const http::Request& r) {
        http::ClientOptions o;
        o.maxResponseBytes = 64u << 10;
        o.allowPlainHttpToAnyHost = true;
        http::CurlClient c(o);
        auto copy = r;
        copy.url = "http://127.0.0.1:" + std::to_string(port) + "/";
        return c.perform(copy);
    };
    signing::RevocationChecker checker(s);
    auto st = checker.check(signer.certificate(), sk_X509_value(signer.chain(), 0), {},
                            std::time(nullptr));
    big.stop();
    t.join();
    EXPECT_EQ(st.reason, "too_large") << st.message;
}

TEST_F(Revocation, BltAndBltaAreAcceptedByPdfsigAndQpdfAndVerifyOffline) {
    auto bt = sign(lab_->issue("lt"), "lt-bt.pdf", true);
    const auto blt = lab_->dir() / "lt-blt.pdf";
    auto added = extend(bt, blt, signing::PadesLevel::BLT);
    EXPECT_EQ(added.signatures, 1);
    EXPECT_GE(added.ocsp_responses, 2u);  // the signer's and the TSA's
    EXPECT_GE(added.certificates, 3u);
    // A VRI entry keyed by the SHA-1 of the signature's /Contents, written in the DSS itself.
    EXPECT_TRUE(std::regex_search(testing::readFile(blt),
                                  std::regex(R"(/VRI\s*<<\s*/[0-9A-F]{40}\s*<<\s*/Cert)")));
    // The original bytes are kept: incremental updates only.
    const auto original = testing::readFile(bt);
    EXPECT_EQ(testing::readFile(blt).substr(0, original.size()), original);

    auto r = verify(blt, offline());
    ASSERT_EQ(r.signatures.size(), 1u);
    const auto& sig = r.signatures[0];
    EXPECT_EQ(r.indication(), Indication::TotalPassed) << sig.verdict_message;
    EXPECT_EQ(sig.revocation[0].source, "embedded-ocsp");
    EXPECT_EQ(sig.revisions_after, 1);  // the DSS
    ASSERT_FALSE(sig.changes_after.empty());
    for (const auto& c : sig.changes_after) EXPECT_TRUE(c.allowed) << c.what;

    const auto blta = lab_->dir() / "lt-blta.pdf";
    auto more = extend(blt, blta, signing::PadesLevel::BLTA);
    EXPECT_TRUE(more.document_timestamp);
    auto a = verify(blta, offline());
    ASSERT_EQ(a.signatures.size(), 2u);
    EXPECT_FALSE(a.signatures[0].document_timestamp);
    EXPECT_TRUE(a.signatures[1].document_timestamp);
    EXPECT_EQ(a.signatures[0].revisions_after, 2);  // the DSS, the document timestamp
    EXPECT_TRUE(a.signatures[1].covers_whole_file);
    EXPECT_EQ(a.signatures[1].sub_filter, "ETSI.RFC3161");
    EXPECT_TRUE(a.signatures[1].timestamp_trusted) << a.signatures[1].timestamp_message;
    EXPECT_EQ(a.signatures[1].status, pdf::SignatureStatus::Valid) << a.signatures[1].message;
    EXPECT_EQ(a.signatures[0].indication, Indication::TotalPassed)
        << a.signatures[0].verdict_message;
    // The document timestamp's own validation data comes with the next extend; online it is
    // checked now.
    auto online = verify(blta);
    EXPECT_EQ(online.indication(), Indication::TotalPassed)
        << online.signatures[0].verdict_message << " / " << online.signatures[1].verdict_message;

    for (const auto& f : {bt, blt, blta}) {
        const auto out = lab_->pdfsig(f);
        EXPECT_NE(out.find("Signature Type: ETSI.CAdES.detached"), std::string::npos) << out;
        EXPECT_NE(out.find("Signature Validation: Signature is Valid."), std::string::npos) << out;
        const auto q = lab_->qpdfCheck(f);
        EXPECT_EQ(q.exit_code, 0) << f << q.out << q.err;
        EXPECT_EQ(q.err.find("WARNING"), std::string::npos) << f << q.err;
        EXPECT_NE(q.out.find("No syntax or stream encoding errors found"), std::string::npos)
            << q.out;
    }
    // poppler 22.12 lists the document timestamp but cannot validate ETSI.RFC3161 ("Signature
    // Type: unknown"); the signature before it stays valid.
    EXPECT_NE(lab_->pdfsig(blta).find("Signature Field Name: Timestamp1"), std::string::npos)
        << lab_->pdfsig(blta);
}

TEST_F(Revocation, AFileWithCrossReferenceStreamsIsExtendedSoundly) {
    // qpdf rewrites the input with object streams and a cross-reference stream (PDF 1.5).
    const auto packed = lab_->dir() / "packed.pdf";
    auto q = testing::runProcess(
        {"qpdf", "--object-streams=generate", input().string(), packed.string()});
    ASSERT_EQ(q.exit_code, 0) << q.err;
    ASSERT_NE(testing::readFile(packed).find("/XRef"), std::string::npos);
    auto signer = lab_->signer(lab_->issue("packed"));
    pdf::SignOptions options;
    options.timestamper = [](std::span<const uint8_t> v) { return lab_->timestamp(v); };
    const auto bt = lab_->dir() / "packed-bt.pdf", blt = lab_->dir() / "packed-blt.pdf";
    signPdf(packed, bt, signer, options);
    extend(bt, blt, signing::PadesLevel::BLT);
    auto r = verify(blt, offline());
    EXPECT_EQ(r.indication(), Indication::TotalPassed) << r.signatures[0].verdict_message;
    for (const auto& c : r.signatures[0].changes_after) EXPECT_TRUE(c.allowed) << c.what;
    auto check = lab_->qpdfCheck(blt);
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_NE(lab_->pdfsig(blt).find("Signature Validation: Signature is Valid."),
              std::string::npos)
        << lab_->pdfsig(blt);
}

TEST_F(Revocation, AnExpiredSignerWithEmbeddedEvidencePassesAtItsSigningTime) {
    const std::time_t now = std::time(nullptr);
    auto base = lab_->issue("expiring", Publishes::OcspAndCrl, now + 2 * 86400);
    auto bt = sign(base, "expiring-bt.pdf", true);
    const auto blt = lab_->dir() / "expiring-blt.pdf";
    extend(bt, blt, signing::PadesLevel::BLT);
    const std::time_t later = now + 10 * 86400;  // the certificate expired a week ago
    auto r = verify(blt, offline(), later);
    ASSERT_EQ(r.signatures.size(), 1u);
    EXPECT_EQ(r.indication(), Indication::TotalPassed) << r.signatures[0].verdict_message;
    EXPECT_TRUE(r.signatures[0].chain_valid_at_signing_time_only);
    EXPECT_FALSE(r.signatures[0].timestamp_revocation.empty());
    EXPECT_EQ(r.signatures[0].timestamp_revocation[0].status, RevocationStatus::Good);
    // Only B-T, offline: the TSA's status is not known, so its timestamp proves nothing and
    // the expired certificate cannot pass.
    auto only_bt = verify(bt, offline(), later);
    EXPECT_EQ(only_bt.subIndication(), "OUT_OF_BOUNDS_NO_POE");
    EXPECT_NE(only_bt.signatures[0].verdict_message.find("timestamp's authority"),
              std::string::npos)
        << only_bt.signatures[0].verdict_message;
    // Without the timestamp nothing proves the signature is older than the expiry.
    auto bb = verify(sign(base, "expiring-bb.pdf", false), offline(), later);
    EXPECT_EQ(bb.indication(), Indication::Indeterminate);
    EXPECT_EQ(bb.subIndication(), "OUT_OF_BOUNDS_NO_POE");
}

// Appends an incremental update that replaces object `num` with `body` (a complete object
// value, stream included), as an editor saving changes would.
void appendUpdate(const fs::path& pdf, unsigned num, const std::string& body) {
    std::string data = testing::readFile(pdf);
    std::string root, size;
    const std::regex root_re(R"(/Root\s+(\d+\s+\d+\s+R))"), size_re(R"(/Size\s+(\d+))");
    for (std::sregex_iterator it(data.begin(), data.end(), root_re), end; it != end; ++it)
        root = (*it)[1];
    for (std::sregex_iterator it(data.begin(), data.end(), size_re), end; it != end; ++it)
        size = (*it)[1];
    const auto sx = data.rfind("startxref");
    const std::string prev = data.substr(sx + 10, data.find_first_of("\r\n", sx + 10) - sx - 10);
    if (data.back() != '\n') data += "\n";
    const size_t offset = data.size();
    data += std::to_string(num) + " 0 obj\n" + body + "\nendobj\n";
    const size_t xref = data.size();
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    data += "xref\n" + std::to_string(num) + " 1\n" + entry + "trailer\n<< /Size " + size +
            " /Root " + root + " /Prev " + prev + " >>\nstartxref\n" + std::to_string(xref) +
            "\n%%EOF\n";
    testing::writeFile(pdf, data);
}

TEST_F(Revocation, APageChangedAfterSigningFailsNamingTheChange) {
    auto pdf = sign(lab_->issue("edited"), "edited.pdf", false);
    const auto data = testing::readFile(pdf);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(data, m, std::regex(R"(/Contents\s+(\d+)\s+0\s+R)")));
    const unsigned content = static_cast<unsigned>(std::stoul(m[1]));
    const std::string text = "BT /F1 12 Tf 72 700 Td (Suma: 1.000.000 lei) Tj ET";
    appendUpdate(
        pdf, content,
        "<< /Length " + std::to_string(text.size()) + " >>\nstream\n" + text + "\nendstream");
    auto r = verify(pdf);
    ASSERT_EQ(r.signatures.size(), 1u);
    EXPECT_EQ(r.indication(), Indication::TotalFailed);
    EXPECT_EQ(r.subIndication(), "FORMAT_FAILURE");
    EXPECT_NE(r.signatures[0].verdict_message.find("page 1: its content was changed"),
              std::string::npos)
        << r.signatures[0].verdict_message;
    ASSERT_EQ(r.signatures[0].changes_after.size(), 1u);
    EXPECT_FALSE(r.signatures[0].changes_after[0].allowed);
    EXPECT_EQ(lab_->qpdfCheck(pdf).exit_code, 0);  // a sound PDF, just not what was signed
}

TEST_F(Revocation, TheCliSaysTheVerdictAndExitsOneUnlessPassed) {
    auto good = sign(lab_->issue("cli-good"), "cli-good.pdf", false);
    auto down = sign(lab_->issue("cli-down", Publishes::DeadOcspOnly), "cli-down.pdf", false);
    testing::TempDir home("certagent-revocation-cli");
    testing::writeFile(home / "agent.toml",
                       "[verify]\nca_bundle = \"" + lab_->rootPem().string() + "\"\n");
    auto cli = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {CERTAGENT_CLI, "--config", (home / "agent.toml").string(),
                                   "--state-dir", (home / "state").string()});
        return testing::runProcess(args, {"LANGUAGE=en", "LANG=C.UTF-8"});
    };
    auto ok = cli({"verify", good.string()});
    EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    EXPECT_NE(ok.out.find("TOTAL-PASSED: every signature is valid."), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("Revocation: "), std::string::npos) << ok.out;
    auto bad = cli({"--json", "verify", down.string()});
    EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
    auto j = nlohmann::json::parse(bad.out);
    EXPECT_EQ(j["indication"], "INDETERMINATE");
    EXPECT_EQ(j["sub_indication"], "TRY_LATER");
    EXPECT_EQ(j["valid"], false);
    EXPECT_EQ(j["signatures"][0]["revocation"][0]["reason"], "unreachable");
    auto text = cli({"verify", down.string()});
    EXPECT_NE(text.out.find("INDETERMINATE (TRY_LATER): signature 1:"), std::string::npos)
        << text.out;
}

TEST_F(Revocation, TheCliExtendsToBltAndBltaWithTheConfiguredTsa) {
    auto pdf = sign(lab_->issue("cli-extend"), "cli-extend.pdf", false);
    // The document timestamp comes from the sandbox CA's TSA (RFC 3161 over HTTP).
    testing::TempDir dir("certagent-revocation-extend");
    testing::SandboxCa ca(dir / "ca");
    ca.start();
    auto account = ca.tsaAccount("PNORO-EXTEND-1");
    const auto bundle = dir / "anchors.pem";
    testing::writeFile(bundle, testing::readFile(lab_->rootPem()) +
                                   testing::readFile(ca.dir() / "trust" / "tsa-trust.pem"));
    testing::writeFile(dir / "agent.toml", "[verify]\nca_bundle = \"" + bundle.string() +
                                               "\"\n[timestamps]\nurl = \"" + ca.tsaUrl() +
                                               "\"\nca_bundle = \"" + ca.tsaTrust().string() +
                                               "\"\nusername = \"" + account.username +
                                               "\"\npassword_env = \"EXTEND_TSA_PASSWORD\"\n");
    auto cli = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {CERTAGENT_CLI, "--config", (dir / "agent.toml").string(),
                                   "--state-dir", (dir / "state").string()});
        return testing::runProcess(
            args, {"LANGUAGE=en", "CERTAGENT_CONFIG=", "EXTEND_TSA_PASSWORD=" + account.password});
    };
    const auto lt = dir / "lt.pdf";
    auto r = cli({"--json", "extend", pdf.string(), "--level", "B-LT", "-o", lt.string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["profile"], "PAdES-B-LT");
    EXPECT_EQ(j["added"]["ocsp_responses"], 1);
    auto v = cli({"verify", lt.string(), "--offline"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    // An existing output is not replaced without --force.
    EXPECT_EQ(cli({"extend", pdf.string(), "--level", "B-LT", "-o", lt.string()}).exit_code, 2);

    auto a = cli({"--json", "extend", lt.string(), "--level", "B-LTA"});  // in place
    ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
    EXPECT_TRUE(nlohmann::json::parse(a.out)["document_timestamp"].get<bool>());
    auto va = cli({"--json", "verify", lt.string(), "--offline"});
    auto vj = nlohmann::json::parse(va.out);
    ASSERT_EQ(vj["signatures"].size(), 2u) << va.out;
    EXPECT_EQ(vj["signatures"][0]["indication"], "TOTAL-PASSED") << va.out;
    EXPECT_TRUE(vj["signatures"][1]["document_timestamp"].get<bool>());
    EXPECT_TRUE(vj["signatures"][1]["timestamp"]["trusted"].get<bool>()) << va.out;
    EXPECT_EQ(lab_->qpdfCheck(lt).exit_code, 0);
    // B-B is not a level a signed PDF is extended to.
    EXPECT_EQ(cli({"extend", lt.string(), "--level", "B-B"}).exit_code, 2);
}

TEST(SandboxCaRevocation, ItPublishesAiaAndCdpServesItsCrlAndRevokes) {
    testing::TempDir dir("certagent-sandbox-revocation");
    testing::SandboxCa ca(dir / "ca");
    ca.start();
    const std::string base = ca.tsaUrl().substr(0, ca.tsaUrl().rfind('/'));
    const int ocsp_port = testing::freePort();
    const std::string ocsp_url = "http://127.0.0.1:" + std::to_string(ocsp_port) + "/";
    auto p = ca.cli({"publish", "--ocsp-url", ocsp_url, "--crl-url", base + "/crl/qualified-ca.crl",
                     "--root-crl-url", base + "/crl/root-ca.crl"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto holder = ca.issueHolder();
    auto load = [](const fs::path& pem) {
        BIO* bio = BIO_new_file(pem.c_str(), "r");
        pdf::X509Ptr c(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
        BIO_free(bio);
        return c;
    };
    auto cert = load(holder.cert);
    auto issuer = load(ca.dir() / "ca" / "qualified-ca.pem");
    ASSERT_TRUE(cert && issuer);
    EXPECT_EQ(signing::ocspUrls(cert.get()), std::vector<std::string>{ocsp_url});
    EXPECT_EQ(signing::crlUrls(cert.get()),
              std::vector<std::string>{base + "/crl/qualified-ca.crl"});
    // The issuing CA and the TSA, issued again, name the root's CRL, which the sandbox serves.
    auto root = load(ca.dir() / "ca" / "root-ca.pem");
    auto tsa = load(ca.dir() / "ca" / "tsa.pem");
    ASSERT_TRUE(root && tsa);
    EXPECT_EQ(signing::crlUrls(issuer.get()), std::vector<std::string>{base + "/crl/root-ca.crl"});
    EXPECT_EQ(signing::crlUrls(tsa.get()), std::vector<std::string>{base + "/crl/root-ca.crl"});
    EXPECT_EQ(X509_verify(issuer.get(), X509_get0_pubkey(root.get())), 1);
    {
        signing::RevocationChecker checker({});
        auto st = checker.check(issuer.get(), root.get(), {}, std::time(nullptr));
        EXPECT_EQ(st.status, RevocationStatus::Good) << st.message;
        EXPECT_EQ(st.source, "crl");
        auto t = checker.check(tsa.get(), root.get(), {}, std::time(nullptr));
        EXPECT_EQ(t.status, RevocationStatus::Good) << t.message;
    }

    // openssl ocsp answering from the register the sandbox exports.
    auto responder = [&] {
        auto x = ca.cli({"ocsp-index", "--out", (dir / "index.txt").string()});
        EXPECT_EQ(x.exit_code, 0) << x.err;
        fs::remove(dir / "ocsp.log");
        auto proc = std::make_unique<testing::BackgroundProcess>(
            std::vector<std::string>{"openssl", "ocsp", "-index", (dir / "index.txt").string(),
                                     "-port", std::to_string(ocsp_port), "-rsigner",
                                     (ca.dir() / "ca" / "qualified-ca.pem").string(), "-rkey",
                                     ca.issuingCaKey().string(), "-CA",
                                     (ca.dir() / "ca" / "qualified-ca.pem").string(), "-ndays",
                                     "1"},
            std::vector<std::string>{}, dir / "ocsp.log");
        testing::waitUntil(
            [&] {
                return testing::readFile(dir / "ocsp.log").find("waiting for OCSP") !=
                       std::string::npos;
            },
            std::chrono::seconds(10));
        return proc;
    };
    const std::time_t now = std::time(nullptr);
    {
        auto ocsp = responder();
        signing::RevocationChecker checker({});
        auto st = checker.check(cert.get(), issuer.get(), {}, now);
        EXPECT_EQ(st.status, RevocationStatus::Good) << st.message;
        EXPECT_EQ(st.source, "ocsp");
    }
    ca.revoke(holder.serial);
    {
        // The responder is down: the CRL the sandbox serves says it at once.
        signing::RevocationChecker checker({});
        auto st = checker.check(cert.get(), issuer.get(), {}, std::time(nullptr));
        EXPECT_EQ(st.status, RevocationStatus::Revoked) << st.message;
        EXPECT_EQ(st.source, "crl");
        EXPECT_EQ(st.revocation_reason, "keyCompromise");
    }
    {
        auto ocsp = responder();
        signing::RevocationChecker checker({});
        auto st = checker.check(cert.get(), issuer.get(), {}, std::time(nullptr));
        EXPECT_EQ(st.status, RevocationStatus::Revoked) << st.message;
        EXPECT_EQ(st.source, "ocsp");
    }
    auto crl = ca.cli({"crl", "--out", (dir / "ca.crl").string()});
    ASSERT_EQ(crl.exit_code, 0) << crl.err;
    auto text = testing::runProcess(
        {"openssl", "crl", "-inform", "DER", "-in", (dir / "ca.crl").string(), "-noout", "-text"});
    EXPECT_NE(text.out.find(holder.serial), std::string::npos) << text.out;
}

}  // namespace
}  // namespace certagent
