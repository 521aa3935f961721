// The EU trusted lists end to end: a LOTL and national lists signed with xmlsec1, served over
// TLS on 127.0.0.1, downloaded, verified and cached by updateTrustedList and by the
// certagent-cli trusted-list command, then used to verify a CAdES signature.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>

#include "background_process.hpp"
#include "certagent/core/agent.hpp"
#include "certagent/core/paths.hpp"
#include "revocation_lab.hpp"

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/signing/trusted_list.hpp"
#include "certagent/core/signing/verify.hpp"
#include "eu_lists_lab.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using signing::loadTrustedList;
using signing::updateTrustedList;

config::Config loadConfig(const fs::path& file) {
    config::LoadOptions o;
    o.policy_file = file.parent_path() / "no-policy.toml";
    o.user_file = file.parent_path() / "no-user.toml";
    o.explicit_file = file;
    o.read_environment = false;
    auto c = config::Config::load(o);
    c.throwIfErrors();
    return c;
}

std::vector<std::vector<uint8_t>> pemCertificates(const fs::path& pem) {
    std::vector<std::vector<uint8_t>> out;
    pdf::BioPtr bio(BIO_new_file(pem.c_str(), "r"));
    while (bio) {
        pdf::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        unsigned char* der = nullptr;
        int n = i2d_X509(cert.get(), &der);
        out.emplace_back(der, der + n);
        OPENSSL_free(der);
    }
    return out;
}

// Every file of the cache, path → bytes.
std::map<std::string, std::string> snapshot(const fs::path& state) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(state / "trust"))
        if (e.is_regular_file()) files[e.path().string()] = readFile(e.path());
    return files;
}

class TrustedListTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { lab = new EuListsLab(); }
    static void TearDownTestSuite() {
        delete lab;
        lab = nullptr;
    }
    static EuListsLab* lab;

    TempDir tmp{"certagent-lotl-state"};
    fs::path state = tmp / "state";

    config::Config configFor(const std::string& lotl, const std::string& extra = {}) {
        return loadConfig(
            lab->writeConfig(lotl + "-" + std::to_string(++n_) + ".toml",
                             lotl.find("://") == std::string::npos ? lab->url(lotl) : lotl, extra));
    }
    int n_ = 0;

    // lotl.xml with only `verify_lines` besides the URL (writeConfig adds signers and TLS).
    config::Config sparseConfig(const std::string& verify_lines) {
        auto file = tmp / ("sparse-" + std::to_string(++n_) + ".toml");
        writeFile(file,
                  "[verify]\ntrusted_list_url = \"" + lab->url("lotl.xml") + "\"\n" + verify_lines);
        return loadConfig(file);
    }

    // After a good update, an update from `lotl` is refused (InvalidInput, naming its URL and
    // `reason`) and the cache stays as it was, byte for byte.
    void expectRefusedKeepingTheCache(const std::string& lotl, const std::string& reason) {
        updateTrustedList(configFor("lotl.xml"), state);
        auto before = snapshot(state);
        try {
            updateTrustedList(configFor(lotl), state);
            ADD_FAILURE() << lotl << " was accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << lotl;
            EXPECT_EQ(e.where(), lab->url(lotl));
            EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
        }
        EXPECT_EQ(snapshot(state), before) << lotl;
    }
};
EuListsLab* TrustedListTest::lab = nullptr;

TEST_F(TrustedListTest, UpdateCachesExactlyTheGrantedQualifiedCa) {
    auto result = updateTrustedList(configFor("lotl.xml"), state);
    EXPECT_EQ(result.lists, 1);
    EXPECT_EQ(result.certificates, 1);
    auto certs = pemCertificates(signing::trustedListCacheFile(state));
    ASSERT_EQ(certs.size(), 1u);
    EXPECT_EQ(certs[0], EuListsLab::der(lab->qualifiedCa()));
    EXPECT_TRUE(fs::exists(signing::trustedListCacheDir(state) / "lotl.xml"));
    EXPECT_TRUE(fs::exists(signing::trustedListCacheDir(state) / "RO.xml"));
    EXPECT_FALSE(fs::exists(signing::trustedListCacheDir(state) / "BG.xml"));

    auto cache = loadTrustedList(configFor("lotl.xml"), state);
    ASSERT_EQ(cache.anchors.size(), 1u);
    EXPECT_EQ(cache.anchors[0].territory, "RO");
    EXPECT_EQ(cache.anchors[0].provider, "Test Trust SRL");
    EXPECT_EQ(cache.anchors[0].service, "Test Qualified CA");
    EXPECT_EQ(cache.issued, lab->fresh().issued);
    EXPECT_FALSE(cache.stale);
    EXPECT_TRUE(cache.stale_lists.empty());
}

TEST_F(TrustedListTest, ASecondUpdateAsksConditionallyAndReverifiesTheCachedCopy) {
    auto first = updateTrustedList(configFor("lotl.xml"), state);
    EXPECT_EQ(first.not_modified, 0);
    const int before = lab->notModified();
    auto second = updateTrustedList(configFor("lotl.xml"), state);
    EXPECT_EQ(second.not_modified, 2);  // the LOTL and RO: unchanged, taken from the cache
    EXPECT_EQ(lab->notModified() - before, 2);
    EXPECT_EQ(second.certificates, 1);
    EXPECT_EQ(loadTrustedList(configFor("lotl.xml"), state).anchors.size(), 1u);
}

TEST_F(TrustedListTest, TheAgentUpdatesByItselfOnceNextUpdateHasPassed) {
    // Nothing is cached yet, so the area updates at once.
    AgentOptions options;
    options.config.explicit_file = lab->writeConfig("agent-refresh.toml", lab->url("lotl.xml"));
    options.config.read_environment = false;
    options.config.user_file = tmp / "none.toml";
    options.config.policy_file = tmp / "no-policy.toml";
    options.state_dir = state;
    options.load_plugins = false;
    options.log_to_file = false;
    Agent agent(options);
    EXPECT_EQ(signing::startTrustedListRefresh(agent), "update due now (nothing cached)");
    EXPECT_TRUE(certagent::testing::waitUntil(
        [&] { return fs::exists(signing::trustedListCacheDir(state) / "RO.xml"); },
        std::chrono::seconds(30)));
    EXPECT_EQ(loadTrustedList(agent.config(), state).anchors.size(), 1u);
    // The next update is planned (at most a week ahead: the list's NextUpdate is in 180 days).
    EXPECT_TRUE(certagent::testing::waitUntil([&] { return agent.scheduler().pending() >= 1; },
                                              std::chrono::seconds(5)));
}

TEST_F(TrustedListTest, NationalListWithBadSignatureIsSkippedWithItsReason) {
    auto result = updateTrustedList(configFor("lotl.xml"), state);
    ASSERT_EQ(result.skipped.size(), 1u);
    EXPECT_NE(result.skipped[0].find("BG"), std::string::npos) << result.skipped[0];
    EXPECT_NE(result.skipped[0].find("does not match"), std::string::npos) << result.skipped[0];
}

TEST_F(TrustedListTest, CountriesKeyRestrictsTheNationalLists) {
    auto result =
        updateTrustedList(configFor("lotl.xml", "trusted_list_countries = [\"ro\"]\n"), state);
    EXPECT_EQ(result.lists, 1);
    EXPECT_EQ(result.certificates, 1);
    EXPECT_TRUE(result.skipped.empty());  // BG was not asked for, so not fetched at all
}

TEST_F(TrustedListTest, NoVerifiedNationalListFailsAndWritesNothing) {
    try {
        updateTrustedList(configFor("lotl.xml", "trusted_list_countries = [\"BG\"]\n"), state);
        FAIL() << "an update without any verified national list succeeded";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        EXPECT_NE(std::string(e.what()).find("BG"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(signing::trustedListCacheFile(state)));
    EXPECT_FALSE(fs::exists(signing::trustedListCacheDir(state)));
}

TEST_F(TrustedListTest, LocalFileListsAreReadWithoutNetwork) {
    auto result = updateTrustedList(configFor(lab->fileUrl("lotl-file.xml")), state);
    EXPECT_EQ(result.lists, 1);
    EXPECT_EQ(result.certificates, 1);
    EXPECT_EQ(loadTrustedList(configFor(lab->fileUrl("lotl-file.xml")), state).anchors.size(), 1u);
}

TEST_F(TrustedListTest, ListFetchedOverHttpsCannotSendTheAgentToLocalFiles) {
    // The same signed LOTL with file:// pointers, served over https.
    try {
        updateTrustedList(configFor("lotl-file.xml"), state);
        FAIL() << "file:// national lists were read for an https LOTL";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("file://"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(signing::trustedListCacheDir(state)));
}

TEST_F(TrustedListTest, SignatureWhoseIssuerIsOnlyInTheListIsTrusted) {
    auto data = tmp / "invoice.xml";
    writeFile(data, "<invoice>42</invoice>\n");
    auto qualified = readFile(lab->signDetached(data, "qc-ca"));
    auto withdrawn = readFile(lab->signDetached(data, "withdrawn-ca"));
    auto bytes = readFile(data);
    auto verify = [&](const std::string& p7s, X509_STORE* store) {
        auto r = signing::verifyCadesDetached(
            {reinterpret_cast<const uint8_t*>(p7s.data()), p7s.size()},
            {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, store);
        EXPECT_EQ(r.signatures.size(), 1u);
        return r.signatures.at(0);
    };
    auto cfg = configFor("lotl.xml");
    // Before the update nothing vouches for the signer.
    EXPECT_FALSE(verify(qualified, signing::trustStoreFromConfig(cfg, state).get()).chain_trusted);
    updateTrustedList(cfg, state);
    auto store = signing::trustStoreFromConfig(cfg, state);
    auto report = verify(qualified, store.get());
    EXPECT_TRUE(report.chain_trusted) << report.chain_message;
    EXPECT_EQ(report.status, pdf::SignatureStatus::Valid) << report.message;
    EXPECT_FALSE(verify(withdrawn, store.get()).chain_trusted);
}

TEST_F(TrustedListTest, TamperedLotlIsRefusedAndTheCacheKeptByteForByte) {
    expectRefusedKeepingTheCache("lotl-tampered.xml", "does not match");
}

TEST_F(TrustedListTest, LotlSignedByAKeyNotPinnedIsRefused) {
    // Its own certificate in KeyInfo: not pinned.
    expectRefusedKeepingTheCache("lotl-rogue.xml", "not one of the certificates trusted");
    // Names the pinned certificate, but the key does not match it.
    expectRefusedKeepingTheCache("lotl-rogue-claims-pinned.xml", "does not match");
}

TEST_F(TrustedListTest, UnreachableServerKeepsTheCacheAndNamesTheUrl) {
    updateTrustedList(configFor("lotl.xml"), state);
    auto before = snapshot(state);
    const std::string url = "https://127.0.0.1:1/lotl.xml";
    try {
        updateTrustedList(configFor(url), state);
        FAIL() << "no error for an unreachable server";
    } catch (const Error& e) {
        EXPECT_EQ(e.where(), url);
        EXPECT_EQ(e.kind(), ErrorKind::Network) << e.what();
    }
    EXPECT_EQ(snapshot(state), before);
}

TEST_F(TrustedListTest, TlsIsVerifiedAgainstTheConfiguredBundleOnly) {
    // Without the test TLS CA the server is not trusted (no switch turns that off).
    try {
        updateTrustedList(
            sparseConfig("trusted_list_signers = \"" + lab->lotlSigners().string() + "\"\n"),
            state);
        FAIL() << "an unverified TLS server was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Tls) << e.what();
    }
    EXPECT_FALSE(fs::exists(signing::trustedListCacheFile(state)));
}

TEST_F(TrustedListTest, FilesPlantedInTheStateDirAreNotTrusted) {
    auto cfg = configFor("lotl.xml");
    // A PEM written by hand, without verified lists, gives no anchor.
    fs::create_directories(state / "trust");
    fs::copy_file(lab->withdrawnCa(), signing::trustedListCacheFile(state));
    EXPECT_TRUE(loadTrustedList(cfg, state).anchors.empty());
    // A cached national list changed after the update is no longer trusted.
    updateTrustedList(cfg, state);
    auto ro = signing::trustedListCacheDir(state) / "RO.xml";
    auto text = readFile(ro);
    auto at = text.find("Test Trust SRL");
    text.replace(at, 4, "Evil");
    writeFile(ro, text);
    auto cache = loadTrustedList(cfg, state);
    EXPECT_TRUE(cache.anchors.empty());
    ASSERT_FALSE(cache.problems.empty());
}

TEST_F(TrustedListTest, CliUpdateAndShowWithExitCodes) {
    const std::string cli = CERTAGENT_CLI;
    auto good = lab->writeConfig("cli-good.toml", lab->url("lotl.xml"));
    auto bad = lab->writeConfig("cli-bad.toml", lab->url("lotl-tampered.xml"));
    std::vector<std::string> env = {"CERTAGENT_CONFIG=", "LANGUAGE=en"};
    auto run = [&](const fs::path& cfg, std::vector<std::string> args) {
        std::vector<std::string> argv = {cli, "--config", cfg.string(), "--state-dir",
                                         state.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return runProcess(argv, env, {}, 120);
    };
    auto show_before = run(good, {"trusted-list", "show", "--json"});
    EXPECT_EQ(show_before.exit_code, 1) << show_before.err;

    auto update = run(good, {"trusted-list", "update", "--json"});
    ASSERT_EQ(update.exit_code, 0) << update.err;
    auto j = nlohmann::json::parse(update.out);
    EXPECT_EQ(j["lists"], 1);
    EXPECT_EQ(j["certificates"], 1);
    EXPECT_EQ(j["skipped"].size(), 1u);

    auto show = run(good, {"trusted-list", "show", "--json"});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    auto s = nlohmann::json::parse(show.out);
    ASSERT_EQ(s["anchors"].size(), 1u);
    EXPECT_EQ(s["anchors"][0]["territory"], "RO");
    EXPECT_NE(s["anchors"][0]["subject"].get<std::string>().find("Test Qualified CA"),
              std::string::npos);

    auto human = run(good, {"trusted-list", "show"});
    EXPECT_EQ(human.exit_code, 0) << human.err;
    EXPECT_NE(human.out.find("Test Trust SRL"), std::string::npos) << human.out;

    auto before = snapshot(state);
    auto refused = run(bad, {"trusted-list", "update"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find(lab->url("lotl-tampered.xml")), std::string::npos) << refused.err;
    EXPECT_EQ(snapshot(state), before);

    // verify through the CLI: trusted with the list (the lab's CA publishes no revocation
    // service, so the verdict stays INDETERMINATE/TRY_LATER and the exit code 1).
    auto data = tmp / "contract.txt";
    writeFile(data, "contract\n");
    auto p7s = lab->signDetached(data, "qc-ca");
    auto verified = run(good, {"verify", p7s.string(), "--data", data.string(), "--json"});
    EXPECT_EQ(verified.exit_code, 1) << verified.out << verified.err;
    auto vj = nlohmann::json::parse(verified.out);
    EXPECT_EQ(vj["signatures"][0]["status"], "valid") << verified.out;
    EXPECT_TRUE(vj["signatures"][0]["chain"]["trusted"].get<bool>()) << verified.out;
    EXPECT_EQ(vj["sub_indication"], "TRY_LATER") << verified.out;

    EXPECT_EQ(run(good, {"trusted-list"}).exit_code, 2);
    EXPECT_EQ(run(good, {"trusted-list", "refresh"}).exit_code, 2);
}

// A detached signature by a signer the lab's qualified CA (only in the RO list) issued, checked
// against `store`.
pdf::SignatureReport verifyQualifiedSignature(EuListsLab& lab, const fs::path& dir,
                                              X509_STORE* store) {
    auto data = dir / "invoice.xml";
    writeFile(data, "<invoice>42</invoice>\n");
    auto p7s = readFile(lab.signDetached(data, "qc-ca"));
    auto bytes = readFile(data);
    signing::RevocationSettings offline;
    offline.online = false;
    signing::RevocationChecker revocation(offline);
    auto r = signing::verifyCadesDetached(
        {reinterpret_cast<const uint8_t*>(p7s.data()), p7s.size()},
        {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, store, {}, &revocation);
    EXPECT_EQ(r.signatures.size(), 1u);
    return r.signatures.at(0);
}

TEST_F(TrustedListTest, LotlPastItsNextUpdateIsRefusedAndTheLastGoodCopyKept) {
    // Ten days past its NextUpdate.
    expectRefusedKeepingTheCache("lotl-stale.xml", "the list of trusted lists is out of date");
    EXPECT_EQ(loadTrustedList(configFor("lotl.xml"), state).anchors.size(), 1u);
}

TEST_F(TrustedListTest, ListJustPastItsNextUpdateIsUsedOnlyWithinTheGrace) {
    // NextUpdate two hours ago: within the default 72 h.
    auto result = updateTrustedList(configFor("lotl-late.xml"), state);
    EXPECT_EQ(result.lists, 1);
    EXPECT_EQ(loadTrustedList(configFor("lotl-late.xml"), state).anchors.size(), 1u);
    // Without grace the same cached copy gives nothing, and says why.
    auto strict = configFor("lotl-late.xml", "trusted_list_grace_hours = 0\n");
    auto cache = loadTrustedList(strict, state);
    EXPECT_TRUE(cache.anchors.empty());
    EXPECT_TRUE(cache.stale);
    EXPECT_FALSE(cache.next_update.empty());
    ASSERT_FALSE(cache.problems.empty());
    EXPECT_NE(cache.problems[0].find("out of date"), std::string::npos) << cache.problems[0];
    EXPECT_THROW(updateTrustedList(strict, state), Error);
}

TEST_F(TrustedListTest, NationalListPastItsNextUpdateIsLeftOutWithItsReason) {
    // RO is out of date and BG does not verify: nothing is left, the update fails.
    try {
        updateTrustedList(configFor("lotl-ro-stale.xml"), state);
        FAIL() << "an out-of-date national list was used";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("RO"), std::string::npos) << what;
        EXPECT_NE(what.find("the list is out of date"), std::string::npos) << what;
    }
    EXPECT_FALSE(fs::exists(signing::trustedListCacheDir(state)));
}

TEST_F(TrustedListTest, KeptCopyPastItsGraceGivesNoAnchorAndVerifySaysWhy) {
    auto late = configFor("lotl-late.xml");
    updateTrustedList(late, state);
    EXPECT_TRUE(
        verifyQualifiedSignature(*lab, tmp.path(), signing::trustStoreFromConfig(late, state).get())
            .chain_trusted);
    // The next download fails: the last good copy stays...
    EXPECT_THROW(updateTrustedList(configFor("https://127.0.0.1:1/lotl.xml"), state), Error);
    EXPECT_TRUE(fs::exists(signing::trustedListCacheDir(state) / "RO.xml"));
    // ...but once past NextUpdate + grace (here: no grace) it vouches for nobody.
    auto strict = configFor("lotl-late.xml", "trusted_list_grace_hours = 0\n");
    auto report = verifyQualifiedSignature(*lab, tmp.path(),
                                           signing::trustStoreFromConfig(strict, state).get());
    EXPECT_FALSE(report.chain_trusted);
    EXPECT_EQ(report.indication, pdf::Indication::Indeterminate);
    EXPECT_EQ(report.sub_indication, "NO_CERTIFICATE_CHAIN_FOUND");
    EXPECT_NE(report.verdict_message.find("The EU trusted list was not used: the list of trusted "
                                          "lists is out of date"),
              std::string::npos)
        << report.verdict_message;
    EXPECT_NE(report.chain_message.find("out of date"), std::string::npos) << report.chain_message;

    // trusted-list show marks it.
    auto cfg = lab->writeConfig("strict-show.toml", lab->url("lotl-late.xml"),
                                "trusted_list_grace_hours = 0\n");
    auto run = [&](std::vector<std::string> args) {
        std::vector<std::string> argv = {CERTAGENT_CLI, "--config", cfg.string(), "--state-dir",
                                         state.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return runProcess(argv, {"CERTAGENT_CONFIG=", "LANGUAGE=en"}, {}, 120);
    };
    auto json_show = run({"trusted-list", "show", "--json"});
    EXPECT_EQ(json_show.exit_code, 1) << json_show.err;
    auto j = nlohmann::json::parse(json_show.out);
    EXPECT_TRUE(j["stale"].get<bool>()) << json_show.out;
    EXPECT_TRUE(j["anchors"].empty());
    auto text_show = run({"trusted-list", "show"});
    EXPECT_NE(text_show.out.find("OUT OF DATE"), std::string::npos) << text_show.out;
}

// National list signers whose certificates name an OCSP responder: `openssl ocsp` answers
// from the revocation lab's index file.
class TrustedListSignerRevocationTest : public TrustedListTest {
  protected:
    static void SetUpTestSuite() {
        TrustedListTest::SetUpTestSuite();
        ca = new RevocationLab();
    }
    static void TearDownTestSuite() {
        delete ca;
        ca = nullptr;
        TrustedListTest::TearDownTestSuite();
    }
    static RevocationLab* ca;
    // A list operator's certificate, valid since a month (the lab's lists are a day old).
    static fs::path issue(const std::string& name, RevocationLab::Publishes publishes =
                                                       RevocationLab::Publishes::OcspAndCrl) {
        return ca->issue(name, publishes, 0, std::time(nullptr) - 30 * 86400);
    }
    config::Config roOnly(const std::string& name) {
        return configFor("lotl-" + name + ".xml", "trusted_list_countries = [\"RO\"]\n");
    }
};
RevocationLab* TrustedListSignerRevocationTest::ca = nullptr;

TEST_F(TrustedListSignerRevocationTest, SignerTheResponderSaysIsGoodKeepsItsList) {
    lab->publishRo("ro-good", issue("ro-good"), {ca->rootPem()});
    auto result = updateTrustedList(roOnly("ro-good"), state);
    EXPECT_EQ(result.lists, 1);
    EXPECT_TRUE(result.notes.empty()) << result.notes.front();
    // The answer was cached for the next update (openssl ocsp -ndays 1).
    bool cached = false;
    for (const auto& e : fs::directory_iterator(state / "revocation"))
        cached = cached || e.path().filename().string().rfind("ocsp-", 0) == 0;
    EXPECT_TRUE(cached);
}

TEST_F(TrustedListSignerRevocationTest, RevokedSignerSkipsItsListAndTheCacheIsKept) {
    updateTrustedList(configFor("lotl.xml"), state);
    auto before = snapshot(state);
    auto signer = issue("ro-revoked");
    ca->revoke(signer);
    lab->publishRo("ro-revoked", signer, {ca->rootPem()});
    try {
        updateTrustedList(roOnly("ro-revoked"), state);
        FAIL() << "a list signed by a revoked certificate was used";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("RO"), std::string::npos) << what;
        EXPECT_NE(what.find("is revoked"), std::string::npos) << what;
        EXPECT_NE(what.find("keyCompromise"), std::string::npos) << what;
    }
    EXPECT_EQ(snapshot(state), before);
}

TEST_F(TrustedListSignerRevocationTest, ResponderDownKeepsTheListAndTheUpdateSaysSo) {
    auto signer = issue("ro-dead-ocsp", RevocationLab::Publishes::DeadOcspOnly);
    lab->publishRo("ro-dead-ocsp", signer, {ca->rootPem()});
    auto result = updateTrustedList(roOnly("ro-dead-ocsp"), state);
    EXPECT_EQ(result.lists, 1);
    ASSERT_EQ(result.notes.size(), 1u);
    EXPECT_NE(result.notes[0].find("RO"), std::string::npos) << result.notes[0];
    EXPECT_NE(result.notes[0].find("could not be checked"), std::string::npos) << result.notes[0];
    EXPECT_NE(result.notes[0].find(std::to_string(ca->deadPort())), std::string::npos)
        << result.notes[0];
}

TEST_F(TrustedListSignerRevocationTest, SignerWhoseIssuerIsUnknownIsKeptAndNamed) {
    // KeyInfo without the CA's certificate, and the list does not hold it either.
    lab->publishRo("ro-no-issuer", issue("ro-no-issuer"));
    auto result = updateTrustedList(roOnly("ro-no-issuer"), state);
    EXPECT_EQ(result.lists, 1);
    ASSERT_EQ(result.notes.size(), 1u);
    EXPECT_NE(result.notes[0].find("issuer's certificate is not in the list"), std::string::npos)
        << result.notes[0];
}

TEST_F(TrustedListSignerRevocationTest, ListSignedWhenItsSignersCertificateHadExpiredIsRefused) {
    const std::time_t now = std::time(nullptr);
    // Valid for a year that ended ten days before the list was issued (a day ago).
    auto signer = ca->issue("ro-expired", RevocationLab::Publishes::Nothing, now - 10 * 86400,
                            now - 375 * 86400);
    lab->publishRo("ro-expired", signer);
    try {
        updateTrustedList(roOnly("ro-expired"), state);
        FAIL() << "a list signed with an expired certificate was used";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("was not valid when the list was issued"),
                  std::string::npos)
            << e.what();
    }
}

// The signers shipped with the package (config/trust): every certificate parses, and the
// fingerprints README.md records are exactly theirs, so neither file changes alone.
TEST(TrustedListShippedSigners, EveryCertificateMatchesTheFingerprintInItsReadme) {
    const auto dir = sourceDir() / "config" / "trust";
    const std::string pem = readFile(dir / "eu-lotl-signers.pem");
    std::set<std::string> from_pem;
    size_t blocks = 0;
    for (size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;
         at = pem.find("-----BEGIN CERTIFICATE-----", at + 1))
        ++blocks;
    pdf::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (pdf::X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        ASSERT_TRUE(X509_digest(cert.get(), EVP_sha256(), md, &n));
        std::string hex;
        for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
        from_pem.insert(hex);
    }
    EXPECT_GT(blocks, 0u);
    EXPECT_EQ(from_pem.size(), blocks) << "a block of the PEM file is not a certificate";

    const std::string readme = readFile(dir / "README.md");
    std::set<std::string> from_readme;
    const std::regex fingerprint("`((?:[0-9A-F]{2}:){31}[0-9A-F]{2})`");
    for (std::sregex_iterator it(readme.begin(), readme.end(), fingerprint), end; it != end; ++it)
        from_readme.insert((*it)[1]);
    EXPECT_EQ(from_pem, from_readme);

    // The build tree holds the same file where the agent looks for it without configuration.
    config::Config defaults = config::Config::defaults();
    EXPECT_EQ(signing::trustedListSignersFile(defaults),
              paths::dataDir() / "trust" / "eu-lotl-signers.pem");
    EXPECT_EQ(readFile(signing::trustedListSignersFile(defaults)), pem);
}

TEST_F(TrustedListTest, WithoutConfiguredSignersTheShippedOnesDecide) {
    // The lab's LOTL is signed by its own key, which the Commission's certificates do not
    // include: refused, naming why.
    try {
        updateTrustedList(
            sparseConfig("trusted_list_tls_ca_bundle = \"" + lab->tlsCa().string() + "\"\n"),
            state);
        FAIL() << "the lab's LOTL verified against the shipped signers";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
        EXPECT_NE(std::string(e.what()).find("not one of the certificates trusted"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace certagent::testing
