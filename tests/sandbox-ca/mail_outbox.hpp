#pragma once
// The sandbox's "mail server": each message is an RFC 5322 .eml file in DIR/outbox. Besides
// the human text, X-Sandbox-* headers carry the link or OTP so tests and demos read them
// without parsing prose (a real CA would not send those).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace certagent::sandbox {

struct Mail {
    std::string to;
    std::string subject;  // UTF-8
    std::string body;     // UTF-8 text
    std::string kind;     // X-Sandbox-Kind: account-confirmation, payment-otp, ...
    std::map<std::string, std::string> sandbox_headers;  // e.g. {"Link", url} -> X-Sandbox-Link
};

// Writes atomically (temp file + rename) and returns the file's path.
std::filesystem::path writeMail(const std::filesystem::path& outbox, const Mail& mail);

struct StoredMail {
    std::filesystem::path file;
    std::map<std::string, std::string> headers;  // names as written
    std::string body;
};
// Messages in the outbox, oldest first.
std::vector<StoredMail> readOutbox(const std::filesystem::path& outbox);

}  // namespace certagent::sandbox
