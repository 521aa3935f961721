#pragma once
// Portal login in the browser: the token's PKCS#11 module registered in the user's NSS
// databases (directly, or p11-kit's proxy module with a p11-kit registration of the vendor
// module), and the CA certificates the browser needs to build the token certificate's chain.
// Every change is recorded in the state store before it is made and marked done after it, so
// `unregister` undoes exactly what `register` did, even after a crash in between.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certagent/core/browser/nss.hpp"
#include "certagent/core/token/types.hpp"

namespace certagent::state {
class StateStore;
}
namespace certagent::token {
class TokenService;
}

namespace certagent::browser {

struct RegisterOptions {
    std::optional<std::string> tokenSerial;  // only this token; else every connected token
    bool viaP11Kit = false;
    std::vector<NssDatabase> databases;      // empty: findNssDatabases(home)
    // CA certificates (DER) the chain may need besides those on the token and the system's
    // trust store, e.g. from [browser] ca_certificates.
    std::vector<token::Bytes> caCertificates;
};

// One thing register did, found done already, or unregister undid.
struct Change {
    std::string kind;    // "module" | "ca_certificate" | "p11kit_module_file"
    std::string target;  // the NSS database folder, or the file
    std::string name;    // module name, certificate nickname, file name
    std::string detail;  // library path, SHA-256 fingerprint
    // "added" | "already_there" (someone else's, left alone) | "already_ours" | "removed" |
    // "gone" (no longer there; the record is dropped)
    std::string outcome;
};
nlohmann::json changeJson(const Change& change);
// One line per change ("module „certagent: x.so” — /home/…/nssdb: added"), translated.
std::string changesText(const std::vector<Change>& changes);
// Registration::status() as text: each database with its modules, then each token.
std::string statusText(const nlohmann::json& status);

class Registration {
public:
    Registration(state::StateStore& store, NssTools tools, std::filesystem::path home);

    std::vector<Change> registerTokens(token::TokenService& service, const RegisterOptions& options);
    // Undoes what the records say was done (in `databases` when given, else everywhere).
    std::vector<Change> unregister();
    // {databases: [{dir, browser, profile, modules: [{name, library, by_certagent}],
    //   certagent_certificates}], tokens: [{serial, label, module, registered_in}],
    //   p11kit_module_files, recorded}
    nlohmann::json status(token::TokenService* service, const std::vector<NssDatabase>& databases);

    // The name certagent gives a module in NSS: "certagent: <file name>".
    static std::string moduleName(const std::filesystem::path& library);

private:
    struct Record;
    std::vector<Record> records();
    void save(const Record& r);
    void drop(const Record& r);
    std::vector<NssDatabase> databasesOr(const std::vector<NssDatabase>& given) const;

    state::StateStore& store_;
    NssTools tools_;
    std::filesystem::path home_;
};

// The certificates (DER) in PEM files, e.g. [browser] ca_certificates. Throws Error(Io) naming
// a file that cannot be read, Error(InvalidInput) one that holds no certificate.
std::vector<token::Bytes> readPemCertificates(const std::vector<std::string>& files);

// p11-kit's proxy module (one PKCS#11 module serving every module registered with p11-kit).
std::filesystem::path p11KitProxyModule();

}  // namespace certagent::browser
