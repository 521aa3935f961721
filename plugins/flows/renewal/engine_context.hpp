#pragma once
// What the engine lends a backend for one advance() (backend.hpp BackendContext), over the
// journal and the agent's extensions, plus the engine's own forward-only step moves.
#include <filesystem>
#include <memory>

#include "backend.hpp"
#include "engine_impl.hpp"

namespace certagent::renewal {

class EngineContext final : public BackendContext {
  public:
    // Creates this renewal's folder (0700).
    EngineContext(Engine::Impl& impl, RenewalRecord& rec, Engine::Impl::Live& live);

    // The engine's steps: forward only. Preflight is entered again on every advance() of a
    // renewal that has not passed it, so its attempts keep counting (a CA that stays
    // unreachable is not retried every second).
    void enterStep(Step step);

    RenewalRecord& record() override { return rec_; }
    void save() override;
    std::optional<std::string> value(const std::string& key) override;
    void setValue(const std::string& key, const std::string& v) override;
    std::string idempotencyKey(const std::string& call) override;
    void enterPhase(const std::string& phase) override;
    void progress(const std::string& message) override;
    void notify(const std::string& title, const std::string& body,
                const std::string& urgency) override;
    Answer ask(Prompt prompt) override;
    Http& http() override;
    Bytes signDigest(const std::string& keyId, const std::string& hash,
                     std::span<const uint8_t> digest) override;
    void signPdf(const std::filesystem::path& in, const std::filesystem::path& out,
                 const std::string& reason) override;
    PdfFacts inspectPdf(const std::filesystem::path& pdf, double minDpi) override;
    int64_t nowMs() override;
    const std::filesystem::path& workDir() override { return dir_; }
    void warn(const std::string& message) override;
    const std::string* sharedSecret() override {
        return impl_.runSecret.empty() ? nullptr : &impl_.runSecret;
    }

  private:
    // One transaction: the previous position done, the new one started, the record saved.
    void moveTo(Step step, const std::string& phase, const std::string& title);

    Engine::Impl& impl_;
    RenewalRecord& rec_;
    Engine::Impl::Live& live_;
    std::filesystem::path dir_;
    std::unique_ptr<Http> http_;
    uint64_t httpSession_ = 0;
};

}  // namespace certagent::renewal
