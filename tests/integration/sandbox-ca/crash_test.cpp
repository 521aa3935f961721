// The server dies in the middle of a request, or after doing a step but before the client got
// the answer: every accepted state is kept, nothing half-done is, and the client's retry with
// the same Idempotency-Key neither fails nor repeats the step.
#include "portal_test_support.hpp"

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace certagent::testing {
namespace {

class Crash : public PortalTest {};

// Uploads `body` but stops after half of it until told to go on, so the server is caught
// inside the request.
struct StalledUpload {
    std::string body;
    size_t sent = 0;
    std::atomic<bool> half_sent{false};
    std::atomic<bool> release{false};

    static size_t read(char* buf, size_t size, size_t n, void* user) {
        auto* self = static_cast<StalledUpload*>(user);
        if (self->sent >= self->body.size() / 2 && !self->release) {
            self->half_sent = true;
            while (!self->release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            return CURL_READFUNC_ABORT;
        }
        size_t chunk = std::min(size * n, self->body.size() / 2 - self->sent);
        if (chunk == 0) chunk = std::min(size * n, self->body.size() - self->sent);
        std::memcpy(buf, self->body.data() + self->sent, chunk);
        self->sent += chunk;
        return chunk;
    }
};

TEST_F(Crash, KillDuringAnUploadKeepsTheStateAndTheRetrySucceeds) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    const auto url = api("renewals/" + id + "/identity-document");
    const auto key = newKey();
    auto pdf = identityPdf();
    StalledUpload upload;
    upload.body = pdf + std::string(512 * 1024, '%');  // large enough to be mid-body for sure

    std::thread client([&] {
        CURL* curl = curl_easy_init();
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca->trustBundle().c_str());
        curl_easy_setopt(curl, CURLOPT_SSLCERT, h.cert.c_str());
        curl_easy_setopt(curl, CURLOPT_SSLKEY, h.key.c_str());
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                         static_cast<curl_off_t>(upload.body.size()));
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, &StalledUpload::read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
        struct curl_slist* headers = nullptr;
        headers = curl_slist_append(headers, "Content-Type: application/pdf");
        headers = curl_slist_append(headers, ("Idempotency-Key: " + key).c_str());
        headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_perform(curl);  // fails: the server is killed under it
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
    });
    for (int i = 0; i < 1000 && !upload.half_sent; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(upload.half_sent);
    ca->kill9();  // the server is inside the request, reading its body
    upload.release = true;
    client.join();

    ca->start();
    auto r = renewal(c, id);
    EXPECT_EQ(r.at("state"), "CIORNA");
    EXPECT_TRUE(r.at("identity_document").is_null());
    // The agent retries the step with the same key: it runs now, once.
    auto retry = c.putPdf(url, pdf, key);
    EXPECT_EQ(retry.status, 200) << retry.body;
    EXPECT_EQ(renewal(c, id).at("state"), "ACT_INCARCAT");
}

TEST_F(Crash, LostAnswerIsReplayedAfterARestartAndTheStepIsNotRepeated) {
    startCa();
    auto h = activeHolder();
    auto c = clientFor(h);
    const std::string id = createRenewal(c, h).at("id");
    uploadIdentity(c, id);
    uploadSignedDeclaration(c, h, id);
    const auto key = newKey();
    auto first = c.postJson(api("renewals/" + id + "/submit"), nlohmann::json::object(), key);
    ASSERT_EQ(first.status, 200);
    ca->kill9();  // as if the answer never reached the agent
    ca->start();
    auto again = c.postJson(api("renewals/" + id + "/submit"), nlohmann::json::object(), key);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    auto now = renewal(c, id);
    EXPECT_EQ(now.at("payment").at("id"), first.json().at("payment").at("id"))
        << "one payment, not two";
    size_t submits = 0;
    for (const auto& e : now.at("history")) submits += e.at("to") == "PLATA_IN_ASTEPTARE";
    EXPECT_EQ(submits, 1u);
}

}  // namespace
}  // namespace certagent::testing
