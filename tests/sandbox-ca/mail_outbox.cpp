#include "mail_outbox.hpp"

#include "ossl.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

namespace certagent::sandbox {

namespace {
// RFC 2047 encoded-word, so a subject with "ă" survives any mail reader.
std::string encodeHeader(const std::string& text) {
    bool ascii =
        std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 32 && c < 127; });
    if (ascii) return text;
    std::string b64(4 * ((text.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    b64.resize(static_cast<size_t>(n));
    return "=?UTF-8?B?" + b64 + "?=";
}

std::string rfc5322Date() {
    time_t now = time(nullptr);
    struct tm tm {};
    gmtime_r(&now, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}
}  // namespace

std::filesystem::path writeMail(const std::filesystem::path& outbox, const Mail& mail) {
    auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    auto id = randomHex(6);
    // Sortable by name = sorted by time.
    auto file = outbox / (std::to_string(stamp) + "-" + mail.kind + "-" + id + ".eml");
    std::ostringstream m;
    m << "From: CertAgent Sandbox CA <no-reply@sandbox-ca.invalid>\r\n"
      << "To: <" << mail.to << ">\r\n"
      << "Subject: " << encodeHeader(mail.subject) << "\r\n"
      << "Date: " << rfc5322Date() << "\r\n"
      << "Message-ID: <" << stamp << "." << id << "@sandbox-ca.invalid>\r\n"
      << "MIME-Version: 1.0\r\n"
      << "Content-Type: text/plain; charset=UTF-8\r\n"
      << "Content-Transfer-Encoding: 8bit\r\n"
      << "X-Sandbox-Kind: " << mail.kind << "\r\n";
    for (const auto& [k, v] : mail.sandbox_headers) m << "X-Sandbox-" << k << ": " << v << "\r\n";
    m << "\r\n";
    std::istringstream body(mail.body);
    for (std::string line; std::getline(body, line);) m << line << "\r\n";
    writeText(file, m.str());
    return file;
}

std::vector<StoredMail> readOutbox(const std::filesystem::path& outbox) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::exists(outbox))
        for (const auto& e : std::filesystem::directory_iterator(outbox))
            if (e.path().extension() == ".eml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<StoredMail> out;
    for (const auto& f : files) {
        StoredMail sm;
        sm.file = f;
        std::istringstream in(readText(f));
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) break;
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            sm.headers[line.substr(0, colon)] = value;
        }
        for (std::string rest; std::getline(in, rest);) {
            if (!rest.empty() && rest.back() == '\r') rest.pop_back();
            sm.body += rest + "\n";
        }
        out.push_back(std::move(sm));
    }
    return out;
}

}  // namespace certagent::sandbox
