// Headless Chromium (Debian's chromium) loads a page from an allowed origin, served on another
// loopback port, that calls the local server with fetch(): status (GET) and a JSON POST (which
// needs a CORS preflight). A page from a disallowed origin must fail to read either answer.
// The page writes the outcome into the DOM, read back with --dump-dom.
#include <httplib.h>

#include <thread>

#include "lab.hpp"
#include "server_fixture.hpp"

using namespace certagent;
using namespace certagent::testing;

namespace {

const char* kPage = R"(<!doctype html><html><body><pre id="out">pending</pre><script>
const api = "http://127.0.0.1:@PORT@/api/v1/";
const out = [];
async function run() {
  try {
    const r = await fetch(api + "status");
    const j = await r.json();
    out.push("status:" + r.status + ":" + j.service);
  } catch (e) { out.push("status:blocked"); }
  try {
    const r = await fetch(api + "sign/hash", {method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({algorithm: "sha256",
        digest: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        certificate: {token: "@TOKEN@", id: "a1"}})});
    const j = await r.json();
    out.push("sign:" + r.status + ":" + (j.error ? j.error.code : "signed"));
  } catch (e) { out.push("sign:blocked"); }
  document.getElementById("out").textContent = "done " + out.join(" ");
}
run();
</script></body></html>)";

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

// Serves the page on 127.0.0.1 at a free port, in its own thread.
class PageServer {
public:
    PageServer() {
        server_.Get("/", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            res.set_content(html_, "text/html; charset=utf-8");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~PageServer() {
        server_.stop();
        thread_.join();
    }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
    void setHtml(std::string html) {
        std::lock_guard lock(mutex_);
        html_ = std::move(html);
    }

private:
    std::mutex mutex_;
    std::string html_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

std::string chromiumDump(const std::string& url, const std::filesystem::path& profile) {
    auto r = runProcess({"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking", "--disable-component-update",
                         "--no-first-run", "--user-data-dir=" + profile.string(),
                         "--virtual-time-budget=15000", "--dump-dom", url},
                        {}, {}, 90);
    return r.out + (r.exit_code != 0 ? "\n[chromium exit " + std::to_string(r.exit_code) +
                                           "] " + r.err.substr(0, 2000)
                                     : "");
}

struct ChromiumTest : ServerFixture {
    void SetUp() override {
        if (runProcess({"sh", "-c", "command -v chromium"}).exit_code != 0)
            CERTAGENT_NEED_LAB("the package chromium is not installed");
        ServerFixture::SetUp();
    }
};

}  // namespace

TEST_F(ChromiumTest, AllowedOriginPageReadsStatusAndPostsThroughThePreflight) {
    consent->grant = false;  // the browser path is under test here, not the signature
    PageServer allowed, other;
    server::ServerOptions o;
    o.allowed_origins = {allowed.origin()};
    start(o);
    const auto html = replaceAll(replaceAll(kPage, "@PORT@", std::to_string(server->port())),
                                 "@TOKEN@", token->serial);
    allowed.setHtml(html);
    other.setHtml(html);

    auto ok = chromiumDump(allowed.origin() + "/", dir / "profile-allowed");
    EXPECT_NE(ok.find("done status:200:certagent"), std::string::npos) << ok;
    // The POST got through the preflight and reached the consent, which refused.
    EXPECT_NE(ok.find("sign:403:CONSENT_DENIED"), std::string::npos) << ok;
    EXPECT_EQ(consent->seen.size(), 1u);
    if (!consent->seen.empty()) {
        EXPECT_EQ(consent->seen[0].origin, allowed.origin());
    }

    auto bad = chromiumDump(other.origin() + "/", dir / "profile-other");
    EXPECT_NE(bad.find("done status:blocked sign:blocked"), std::string::npos) << bad;
    EXPECT_EQ(consent->seen.size(), 1u);  // the other origin never reached the consent
}
