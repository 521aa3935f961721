// See eu_lists_lab.hpp.
#include "eu_lists_lab.hpp"

#include <httplib.h>

#include <stdexcept>
#include <atomic>
#include <functional>
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

std::string scheme(const std::string& territory) {
    return "<tsl:SchemeInformation><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>"
           "<tsl:TSLSequenceNumber>7</tsl:TSLSequenceNumber><tsl:SchemeTerritory>" +
           territory +
           "</tsl:SchemeTerritory><tsl:ListIssueDateTime>2025-01-01T00:00:00Z"
           "</tsl:ListIssueDateTime><tsl:NextUpdate><tsl:dateTime>2025-07-01T00:00:00Z"
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

EuListsLab::EuListsLab() {
    makePki();
    fs::create_directories(dir() / "www");
    server_ =
        std::make_unique<Server>(dir() / "tls-server.pem", dir() / "tls-server.key", dir() / "www");
    const auto www = dir() / "www";
    const std::string ro_operator = base64Der(dir() / "ro-operator.pem");
    writeFile(www / "ro.xml", signedList(roBody(), "ro-operator", "ro-operator"));
    std::string bg = signedList(bgBody(), "bg-operator", "bg-operator");
    // Changed after signing: the signature no longer matches.
    auto at = bg.find("BG Qualified CA");
    bg.replace(at, 2, "XX");
    writeFile(www / "bg.xml", bg);

    std::string lotl = signedList(lotlBody(ro_operator), "lotl-signer", "lotl-signer");
    writeFile(www / "lotl.xml", lotl);
    std::string tampered = lotl;
    auto cert_at = tampered.find(ro_operator) + ro_operator.size() / 2;
    tampered[cert_at] = tampered[cert_at] == 'A' ? 'B' : 'A';
    writeFile(www / "lotl-tampered.xml", tampered);
    writeFile(www / "lotl-file.xml",
              signedList(lotlBody(ro_operator, /*files=*/true), "lotl-signer", "lotl-signer"));
    writeFile(www / "lotl-rogue.xml", signedList(lotlBody(ro_operator), "rogue", "rogue"));
    writeFile(www / "lotl-rogue-claims-pinned.xml",
              signedList(lotlBody(ro_operator), "rogue", "lotl-signer"));
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
    auto selfSigned = [&](const std::string& name, const std::string& cn, bool ca) {
        mustRun(
            {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             d + "/" + name + ".key", "-out", d + "/" + name + ".pem", "-days", "365", "-subj",
             "/CN=" + cn + "/O=certagent tests/C=RO", "-addext",
             ca ? "basicConstraints=critical,CA:TRUE" : "basicConstraints=critical,CA:FALSE",
             "-addext",
             ca ? "keyUsage=critical,keyCertSign,cRLSign" : "keyUsage=critical,digitalSignature"});
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

std::string EuListsLab::signedList(const std::string& body, const std::string& key,
                                   const std::string& cert_pem) {
    const std::string cert = base64Der(dir() / (cert_pem + ".pem"));
    const std::string tmpl =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<tsl:TrustServiceStatusList xmlns:tsl=\"http://uri.etsi.org/02231/v2#\" "
        "Id=\"tsl-" +
        std::to_string(++serial_) + "\" TSLTag=\"http://uri.etsi.org/19612/TSLTag\">" + body +
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"sig\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
        "<ds:Reference Id=\"ref-tl\" URI=\"\"><ds:Transforms>"
        "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
        "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
        "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<ds:DigestValue/></ds:Reference>"
        "<ds:Reference URI=\"#xades-sp\" Type=\"http://uri.etsi.org/01903#SignedProperties\">"
        "<ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "</ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo>"
        "<ds:X509Data><ds:X509Certificate>" +
        cert +
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo><ds:Object>"
        "<xades:QualifyingProperties xmlns:xades=\"" +
        kXadesNs +
        "\" Target=\"#sig\"><xades:SignedProperties Id=\"xades-sp\">"
        "<xades:SignedSignatureProperties><xades:SigningTime>2025-01-01T00:00:00Z"
        "</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties>"
        "</xades:QualifyingProperties></ds:Object></ds:Signature></tsl:TrustServiceStatusList>\n";
    const auto in = dir() / ("tmpl-" + std::to_string(serial_) + ".xml");
    const auto out = dir() / ("signed-" + std::to_string(serial_) + ".xml");
    writeFile(in, tmpl);
    mustRun({"xmlsec1", "--sign", "--privkey-pem", (dir() / (key + ".key")).string(),
             std::string("--id-attr:Id"), std::string(kXadesNs) + ":SignedProperties", "--output",
             out.string(), in.string()});
    return readFile(out);
}

std::string EuListsLab::lotlBody(const std::string& ro_operator_b64, bool files) {
    auto at = [&](const std::string& name) { return files ? fileUrl(name) : url(name); };
    return scheme("EU") + "<tsl:PointersToOtherTSL>" +
           pointer("EU", "EUlistofthelists", "application/vnd.etsi.tsl+xml", at("lotl.xml"),
                   base64Der(lotlSigners())) +
           pointer("RO", "EUgeneric", "application/pdf", at("ro.pdf"), ro_operator_b64) +
           pointer("RO", "EUgeneric", "application/vnd.etsi.tsl+xml", at("ro.xml"),
                   ro_operator_b64) +
           pointer("BG", "EUgeneric", "application/vnd.etsi.tsl+xml", at("bg.xml"),
                   base64Der(dir() / "bg-operator.pem")) +
           "</tsl:PointersToOtherTSL></tsl:SchemeInformation>";
}

std::string EuListsLab::roBody() {
    return scheme("RO") +
           "</tsl:SchemeInformation><tsl:TrustServiceProviderList><tsl:TrustServiceProvider>"
           "<tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang=\"en\">Test Trust SRL</tsl:Name>"
           "</tsl:TSPName></tsl:TSPInformation><tsl:TSPServices>" +
           service(kCaQc, "Test Qualified CA", kGranted, base64Der(qualifiedCa())) +
           service(kCaQc, "Test Withdrawn CA", kWithdrawn, base64Der(withdrawnCa())) +
           service(kTsaQtst, "Test Qualified TSA", kGranted, base64Der(tsaCert())) +
           "</tsl:TSPServices></tsl:TrustServiceProvider></tsl:TrustServiceProviderList>";
}

std::string EuListsLab::bgBody() {
    return scheme("BG") +
           "</tsl:SchemeInformation><tsl:TrustServiceProviderList><tsl:TrustServiceProvider>"
           "<tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang=\"en\">BG Trust</tsl:Name>"
           "</tsl:TSPName></tsl:TSPInformation><tsl:TSPServices>" +
           service(kCaQc, "BG Qualified CA", kGranted, base64Der(bgCa())) +
           "</tsl:TSPServices></tsl:TrustServiceProvider></tsl:TrustServiceProviderList>";
}

}  // namespace certagent::testing
