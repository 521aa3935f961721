// See eu_lists_lab.hpp.
#include "eu_lists_lab.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <thread>

namespace certagent::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCaQc = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC";
constexpr const char* kTsaQtst = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST";
constexpr const char* kGranted = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted";
constexpr const char* kWithdrawn = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn";
constexpr const char* kXadesNs = "http://uri.etsi.org/01903/v1.3.2#";

ProcessResult mustRun(const std::vector<std::string>& argv) {
    auto r = runProcess(argv);
    if (r.exit_code != 0) {
        std::string line;
        for (const auto& a : argv) line += a + " ";
        throw std::runtime_error(line + "failed: " + r.err + r.out);
    }
    return r;
}

std::string pointer(const std::string& territory, const std::string& type_suffix,
                    const std::string& mime, const std::string& location,
                    const std::string& cert_b64) {
    return "<tsl:OtherTSLPointer><tsl:ServiceDigitalIdentities><tsl:ServiceDigitalIdentity>"
           "<tsl:DigitalId><tsl:X509Certificate>" +
           cert_b64 +
           "</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>"
           "</tsl:ServiceDigitalIdentities><tsl:TSLLocation>" +
           location +
           "</tsl:TSLLocation><tsl:AdditionalInformation><tsl:OtherInformation><tsl:TSLType>"
           "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/" +
           type_suffix +
           "</tsl:TSLType></tsl:OtherInformation><tsl:OtherInformation><tsl:SchemeTerritory>" +
           territory +
           "</tsl:SchemeTerritory></tsl:OtherInformation><tsl:OtherInformation>"
           "<ns3:MimeType xmlns:ns3=\"http://uri.etsi.org/02231/v2/additionaltypes#\">" +
           mime +
           "</ns3:MimeType></tsl:OtherInformation></tsl:AdditionalInformation>"
           "</tsl:OtherTSLPointer>";
}

std::string service(const std::string& type, const std::string& name, const std::string& status,
                    const std::string& cert_b64) {
    return "<tsl:TSPService><tsl:ServiceInformation><tsl:ServiceTypeIdentifier>" + type +
           "</tsl:ServiceTypeIdentifier><tsl:ServiceName><tsl:Name xml:lang=\"ro\">" + name +
           " (ro)</tsl:Name><tsl:Name xml:lang=\"en\">" + name +
           "</tsl:Name></tsl:ServiceName><tsl:ServiceDigitalIdentity><tsl:DigitalId>"
           "<tsl:X509Certificate>" +
           cert_b64 +
           "</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>"
           "<tsl:ServiceStatus>" +
           status +
           "</tsl:ServiceStatus><tsl:StatusStartingTime>2024-01-01T00:00:00Z"
           "</tsl:StatusStartingTime></tsl:ServiceInformation></tsl:TSPService>";
}

std::string scheme(const std::string& territory, const EuListsLab::Dates& dates) {
    return "<tsl:SchemeInformation><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>"
           "<tsl:TSLSequenceNumber>7</tsl:TSLSequenceNumber><tsl:SchemeTerritory>" +
           territory + "</tsl:SchemeTerritory><tsl:ListIssueDateTime>" + dates.issued +
           "</tsl:ListIssueDateTime><tsl:NextUpdate><tsl:dateTime>" + dates.next_update +
           "</tsl:dateTime></tsl:NextUpdate>";
}

}  // namespace

struct EuListsLab::Server {
    httplib::SSLServer http;
    std::thread thread;
    int port = 0;
    std::atomic<int> not_modified{0};
    Server(const fs::path& cert, const fs::path& key, const fs::path& www)
        : http(cert.c_str(), key.c_str()) {
        if (!http.is_valid()) throw std::runtime_error("TLS server: bad certificate or key");
        http.set_mount_point("/", www.string());
        // Conditional requests, as the EU's servers answer them: an ETag per file, 304 when the
        // client already has it.
        auto etagOf = [www](const std::string& path) -> std::string {
            std::error_code ec;
            const auto file = www / path.substr(1);
            if (path.find("..") != std::string::npos || !fs::is_regular_file(file, ec)) return {};
            return "\"" + std::to_string(std::hash<std::string>{}(readFile(file))) + "\"";
        };
        http.set_pre_routing_handler([this, etagOf](const httplib::Request& req,
                                                    httplib::Response& res) {
            const auto etag = etagOf(req.path);
            if (!etag.empty() && req.get_header_value("If-None-Match") == etag) {
                ++not_modified;
                res.status = 304;
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        http.set_post_routing_handler([etagOf](const httplib::Request& req,
                                               httplib::Response& res) {
            if (res.status == 200) res.set_header("ETag", etagOf(req.path));
        });
        port = http.bind_to_any_port("127.0.0.1");
        if (port <= 0) throw std::runtime_error("TLS server: cannot bind 127.0.0.1");
        thread = std::thread([this] { http.listen_after_bind(); });
    }
    ~Server() {
        http.stop();
        if (thread.joinable()) thread.join();
    }
};

int EuListsLab::notModified() const { return server_->not_modified; }

std::string EuListsLab::isoIn(std::chrono::seconds from_now) {
    const std::time_t t = std::time(nullptr) + from_now.count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

EuListsLab::EuListsLab() {
    using std::chrono::hours;
    fresh_ = {isoIn(-hours(24)), isoIn(hours(24 * 180))};
    makePki();
    fs::create_directories(dir() / "www");
    server_ =
        std::make_unique<Server>(dir() / "tls-server.pem", dir() / "tls-server.key", dir() / "www");
    const auto www = dir() / "www";
    const std::string ro_operator = base64Der(dir() / "ro-operator.pem");
    writeFile(www / "ro.xml", signedList(roBody(fresh_), "ro-operator"));
    std::string bg = signedList(bgBody(), "bg-operator");
    // Changed after signing: the signature no longer matches.
    auto at = bg.find("BG Qualified CA");
    bg.replace(at, 2, "XX");
    writeFile(www / "bg.xml", bg);

    std::string lotl = signedList(lotlBody(ro_operator), "lotl-signer");
    writeFile(www / "lotl.xml", lotl);
    // Out of date: the LOTL ten days past its NextUpdate, one two hours past it (within the
    // default grace), and a fresh LOTL pointing to an RO list ten days past its own.
    const Dates stale{isoIn(-hours(24 * 190)), isoIn(-hours(24 * 10))};
    writeFile(www / "lotl-stale.xml",
              signedList(lotlBody(ro_operator, false, "ro.xml", stale), "lotl-signer"));
    writeFile(www / "lotl-late.xml",
              signedList(lotlBody(ro_operator, false, "ro.xml",
                                  Dates{isoIn(-hours(24 * 180)), isoIn(-hours(2))}),
                         "lotl-signer"));
    writeFile(www / "ro-stale.xml", signedList(roBody(stale), "ro-operator"));
    writeFile(www / "lotl-ro-stale.xml",
              signedList(lotlBody(ro_operator, false, "ro-stale.xml"), "lotl-signer"));
    std::string tampered = lotl;
    auto cert_at = tampered.find(ro_operator) + ro_operator.size() / 2;
    tampered[cert_at] = tampered[cert_at] == 'A' ? 'B' : 'A';
    writeFile(www / "lotl-tampered.xml", tampered);
    writeFile(www / "lotl-file.xml",
              signedList(lotlBody(ro_operator, /*files=*/true), "lotl-signer"));
    writeFile(www / "lotl-rogue.xml", signedList(lotlBody(ro_operator), "rogue"));
    writeFile(www / "lotl-rogue-claims-pinned.xml",
              signedList(lotlBody(ro_operator), dir() / "rogue", {dir() / "lotl-signer.pem"}));
}

void EuListsLab::publishRo(const std::string& name, const fs::path& signer,
                           const std::vector<fs::path>& key_info_extra) {
    std::vector<fs::path> key_info{fs::path(signer) += ".pem"};
    key_info.insert(key_info.end(), key_info_extra.begin(), key_info_extra.end());
    const auto www = dir() / "www";
    writeFile(www / (name + ".xml"), signedList(roBody(fresh_), signer, key_info));
    writeFile(www / ("lotl-" + name + ".xml"),
              signedList(lotlBody(base64Der(fs::path(signer) += ".pem"), false, name + ".xml"),
                         "lotl-signer"));
}

EuListsLab::~EuListsLab() = default;

std::string EuListsLab::fileUrl(const std::string& name) const {
    return "file://" + (dir() / "www" / name).string();
}

std::string EuListsLab::url(const std::string& name) const {
    return "https://127.0.0.1:" + std::to_string(server_->port) + "/" + name;
}

void EuListsLab::makePki() {
    const std::string d = dir().string();
    // Self-signed with `openssl ca -selfsign`, which (unlike req -x509 in OpenSSL 3.0) sets
    // notBefore: valid since 400 days ago, so the lab's lists may be issued in the past.
    fs::create_directories(dir() / "newcerts");
    writeFile(dir() / "index.txt", "");
    writeFile(dir() / "serial", "1000\n");
    writeFile(dir() / "ca.cnf",
              "[ ca ]\ndefault_ca = lab\n[ lab ]\ndir = " + d +
                  "\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\nserial = "
                  "$dir/serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                  "email_in_dn = no\ncopy_extensions = copy\n[ any ]\ncommonName = supplied\n"
                  "organizationName = optional\ncountryName = optional\n");
    const std::string start = isoIn(-std::chrono::hours(24 * 400)),
                      end = isoIn(std::chrono::hours(24 * 365));
    auto asn1 = [](std::string iso) {  // 2026-01-02T03:04:05Z -> 20260102030405Z
        std::string out;
        for (char c : iso)
            if (c != '-' && c != ':' && c != 'T') out += c;
        return out;
    };
    auto selfSigned = [&](const std::string& name, const std::string& cn, bool ca) {
        const std::string base = d + "/" + name;
        mustRun(
            {"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key",
             "-out", base + ".csr", "-subj", "/CN=" + cn + "/O=certagent tests/C=RO", "-addext",
             ca ? "basicConstraints=critical,CA:TRUE" : "basicConstraints=critical,CA:FALSE",
             "-addext",
             ca ? "keyUsage=critical,keyCertSign,cRLSign" : "keyUsage=critical,digitalSignature"});
        mustRun({"openssl", "ca", "-batch", "-config", d + "/ca.cnf", "-selfsign", "-keyfile",
                 base + ".key", "-in", base + ".csr", "-out", base + ".pem", "-startdate",
                 asn1(start), "-enddate", asn1(end), "-notext", "-preserveDN"});
    };
    selfSigned("tls-ca", "Trusted list TLS CA", true);
    selfSigned("lotl-signer", "Test LOTL signer", false);
    selfSigned("rogue", "Rogue LOTL signer", false);
    selfSigned("ro-operator", "RO trusted list operator", false);
    selfSigned("bg-operator", "BG trusted list operator", false);
    selfSigned("qc-ca", "Test Qualified CA", true);
    selfSigned("withdrawn-ca", "Test Withdrawn CA", true);
    selfSigned("bg-ca", "BG Qualified CA", true);
    selfSigned("tsa", "Test Qualified TSA", false);
    // The TLS server's certificate for 127.0.0.1, issued by tls-ca.
    mustRun({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
             d + "/tls-server.key", "-out", d + "/tls-server.csr", "-subj", "/CN=127.0.0.1"});
    writeFile(dir() / "tls-server.ext",
              "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n"
              "extendedKeyUsage=serverAuth\n");
    mustRun({"openssl", "x509", "-req", "-in", d + "/tls-server.csr", "-CA", d + "/tls-ca.pem",
             "-CAkey", d + "/tls-ca.key", "-set_serial", "77", "-days", "30", "-extfile",
             d + "/tls-server.ext", "-out", d + "/tls-server.pem"});
}

fs::path EuListsLab::signDetached(const fs::path& data, const std::string& ca) {
    const std::string d = dir().string();
    const std::string base = d + "/signer-" + std::to_string(++serial_);
    mustRun({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key",
             "-out", base + ".csr", "-subj",
             "/CN=Ion Popescu " + std::to_string(serial_) + "/C=RO"});
    writeFile(base + ".ext", "basicConstraints=CA:FALSE\nkeyUsage=critical,nonRepudiation\n");
    mustRun({"openssl", "x509", "-req", "-in", base + ".csr", "-CA", d + "/" + ca + ".pem",
             "-CAkey", d + "/" + ca + ".key", "-set_serial", std::to_string(serial_), "-days", "30",
             "-extfile", base + ".ext", "-out", base + ".pem"});
    const std::string p7s = base + ".p7s";
    mustRun({"openssl", "cms", "-sign", "-binary", "-md", "sha256", "-in", data.string(), "-signer",
             base + ".pem", "-inkey", base + ".key", "-outform", "DER", "-out", p7s});
    return p7s;
}

fs::path EuListsLab::writeConfig(const std::string& name, const std::string& lotl_url,
                                 const std::string& extra_verify) {
    fs::path file = dir() / name;
    writeFile(file, "[verify]\ntrusted_list_url = \"" + lotl_url + "\"\ntrusted_list_signers = \"" +
                        lotlSigners().string() + "\"\ntrusted_list_tls_ca_bundle = \"" +
                        tlsCa().string() + "\"\n" + extra_verify);
    return file;
}

std::vector<uint8_t> EuListsLab::der(const fs::path& pem) {
    mustRun(
        {"openssl", "x509", "-in", pem.string(), "-outform", "DER", "-out", pem.string() + ".der"});
    auto bytes = readFile(pem.string() + ".der");
    return {bytes.begin(), bytes.end()};
}

std::string EuListsLab::base64Der(const fs::path& pem) {
    // The PEM body is the base64 of the DER.
    std::string text = readFile(pem), out;
    auto b = text.find('\n', text.find("-----BEGIN CERTIFICATE-----")) + 1;
    auto e = text.find("-----END CERTIFICATE-----");
    for (char c : text.substr(b, e - b))
        if (c != '\n' && c != '\r') out.push_back(c);
    return out;
}

std::string EuListsLab::signedList(const std::string& body, const std::string& name) {
    return signedList(body, dir() / name, {dir() / (name + ".pem")});
}

std::string EuListsLab::signedList(const std::string& body, const fs::path& key,
                                   const std::vector<fs::path>& key_info) {
    std::string certs;
    for (const auto& pem : key_info)
        certs += "<ds:X509Certificate>" + base64Der(pem) + "</ds:X509Certificate>";
    // The signature method follows the key: RSA (the lab's own keys) or ECDSA P-256.
    const bool ec = mustRun({"openssl", "pkey", "-in", (fs::path(key) += ".key").string(),
                             "-noout", "-text"})
                        .out.find("ASN1 OID") != std::string::npos;
    const std::string tmpl =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<tsl:TrustServiceStatusList xmlns:tsl=\"http://uri.etsi.org/02231/v2#\" "
        "Id=\"tsl-" +
        std::to_string(++serial_) + "\" TSLTag=\"http://uri.etsi.org/19612/TSLTag\">" + body +
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"sig\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#" +
        std::string(ec ? "ecdsa-sha256" : "rsa-sha256") +
        "\"/>"
        "<ds:Reference Id=\"ref-tl\" URI=\"\"><ds:Transforms>"
        "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
        "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
        "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<ds:DigestValue/></ds:Reference>"
        "<ds:Reference URI=\"#xades-sp\" Type=\"http://uri.etsi.org/01903#SignedProperties\">"
        "<ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "</ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo>"
        "<ds:X509Data>" +
        certs +
        "</ds:X509Data></ds:KeyInfo><ds:Object>"
        "<xades:QualifyingProperties xmlns:xades=\"" +
        kXadesNs +
        "\" Target=\"#sig\"><xades:SignedProperties Id=\"xades-sp\">"
        "<xades:SignedSignatureProperties><xades:SigningTime>2025-01-01T00:00:00Z"
        "</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties>"
        "</xades:QualifyingProperties></ds:Object></ds:Signature></tsl:TrustServiceStatusList>\n";
    const auto in = dir() / ("tmpl-" + std::to_string(serial_) + ".xml");
    const auto out = dir() / ("signed-" + std::to_string(serial_) + ".xml");
    writeFile(in, tmpl);
    mustRun({"xmlsec1", "--sign", "--privkey-pem", (fs::path(key) += ".key").string(),
             std::string("--id-attr:Id"), std::string(kXadesNs) + ":SignedProperties", "--output",
             out.string(), in.string()});
    return readFile(out);
}

std::string EuListsLab::lotlBody(const std::string& ro_operator_b64, bool files,
                                 const std::string& ro_xml, const std::optional<Dates>& dates) {
    auto at = [&](const std::string& name) { return files ? fileUrl(name) : url(name); };
    return scheme("EU", dates.value_or(fresh_)) + "<tsl:PointersToOtherTSL>" +
           pointer("EU", "EUlistofthelists", "application/vnd.etsi.tsl+xml", at("lotl.xml"),
                   base64Der(lotlSigners())) +
           pointer("RO", "EUgeneric", "application/pdf", at("ro.pdf"), ro_operator_b64) +
           pointer("RO", "EUgeneric", "application/vnd.etsi.tsl+xml", at(ro_xml),
                   ro_operator_b64) +
           pointer("BG", "EUgeneric", "application/vnd.etsi.tsl+xml", at("bg.xml"),
                   base64Der(dir() / "bg-operator.pem")) +
           "</tsl:PointersToOtherTSL></tsl:SchemeInformation>";
}

std::string EuListsLab::roBody(const Dates& dates) {
    return scheme("RO", dates) +
           "</tsl:SchemeInformation><tsl:TrustServiceProviderList><tsl:TrustServiceProvider>"
           "<tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang=\"en\">Test Trust SRL</tsl:Name>"
           "</tsl:TSPName></tsl:TSPInformation><tsl:TSPServices>" +
           service(kCaQc, "Test Qualified CA", kGranted, base64Der(qualifiedCa())) +
           service(kCaQc, "Test Withdrawn CA", kWithdrawn, base64Der(withdrawnCa())) +
           service(kTsaQtst, "Test Qualified TSA", kGranted, base64Der(tsaCert())) +
           "</tsl:TSPServices></tsl:TrustServiceProvider></tsl:TrustServiceProviderList>";
}

std::string EuListsLab::bgBody() {
    return scheme("BG", fresh_) +
           "</tsl:SchemeInformation><tsl:TrustServiceProviderList><tsl:TrustServiceProvider>"
           "<tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang=\"en\">BG Trust</tsl:Name>"
           "</tsl:TSPName></tsl:TSPInformation><tsl:TSPServices>" +
           service(kCaQc, "BG Qualified CA", kGranted, base64Der(bgCa())) +
           "</tsl:TSPServices></tsl:TrustServiceProvider></tsl:TrustServiceProviderList>";
}

}  // namespace certagent::testing
