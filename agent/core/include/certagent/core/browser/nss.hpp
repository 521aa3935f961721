#pragma once
// The user's NSS databases (Chromium's ~/.pki/nssdb, each Firefox profile) and what NSS's own
// tools (modutil, certutil from libnss3-tools) say about them and do to them. certagent edits
// an NSS database only through those tools, never by writing its files.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace certagent::browser {

struct NssDatabase {
    std::filesystem::path dir;  // holds cert9.db, key4.db, pkcs11.txt
    std::string browser;        // "chromium" | "firefox" | "other" (--nssdb)
    std::string profile;        // Firefox profile name, "" otherwise
    std::string dbArg() const { return "sql:" + dir.string(); }
};

// The NSS databases of the user whose home is `home`: ~/.pki/nssdb when it exists (Chromium,
// Chrome and other NSS programs create it on first start), then every Firefox profile listed
// in profiles.ini (the usual, snap and flatpak locations) that has a cert9.db. An old
// cert8.db-only profile is left out (Firefox converts it on its next start).
std::vector<NssDatabase> findNssDatabases(const std::filesystem::path& home);

// Firefox profiles from one profiles.ini: [ProfileN] Name=, Path=, IsRelative=.
std::vector<NssDatabase> firefoxProfiles(const std::filesystem::path& profilesIni);

struct NssModule {
    std::string name;
    std::string library;  // empty for NSS's internal module
};

struct ToolResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs modutil and certutil. Throws Error(Io) when a tool is missing (install libnss3-tools).
class NssTools {
public:
    // `env`: "NAME=value" for the tools (the session's environment; module configuration
    // variables such as SOFTHSM2_CONF pass through).
    explicit NssTools(std::vector<std::string> env = defaultEnvironment());
    static std::vector<std::string> defaultEnvironment();

    std::vector<NssModule> modules(const NssDatabase& db) const;
    void addModule(const NssDatabase& db, const std::string& name,
                   const std::filesystem::path& library) const;
    void deleteModule(const NssDatabase& db, const std::string& name) const;
    // Nicknames of the certificates in the database itself (not on tokens).
    std::vector<std::string> certificates(const NssDatabase& db) const;
    // Every certificate NSS sees through the database, tokens included ("token:nickname").
    std::vector<std::string> allCertificates(const NssDatabase& db) const;
    // Adds a CA certificate (DER file) with no trust at all (",,"): it only lets the browser
    // build the chain of the token's certificate.
    void addCaCertificate(const NssDatabase& db, const std::string& nickname,
                          const std::filesystem::path& derFile) const;
    void deleteCertificate(const NssDatabase& db, const std::string& nickname) const;

private:
    ToolResult run(std::vector<std::string> argv) const;
    std::vector<std::string> env_;
};

}  // namespace certagent::browser
