// EU trusted lists: see trusted_list.hpp. The same verification runs when the lists are
// downloaded (updateTrustedList) and whenever the cached copies are used (loadTrustedList).
#include "certagent/core/signing/trusted_list.hpp"

#include <fmt/format.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/http/client.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/revocation.hpp"
#include "trusted_list_signers.hpp"
#include "xml_signature.hpp"

namespace certagent::signing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kTslNs = "http://uri.etsi.org/02231/v2#";
constexpr const char* kTslAdditionalNs = "http://uri.etsi.org/02231/v2/additionaltypes#";
constexpr const char* kTslMimeXml = "application/vnd.etsi.tsl+xml";
constexpr const char* kLotlTypeSuffix = "/EUlistofthelists";
constexpr const char* kCaQc = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC";
constexpr const char* kGranted = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted";
constexpr const char* kLotlFile = "lotl.xml";

using xml::child;
using xml::children;
using xml::text;

// A national list as the LOTL points to it.
struct Pointer {
    std::string territory;
    std::string location;
    std::vector<pdf::X509Ptr> signers;
};

std::vector<X509*> borrowed(const std::vector<pdf::X509Ptr>& certs) {
    std::vector<X509*> out;
    for (const auto& c : certs) out.push_back(c.get());
    return out;
}

bool validTerritory(const std::string& t) {
    return t.size() >= 2 && t.size() <= 3 &&
           std::all_of(t.begin(), t.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

// The English <Name> of a multilingual name element, else the first one.
std::string preferredName(const xmlNode* names) {
    std::string first;
    for (xmlNode* n : children(names, kTslNs, "Name")) {
        xmlChar* lang = xmlNodeGetLang(n);
        bool en = lang && xmlStrEqual(lang, reinterpret_cast<const xmlChar*>("en"));
        xmlFree(lang);
        if (en) return text(n);
        if (first.empty()) first = text(n);
    }
    return first;
}

xmlNode* tslRoot(xmlDoc* doc, const std::string& where) {
    xmlNode* root = xmlDocGetRootElement(doc);
    if (!root || !root->ns ||
        !xmlStrEqual(root->name, reinterpret_cast<const xmlChar*>("TrustServiceStatusList")) ||
        !xmlStrEqual(root->ns->href, reinterpret_cast<const xmlChar*>(kTslNs)))
        throw Error(ErrorKind::InvalidInput,
                    _("the document is not an ETSI trusted list (TrustServiceStatusList)"), where);
    return root;
}

std::vector<pdf::X509Ptr> digitalIdCertificates(const xmlNode* identity) {
    std::vector<pdf::X509Ptr> out;
    for (xmlNode* id : children(identity, kTslNs, "DigitalId"))
        for (xmlNode* c : children(id, kTslNs, "X509Certificate"))
            if (auto cert = xml::certificateFromBase64(text(c))) out.push_back(std::move(cert));
    return out;
}

// The LOTL's pointers to XML national lists (the LOTL's pointer to itself is left out).
std::vector<Pointer> nationalPointers(xmlNode* lotl_root) {
    std::vector<Pointer> out;
    xmlNode* pointers =
        child(child(lotl_root, kTslNs, "SchemeInformation"), kTslNs, "PointersToOtherTSL");
    for (xmlNode* p : children(pointers, kTslNs, "OtherTSLPointer")) {
        Pointer ptr;
        std::string mime, type;
        for (xmlNode* info :
             children(child(p, kTslNs, "AdditionalInformation"), kTslNs, "OtherInformation")) {
            if (xmlNode* t = child(info, kTslNs, "SchemeTerritory")) ptr.territory = text(t);
            if (xmlNode* t = child(info, kTslNs, "TSLType")) type = text(t);
            if (xmlNode* m = child(info, kTslAdditionalNs, "MimeType")) mime = text(m);
        }
        if (mime != kTslMimeXml) continue;
        if (type.size() >= std::char_traits<char>::length(kLotlTypeSuffix) &&
            type.ends_with(kLotlTypeSuffix))
            continue;
        ptr.location = text(child(p, kTslNs, "TSLLocation"));
        for (xmlNode* sdi : children(child(p, kTslNs, "ServiceDigitalIdentities"), kTslNs,
                                     "ServiceDigitalIdentity"))
            for (auto& c : digitalIdCertificates(sdi)) ptr.signers.push_back(std::move(c));
        out.push_back(std::move(ptr));
    }
    return out;
}

// Every certificate of the list's services: where the issuer of its signer's certificate may be.
std::vector<pdf::X509Ptr> serviceCertificates(xmlNode* root) {
    std::vector<pdf::X509Ptr> out;
    for (xmlNode* tsp :
         children(child(root, kTslNs, "TrustServiceProviderList"), kTslNs, "TrustServiceProvider"))
        for (xmlNode* service : children(child(tsp, kTslNs, "TSPServices"), kTslNs, "TSPService"))
            for (auto& cert :
                 digitalIdCertificates(child(child(service, kTslNs, "ServiceInformation"), kTslNs,
                                             "ServiceDigitalIdentity")))
                out.push_back(std::move(cert));
    return out;
}

// CA/QC services whose current status is granted.
std::vector<TrustedListAnchor> qualifiedCas(xmlNode* root, const std::string& territory) {
    std::vector<TrustedListAnchor> out;
    for (xmlNode* tsp : children(child(root, kTslNs, "TrustServiceProviderList"), kTslNs,
                                 "TrustServiceProvider")) {
        std::string provider =
            preferredName(child(child(tsp, kTslNs, "TSPInformation"), kTslNs, "TSPName"));
        for (xmlNode* service : children(child(tsp, kTslNs, "TSPServices"), kTslNs, "TSPService")) {
            xmlNode* info = child(service, kTslNs, "ServiceInformation");
            if (text(child(info, kTslNs, "ServiceTypeIdentifier")) != kCaQc ||
                text(child(info, kTslNs, "ServiceStatus")) != kGranted)
                continue;
            std::string name = preferredName(child(info, kTslNs, "ServiceName"));
            for (auto& cert : digitalIdCertificates(child(info, kTslNs, "ServiceDigitalIdentity")))
                out.push_back({territory, provider, name, std::move(cert)});
        }
    }
    return out;
}

struct VerifiedSet {
    std::string lotl_xml;
    std::vector<std::pair<std::string, std::string>> nationals;  // territory, XML
    TrustedListCache cache;
    std::vector<std::string> notes;  // see TrustedListUpdate::notes
};

// What a list is judged against besides its signature.
struct ListChecks {
    std::time_t now;
    std::chrono::hours grace;
    // When updating (not when loading the cache): the revocation of national list signers.
    RevocationChecker* revocation = nullptr;
};

ListChecks listChecks(const config::Config& config) {
    return {std::time(nullptr),
            std::chrono::hours(config.getInt("verify.trusted_list_grace_hours"))};
}

std::string issueDate(xmlNode* scheme) { return text(child(scheme, kTslNs, "ListIssueDateTime")); }
std::string nextUpdate(xmlNode* scheme) {
    return text(child(child(scheme, kTslNs, "NextUpdate"), kTslNs, "dateTime"));
}

// Verifies the LOTL (throws InvalidInput; out of date: `cache.stale`, nothing else read) and
// then every national list `source` gives (std::nullopt: not wanted; a thrown Error: skipped
// with its reason).
VerifiedSet verifySet(std::string lotl_xml, const std::vector<X509*>& lotl_signers,
                      const std::string& lotl_where,
                      const std::function<std::optional<std::string>(const Pointer&)>& source,
                      const ListChecks& checks,
                      const std::function<void(std::string_view)>& progress) {
    VerifiedSet set;
    xml::DocPtr lotl = xml::parse(lotl_xml, lotl_where);
    xmlNode* root = tslRoot(lotl.get(), lotl_where);
    auto check = xml::verifyEnveloped(lotl.get(), lotl_signers);
    xmlNode* scheme = child(root, kTslNs, "SchemeInformation");
    set.cache.issued = issueDate(scheme);
    set.cache.next_update = nextUpdate(scheme);
    if (check.ok)
        if (auto p = signerNotValidWhenIssued(check.signer, set.cache.issued)) check = {false, *p};
    if (!check.ok)
        throw Error(
            ErrorKind::InvalidInput,
            fmt::format(fmt::runtime(_("the list of trusted lists is refused: {0}")), check.reason),
            lotl_where);
    set.lotl_xml = std::move(lotl_xml);
    if (auto p = outOfDate(set.cache.next_update, checks.now, checks.grace)) {
        set.cache.stale = true;
        set.cache.problems.push_back(
            fmt::format(fmt::runtime(_("the list of trusted lists is out of date: {0}")), *p));
        return set;
    }

    std::set<std::string> seen;
    for (const Pointer& ptr : nationalPointers(root)) {
        auto skip = [&](const std::string& reason) {
            set.cache.problems.push_back(
                fmt::format("{0} ({1}): {2}", ptr.territory, ptr.location, reason));
        };
        if (!validTerritory(ptr.territory)) {
            skip(_("the pointer has no valid territory code"));
            continue;
        }
        if (!seen.insert(ptr.territory).second) continue;  // one XML list per territory
        if (ptr.signers.empty()) {
            skip(_("the list of trusted lists gives no certificate for this list"));
            continue;
        }
        try {
            auto national_xml = source(ptr);
            if (!national_xml) continue;
            if (progress)
                progress(fmt::format(fmt::runtime(_("Verifying the trusted list of {0}")),
                                     ptr.territory));
            xml::DocPtr doc = xml::parse(*national_xml, ptr.location);
            xmlNode* nroot = tslRoot(doc.get(), ptr.location);
            auto ncheck = xml::verifyEnveloped(doc.get(), borrowed(ptr.signers));
            if (!ncheck.ok) {
                skip(ncheck.reason);
                continue;
            }
            xmlNode* nscheme = child(nroot, kTslNs, "SchemeInformation");
            std::string territory = text(child(nscheme, kTslNs, "SchemeTerritory"));
            if (territory != ptr.territory) {
                skip(fmt::format(fmt::runtime(_("the list is for territory \"{0}\"")), territory));
                continue;
            }
            if (auto p = signerNotValidWhenIssued(ncheck.signer, issueDate(nscheme))) {
                skip(*p);
                continue;
            }
            if (auto p = outOfDate(nextUpdate(nscheme), checks.now, checks.grace)) {
                skip(fmt::format(fmt::runtime(_("the list is out of date: {0}")), *p));
                set.cache.stale_lists.push_back(ptr.territory);
                continue;
            }
            if (checks.revocation) {
                std::vector<pdf::X509Ptr> owned = serviceCertificates(nroot);
                for (auto& c : ncheck.key_info) owned.push_back(std::move(c));
                std::vector<X509*> candidates = borrowed(owned);
                for (X509* c : borrowed(ptr.signers)) candidates.push_back(c);
                auto status =
                    signerRevocation(ncheck.signer, candidates, *checks.revocation, checks.now);
                if (status.revoked) {
                    skip(status.message);
                    continue;
                }
                if (!status.message.empty())
                    set.notes.push_back(
                        fmt::format("{0} ({1}): {2}", ptr.territory, ptr.location, status.message));
            }
            for (auto& a : qualifiedCas(nroot, ptr.territory))
                set.cache.anchors.push_back(std::move(a));
            set.nationals.emplace_back(ptr.territory, std::move(*national_xml));
        } catch (const Error& e) {
            skip(e.what());
        }
    }
    return set;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, _("the file cannot be read"), p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeFile(const fs::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw Error(ErrorKind::Io, _("the file cannot be written"), p.string());
}

bool isFileUrl(const std::string& url) { return url.rfind("file://", 0) == 0; }

// Downloads with conditional requests: the ETag and Last-Modified of each list are kept next to
// the cache (trust/eu-trusted-list.validators), and a list the server says is unchanged (304)
// is taken from the verified cache instead, then verified again like a downloaded one.
class Fetcher {
  public:
    Fetcher(const config::Config& config, bool allow_files, const fs::path& state_dir)
        : allow_files_(allow_files),
          validators_file_(state_dir / "trust" / "eu-trusted-list.validators"),
          cache_dir_(trustedListCacheDir(state_dir)) {
        http::ClientOptions options;
        options.caBundle = config.getString("verify.trusted_list_tls_ca_bundle");
        options.maxResponseBytes = 64u << 20;  // some national lists are several MiB
        options.timeout = std::chrono::seconds(120);
        client_ = std::make_unique<http::CurlClient>(options);
        std::error_code ec;
        if (fs::file_size(validators_file_, ec) < (1u << 20) && !ec) {
            std::istringstream in(readFile(validators_file_));
            // url \t etag \t last-modified, one list per line
            for (std::string line; std::getline(in, line);) {
                auto a = line.find('\t'), b = line.find('\t', a + 1);
                if (a == std::string::npos || b == std::string::npos) continue;
                known_[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
            }
        }
    }
    // `cached`: the verified copy of this list, sent conditionally when there is one.
    std::string get(const std::string& url, const std::string& cached = {}) {
        if (isFileUrl(url)) {
            if (!allow_files_)
                throw Error(ErrorKind::InvalidInput,
                            _("file:// locations are followed only from a local list of "
                              "trusted lists"),
                            url);
            return readFile(url.substr(7));
        }
        http::Request request;
        request.url = url;
        const fs::path copy = cache_dir_ / cached;
        std::error_code ec;
        const bool have_copy = !cached.empty() && fs::exists(copy, ec);
        if (auto it = known_.find(url); it != known_.end() && have_copy) {
            if (!it->second.first.empty())
                request.headers.push_back("If-None-Match: " + it->second.first);
            if (!it->second.second.empty())
                request.headers.push_back("If-Modified-Since: " + it->second.second);
        }
        auto response = client_->perform(request);
        if (response.status == 304 && have_copy) {
            ++not_modified_;
            seen_[url] = known_[url];
            return readFile(copy);
        }
        if (response.status != 200)
            throw Error(
                ErrorKind::Protocol,
                fmt::format(fmt::runtime(_("the server answered HTTP {0}")), response.status), url);
        seen_[url] = {response.header("etag"), response.header("last-modified")};
        return std::move(response.body);
    }
    int notModified() const { return not_modified_; }
    // After the cache was written: what the next update may send conditionally.
    void save() const {
        std::string out;
        for (const auto& [url, v] : seen_)
            if (!v.first.empty() || !v.second.empty())
                out += url + "\t" + v.first + "\t" + v.second + "\n";
        try {
            writeFile(validators_file_, out);
        } catch (const Error&) {
            // Only the next download's size is at stake.
        }
    }

  private:
    bool allow_files_;
    fs::path validators_file_, cache_dir_;
    std::map<std::string, std::pair<std::string, std::string>> known_, seen_;
    int not_modified_ = 0;
    std::unique_ptr<http::CurlClient> client_;
};

std::string pemExport(const std::vector<TrustedListAnchor>& anchors) {
    std::string out =
        "# EU trusted list: CA/QC services with status granted, verified by certagent.\n"
        "# Not read back: the agent re-verifies the XML lists in eu-trusted-list/.\n";
    for (const auto& a : anchors) {
        pdf::BioPtr bio(BIO_new(BIO_s_mem()));
        PEM_write_bio_X509(bio.get(), a.certificate.get());
        char* p = nullptr;
        long n = BIO_get_mem_data(bio.get(), &p);
        out += "\n# " + a.territory + " | " + a.provider + " | " + a.service + "\n";
        out.append(p, static_cast<size_t>(n));
    }
    return out;
}

// Replaces the cache directory and the PEM export with the new set. Each step is a rename, so
// a crash leaves either the old or the new verified directory (and loading re-verifies).
void writeCache(const fs::path& state_dir, const VerifiedSet& set) {
    const fs::path dir = trustedListCacheDir(state_dir);
    const fs::path staging = dir.string() + ".new";
    const fs::path old = dir.string() + ".old";
    const fs::path pem = trustedListCacheFile(state_dir);
    const fs::path pem_new = pem.string() + ".new";
    try {
        fs::create_directories(dir.parent_path());
        fs::remove_all(staging);
        fs::create_directories(staging);
        writeFile(staging / kLotlFile, set.lotl_xml);
        for (const auto& [territory, bytes] : set.nationals)
            writeFile(staging / (territory + ".xml"), bytes);
        writeFile(pem_new, pemExport(set.cache.anchors));
        fs::remove_all(old);
        if (fs::exists(dir)) fs::rename(dir, old);
        fs::rename(staging, dir);
        fs::rename(pem_new, pem);
        fs::remove_all(old);
    } catch (const fs::filesystem_error& e) {
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("the trusted list cache cannot be written ({0})")),
                                e.code().message()),
                    dir.string());
    }
}

}  // namespace

TrustedListUpdate updateTrustedList(const config::Config& config, const fs::path& state_dir,
                                    const std::function<void(std::string_view)>& progress) {
    const std::string url = config.getString("verify.trusted_list_url");
    if (url.empty())
        throw Error(ErrorKind::Config,
                    _("[verify] trusted_list_url is not set: there is no trusted list to update"),
                    "verify.trusted_list_url");
    auto signers = loadLotlSigners(config);
    std::set<std::string> wanted;
    for (const auto& c : config.getStrings("verify.trusted_list_countries"))
        wanted.insert(upper(c));

    Fetcher fetcher(config, isFileUrl(url), state_dir);
    if (progress)
        progress(
            fmt::format(fmt::runtime(_("Downloading the list of trusted lists from {0}")), url));
    std::string lotl;
    try {
        lotl = fetcher.get(url, kLotlFile);
    } catch (const Error& e) {
        throw Error(e.kind(),
                    fmt::format(fmt::runtime(_("the list of trusted lists cannot be downloaded: "
                                               "{0}")),
                                e.what()),
                    url, e.retryable());
    }
    auto source = [&](const Pointer& p) -> std::optional<std::string> {
        if (!wanted.empty() && !wanted.count(p.territory)) return std::nullopt;
        if (progress)
            progress(fmt::format(fmt::runtime(_("Downloading the trusted list of {0} from {1}")),
                                 p.territory, p.location));
        return fetcher.get(p.location, p.territory + ".xml");
    };
    RevocationChecker revocation(revocationSettingsFrom(config, state_dir));
    ListChecks checks = listChecks(config);
    checks.revocation = &revocation;
    VerifiedSet set = verifySet(std::move(lotl), borrowed(signers), url, source, checks, progress);
    if (set.cache.stale) throw Error(ErrorKind::InvalidInput, set.cache.problems.back(), url);

    TrustedListUpdate result;
    result.lists = static_cast<int>(set.nationals.size());
    result.certificates = static_cast<int>(set.cache.anchors.size());
    result.skipped = set.cache.problems;
    result.notes = set.notes;
    if (set.nationals.empty())
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("no national trusted list could be verified; the "
                                               "previous cache is kept ({0})")),
                                set.cache.problems.empty()
                                    ? std::string(_("the list of trusted lists points to none"))
                                    : set.cache.problems.front()),
                    url);
    writeCache(state_dir, set);
    fetcher.save();
    result.not_modified = fetcher.notModified();
    return result;
}

TrustedListCache loadTrustedList(const config::Config& config, const fs::path& state_dir) {
    TrustedListCache none;
    const fs::path dir = trustedListCacheDir(state_dir);
    std::error_code ec;
    if (!fs::exists(dir / kLotlFile, ec)) {
        none.problems.push_back(
            _("the EU trusted list has not been downloaded yet (certagent-cli trusted-list "
              "update)"));
        return none;
    }
    try {
        auto signers = loadLotlSigners(config);
        auto source = [&](const Pointer& p) -> std::optional<std::string> {
            fs::path file = dir / (p.territory + ".xml");
            if (!fs::exists(file)) return std::nullopt;
            return readFile(file);
        };
        auto set = verifySet(readFile(dir / kLotlFile), borrowed(signers),
                             (dir / kLotlFile).string(), source, listChecks(config), {});
        return std::move(set.cache);
    } catch (const Error& e) {
        none.problems.push_back(describe(e));
        return none;
    }
}

}  // namespace certagent::signing
