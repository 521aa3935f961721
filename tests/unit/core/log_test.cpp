#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "certagent/core/log.hpp"
#include "certagent/core/secret.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using certagent::testing::readFile;
using certagent::testing::TempDir;

class LogTest : public ::testing::Test {
protected:
    void SetUp() override {
        log::setStderr(false);
        log::setLevel(log::Level::Debug);
        log::openFile(dir.path());
    }
    void TearDown() override {
        log::closeFile();
        log::setStderr(true);
        log::setLevel(log::Level::Info);
    }
    TempDir dir{"certagent-log"};
};

TEST_F(LogTest, SecretsNeverReachTheLogFile) {
    const std::string pin = "918273";
    {
        SecretString secret(pin);
        // Formatting the secret object prints a mask...
        log::info("test", "login with {}", secret);
        // ...and even a copy that escaped into a plain string is masked while the secret lives.
        std::string leaked = "pin=" + std::string(secret.reveal());
        log::info("test", "{}", leaked);
        log::error("test", "failed for {} and {}", leaked, "other");
    }
    auto text = readFile(log::filePath());
    EXPECT_EQ(text.find(pin), std::string::npos) << text;
    EXPECT_NE(text.find("login with ***"), std::string::npos);
    EXPECT_NE(text.find("pin=***"), std::string::npos);
}

TEST_F(LogTest, RedactHelperMasksRegisteredSecrets) {
    log::addRedaction("s3cr3t-token");
    EXPECT_EQ(log::redact("Authorization: s3cr3t-token."), "Authorization: ***.");
    log::removeRedaction("s3cr3t-token");
    EXPECT_EQ(log::redact("s3cr3t-token"), "s3cr3t-token");
}

namespace {
std::vector<std::string> forwarded;
void captureSink(log::Level, std::string_view, std::string_view message) {
    forwarded.emplace_back(message);
}
}  // namespace

// The documents module forwards its log to the host's: a secret registered in the forwarding
// copy is masked before the line leaves it, and debug lines go through whatever its level.
TEST_F(LogTest, ForwardedLinesAreRedactedBeforeTheyLeave) {
    forwarded.clear();
    log::setLevel(log::Level::Error);
    log::forwardTo(&captureSink);
    {
        SecretString secret("553311");
        log::debug("pdf", "pin={}", std::string(secret.reveal()));
    }
    log::forwardTo(nullptr);
    ASSERT_EQ(forwarded.size(), 1u);
    EXPECT_EQ(forwarded[0], "pin=***");
    EXPECT_EQ(readFile(log::filePath()).find("pin="), std::string::npos);  // not written here
}

TEST_F(LogTest, LevelsFilterAndFileRotates) {
    log::setLevel(log::Level::Warn);
    log::info("test", "invisible line");
    log::warn("test", "visible line");
    auto text = readFile(log::filePath());
    EXPECT_EQ(text.find("invisible line"), std::string::npos);
    EXPECT_NE(text.find("warn [test] visible line"), std::string::npos);

    log::openFile(dir.path(), /*max_bytes=*/512, /*keep=*/2);
    for (int i = 0; i < 50; ++i) log::warn("test", "line {} with some padding to grow", i);
    EXPECT_TRUE(std::filesystem::exists(dir / "certagent.log.1"));
    EXPECT_TRUE(std::filesystem::exists(dir / "certagent.log.2"));
    EXPECT_FALSE(std::filesystem::exists(dir / "certagent.log.3"));
    EXPECT_LE(std::filesystem::file_size(dir / "certagent.log.1"), 700u);
}

TEST(SecretString, WipesOnClearAndMovesWithoutCopies) {
    SecretString a("123456");
    SecretString b(std::move(a));
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(b.reveal(), "123456");
    b.push_back('7');
    EXPECT_EQ(b.reveal(), "1234567");
    b.pop_back();
    b.clear();
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(fmt::format("{}", b), "***");
}

TEST(SecretString, FromEnvironmentNeedsANonEmptyVariable) {
    ::setenv("CERTAGENT_TEST_PIN", "4321", 1);
    EXPECT_EQ(secretFromEnv("CERTAGENT_TEST_PIN").reveal(), "4321");
    ::unsetenv("CERTAGENT_TEST_PIN");
    EXPECT_THROW(secretFromEnv("CERTAGENT_TEST_PIN"), std::exception);
}

// Text from requests (an Origin header, a path) is escaped before it reaches a log line: a
// forged line break or a terminal escape sequence cannot fake or hide log entries.
TEST(LogEscape, ControlCharactersAndBadUtf8AreEscapedAndLongTextCut) {
    EXPECT_EQ(log::escape("https://ca.example.ro"), "https://ca.example.ro");
    EXPECT_EQ(log::escape("a\r\n2024-01-01 [info] fake"), "a\\r\\n2024-01-01 [info] fake");
    EXPECT_EQ(log::escape("\x1b[31mred"), "\\x1b[31mred");
    EXPECT_EQ(log::escape("back\\slash"), "back\\\\slash");
    EXPECT_EQ(log::escape("Ștefan"), "Ștefan");           // valid UTF-8 stays readable
    EXPECT_EQ(log::escape("\xc8\x41"), "\\xc8A");           // a broken sequence does not
    EXPECT_EQ(log::escape(std::string("nul\0x", 5)), "nul\\x00x");
    const std::string cut = log::escape(std::string(1000, 'a'), 100);
    EXPECT_EQ(cut.substr(0, 100), std::string(100, 'a'));
    EXPECT_NE(cut.find("900 more bytes"), std::string::npos) << cut;
}
