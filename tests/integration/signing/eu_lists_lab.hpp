#pragma once
// A throw-away EU trusted list world for the trusted list tests: a PKI made with the openssl
// command line, a LOTL and national lists signed with the xmlsec1 command line (XAdES-shaped
// enveloped signatures, as the EU publishes them), served over real TLS on 127.0.0.1.
//
// Lists are issued a day ago and next updated in 180 days (fresh()) unless said otherwise.
// Served files (url(name)):
//   lotl.xml                 signed by the pinned LOTL signer; points to the LOTL itself, to
//                            RO as PDF and as XML, and to BG as XML
//   ro.xml                   RO list signed by the RO operator: CA/QC granted (qualifiedCa),
//                            CA/QC withdrawn (withdrawnCa), TSA/QTST granted (tsaCert)
//   lotl-stale.xml           like lotl.xml, its NextUpdate ten days past
//   lotl-late.xml            like lotl.xml, its NextUpdate two hours past
//   lotl-ro-stale.xml        like lotl.xml, pointing to ro-stale.xml: ro.xml's content, its
//                            NextUpdate ten days past
//   bg.xml                   BG list changed after it was signed (bad signature)
//   lotl-tampered.xml        lotl.xml with one byte of the RO operator's certificate changed
//   lotl-rogue.xml           lotl.xml's content signed by a key and certificate not pinned
//   lotl-rogue-claims-pinned.xml  signed by that key, but naming the pinned certificate
//   lotl-file.xml            like lotl.xml, with file:// locations (fileUrl(name))
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace certagent::testing {

class EuListsLab {
  public:
    struct Dates {
        std::string issued, next_update;  // ListIssueDateTime, NextUpdate
    };
    // ISO 8601 UTC, `from_now` away from now.
    static std::string isoIn(std::chrono::seconds from_now);

    EuListsLab();
    ~EuListsLab();
    EuListsLab(const EuListsLab&) = delete;
    EuListsLab& operator=(const EuListsLab&) = delete;

    std::string url(const std::string& name) const;
    // 304 answers given so far (If-None-Match matched the file's ETag).
    int notModified() const;
    std::string fileUrl(const std::string& name) const;
    const std::filesystem::path& dir() const { return tmp_.path(); }

    std::filesystem::path tlsCa() const { return dir() / "tls-ca.pem"; }
    std::filesystem::path lotlSigners() const { return dir() / "lotl-signer.pem"; }
    std::filesystem::path qualifiedCa() const { return dir() / "qc-ca.pem"; }
    std::filesystem::path withdrawnCa() const { return dir() / "withdrawn-ca.pem"; }
    std::filesystem::path tsaCert() const { return dir() / "tsa.pem"; }
    std::filesystem::path bgCa() const { return dir() / "bg-ca.pem"; }
    const Dates& fresh() const { return fresh_; }

    // Serves <name>.xml, ro.xml's content signed with `signer` (.key, .pem; RSA or EC), its
    // KeyInfo carrying the signer's certificate then `key_info_extra` (PEM files), and
    // lotl-<name>.xml: lotl.xml pointing to it with the signer's certificate for RO.
    void publishRo(const std::string& name, const std::filesystem::path& signer,
                   const std::vector<std::filesystem::path>& key_info_extra = {});

    // A detached CAdES signature (openssl cms) over `data` by a fresh signer issued by the CA
    // named `ca` ("qc-ca" or "withdrawn-ca"); returns the .p7s path.
    std::filesystem::path signDetached(const std::filesystem::path& data, const std::string& ca);

    // An agent config using `lotl_name` (served) or a full URL, with extra TOML lines for
    // [verify].
    std::filesystem::path writeConfig(const std::string& name, const std::string& lotl_url,
                                      const std::string& extra_verify = {});

    static std::string base64Der(const std::filesystem::path& pem);
    static std::vector<uint8_t> der(const std::filesystem::path& pem);

  private:
    // Signed with dir()/<name>.key, KeyInfo dir()/<name>.pem.
    std::string signedList(const std::string& body, const std::string& name);
    std::string signedList(const std::string& body, const std::filesystem::path& key,
                           const std::vector<std::filesystem::path>& key_info);
    std::string lotlBody(const std::string& ro_operator_b64, bool files = false,
                         const std::string& ro_xml = "ro.xml",
                         const std::optional<Dates>& dates = std::nullopt);
    std::string roBody(const Dates& dates);
    std::string bgBody();
    void makePki();

    TempDir tmp_{"certagent-lotl"};
    struct Server;
    std::unique_ptr<Server> server_;
    int serial_ = 100;
    Dates fresh_;
};

}  // namespace certagent::testing
