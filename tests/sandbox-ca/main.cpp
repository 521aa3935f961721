// certagent-sandbox-ca: a real (small) qualified CA with the renewal portal of
// docs/portal-api.md, for tests and demos. See `certagent-sandbox-ca help`.
#include "ca_layout.hpp"
#include "cli_args.hpp"
#include "first_certificate.hpp"
#include "mail_outbox.hpp"
#include "operator_commands.hpp"
#include "portal.hpp"
#include "revocation_publish.hpp"
#include "token_enroll.hpp"
#include "tsa_server.hpp"

#include <openssl/crypto.h>

#include <cstdlib>
#include <iostream>

using namespace certagent;
using namespace certagent::sandbox;

namespace {

const char* kUsage = R"(usage: certagent-sandbox-ca COMMAND ...

  init DIR                       create the CA hierarchy, server/TSA certificates, trust bundles
  serve --dir DIR [--port N] [--auto-approve] [--auto-pay] [--tsa-port M] [--tsa-faults]
                                 serve the portal on https://127.0.0.1:N/ (0 = any free port);
                                 the first stdout line is "listening on https://127.0.0.1:N/",
                                 the second "tsa on http://127.0.0.1:M/tsa" (RFC 3161);
                                 --tsa-faults: honour X-Sandbox-Tsa-Fault (tests only)
  tsa-account --dir DIR --holder-id ID [--email ADDR] [--quota N]
                                 TSA credentials (HTTP basic) for an account, created if
                                 missing; --quota N: N timestamps remain
  operator --dir DIR list [--all] | approve ID | reject ID --reason TEXT
  enroll --dir DIR --module PATH --token-label LABEL --pin-env VAR --days N
         [--years Y] [--key rsa2048|ec256] [--cn NAME] [--holder-id ID] [--email ADDR]
         [--id HEX] [--label TEXT]
                                 key pair on a PKCS#11 token + first certificate expiring in N days
  issue-cert --dir DIR --out-cert FILE --out-key FILE --days N [--years Y] [--key ...]
         [--cn NAME] [--holder-id ID] [--email ADDR]
                                 same with the key in a file (tests)
  revoke --dir DIR SERIAL [--reason TEXT]
                                 reason: keyCompromise (default), superseded, ... (RFC 5280)
  publish --dir DIR [--ocsp-url URL] [--crl-url URL] [--root-crl-url URL]
                                 write these OCSP (AIA) and CRL distribution point addresses
                                 into every certificate issued from now on; serve publishes the
                                 CRL at http://127.0.0.1:M/crl/qualified-ca.crl (the TSA port);
                                 --root-crl-url: issue the issuing CA and TSA certificates again
                                 naming the root's CRL (served at /crl/root-ca.crl); restart serve
  crl --dir DIR --out FILE       the issuing CA's CRL (DER), revoked certificates included
  ocsp-index --dir DIR --out FILE
                                 the register as an openssl ca index file, for
                                 `openssl ocsp -index FILE -CA ca/qualified-ca.pem ...`
  mail --dir DIR                 list the outbox (kind, to, subject, link or OTP)
  routes                         the served METHOD PATH pairs
)";

const std::set<std::string> kHolderOptions = {"cn", "holder-id", "email", "days", "years", "key"};

CaLayout layoutFrom(const CliArgs& a) { return CaLayout{a.require("dir")}; }

std::set<std::string> with(std::set<std::string> base, std::initializer_list<std::string> more) {
    base.insert(more);
    return base;
}

void printRecord(const CertRecord& r) {
    nlohmann::json j = certJson(r, nowEpoch());
    j["holder_id"] = r.holder_id;
    j["email"] = r.email;
    std::cout << j.dump(2) << "\n";
}

int run(const std::vector<std::string>& argv) {
    if (argv.empty() || argv[0] == "help" || argv[0] == "--help") {
        std::cout << kUsage;
        return argv.empty() ? 2 : 0;
    }
    const std::string cmd = argv[0];
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());

    if (cmd == "init") {
        CliArgs a(rest, {}, {});
        if (a.positional().size() != 1) throw Error(ErrorKind::Usage, "init DIR");
        CaLayout layout{a.positional()[0]};
        initCa(layout);
        std::cout << "sandbox CA ready in " << layout.dir.string() << "\n"
                  << "portal trust bundle: " << layout.portalTrust().string() << "\n";
        return 0;
    }
    if (cmd == "serve") {
        CliArgs a(rest, {"dir", "port", "tsa-port"}, {"auto-approve", "auto-pay", "tsa-faults"});
        ServeOptions o{
            layoutFrom(a),      static_cast<int>(a.integer("port", 0)),     a.flag("auto-approve"),
            a.flag("auto-pay"), static_cast<int>(a.integer("tsa-port", 0)), a.flag("tsa-faults")};
        if (o.port < 0 || o.port > 65535) throw Error(ErrorKind::Usage, "--port 0..65535");
        if (o.tsa_port < 0 || o.tsa_port > 65535)
            throw Error(ErrorKind::Usage, "--tsa-port 0..65535");
        Portal portal(o);
        return portal.run();
    }
    if (cmd == "tsa-account") {
        CliArgs a(rest, {"dir", "holder-id", "email", "quota"}, {});
        auto acc = setTsaAccount(layoutFrom(a), a.require("holder-id"), a.get("email").value_or(""),
                                 a.integer("quota", -1));
        std::cout << nlohmann::json{{"username", acc.username},
                                    {"password", acc.password},
                                    {"total", acc.total},
                                    {"used", acc.used},
                                    {"remaining", acc.total - acc.used}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    if (cmd == "operator") {
        CliArgs a(rest, {"dir", "reason"}, {"all"});
        const auto& p = a.positional();
        auto layout = layoutFrom(a);
        if (p.size() == 1 && p[0] == "list") {
            operatorList(layout, a.flag("all"), std::cout);
        } else if (p.size() == 2 && p[0] == "approve") {
            operatorApprove(layout, p[1]);
            std::cout << p[1] << " ACCEPTATA_PREAPROBATA\n";
        } else if (p.size() == 2 && p[0] == "reject") {
            operatorReject(layout, p[1], a.get("reason").value_or(""));
            std::cout << p[1] << " RESPINSA\n";
        } else {
            throw Error(ErrorKind::Usage, "operator list|approve ID|reject ID --reason TEXT");
        }
        return 0;
    }
    if (cmd == "enroll") {
        CliArgs a(rest,
                  with(kHolderOptions, {"dir", "module", "token-label", "pin-env", "id", "label"}),
                  {});
        auto layout = layoutFrom(a);
        const auto var = a.require("pin-env");
        const char* pin_value = std::getenv(var.c_str());
        if (!pin_value)
            throw Error(ErrorKind::Usage, "environment variable " + var + " is not set");
        auto holder = holderFromArgs(a);
        TokenEnrollOptions o;
        o.module = a.require("module");
        o.token_label = a.require("token-label");
        o.pin = pin_value;
        o.key_type = a.get("key").value_or("rsa2048");
        o.object_id = a.get("id").value_or("01");
        o.label = a.get("label").value_or("Certificat calificat " + holder.common_name);
        auto validity = firstCertificateValidity(a.integer("days", 365),
                                                 static_cast<int>(a.integer("years", 2)));
        CertRecord r;
        try {
            r = enrollOnToken(layout, holder, validity, o);
        } catch (...) {
            OPENSSL_cleanse(o.pin.data(), o.pin.size());
            throw;
        }
        OPENSSL_cleanse(o.pin.data(), o.pin.size());
        printRecord(r);
        return 0;
    }
    if (cmd == "issue-cert") {
        CliArgs a(rest, with(kHolderOptions, {"dir", "out-cert", "out-key"}), {});
        auto layout = layoutFrom(a);
        auto holder = holderFromArgs(a);
        auto key = generateKey(a.get("key").value_or("ec256"));
        auto validity = firstCertificateValidity(a.integer("days", 365),
                                                 static_cast<int>(a.integer("years", 2)));
        const auto cert_file = a.require("out-cert"), key_file = a.require("out-key");
        auto r = issueFirstCertificate(layout, holder, key.get(), validity, [&](X509* cert) {
            writeText(key_file, toPem(key.get()), true);
            writeText(cert_file, toPem(cert));
        });
        printRecord(r);
        return 0;
    }
    if (cmd == "revoke") {
        CliArgs a(rest, {"dir", "reason"}, {});
        if (a.positional().size() != 1) throw Error(ErrorKind::Usage, "revoke --dir DIR SERIAL");
        revokeCommand(layoutFrom(a), a.positional()[0], a.get("reason").value_or("keyCompromise"));
        std::cout << a.positional()[0] << " REVOKED\n";
        return 0;
    }
    if (cmd == "publish") {
        CliArgs a(rest, {"dir", "ocsp-url", "crl-url", "root-crl-url"}, {});
        setPublication(layoutFrom(a), a.get("ocsp-url").value_or(""), a.get("crl-url").value_or(""),
                       a.get("root-crl-url").value_or(""));
        std::cout << "published\n";
        return 0;
    }
    if (cmd == "crl" || cmd == "ocsp-index") {
        CliArgs a(rest, {"dir", "out"}, {});
        auto layout = layoutFrom(a);
        auto ca = loadCaMaterial(layout);
        Database db(layout.database());
        migrateSchema(db);
        if (cmd == "crl") {
            auto der = makeCrl(db, ca);
            writeText(a.require("out"), std::string(der.begin(), der.end()));
        } else {
            writeText(a.require("out"), ocspIndex(db));
        }
        return 0;
    }
    if (cmd == "mail") {
        CliArgs a(rest, {"dir"}, {});
        for (const auto& m : readOutbox(layoutFrom(a).outbox())) {
            auto h = [&](const char* k) {
                auto it = m.headers.find(k);
                return it == m.headers.end() ? std::string() : it->second;
            };
            std::cout << m.file.filename().string() << "\t" << h("X-Sandbox-Kind") << "\t"
                      << h("To") << "\t" << h("X-Sandbox-Link") << h("X-Sandbox-Otp") << "\n";
        }
        return 0;
    }
    if (cmd == "routes") {
        for (const auto& [method, path] : Portal::routeList())
            std::cout << method << " " << path << "\n";
        return 0;
    }
    throw Error(ErrorKind::Usage, "unknown command '" + cmd + "'");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const Error& e) {
        std::cerr << "certagent-sandbox-ca: " << (e.where().empty() ? "" : e.where() + ": ")
                  << e.what() << "\n";
        if (e.kind() == ErrorKind::Usage) std::cerr << "run 'certagent-sandbox-ca help'\n";
        return e.kind() == ErrorKind::Usage ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "certagent-sandbox-ca: " << e.what() << "\n";
        return 1;
    }
}
