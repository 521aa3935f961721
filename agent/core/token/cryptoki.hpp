#pragma once
// The one place that talks Cryptoki directly. A Module is a PKCS#11 library loaded once per
// process through libp11 (which owns C_Initialize/C_Finalize and gives us EVP_PKEYs); for what
// libp11 0.4.12 cannot do (EC key generation, chosen key attributes, fresh token/PIN flags,
// writing objects with every attribute) we call the same module's function list. Every CK_RV
// becomes a typed certagent::Error here.
#include "certagent/core/error.hpp"
#include "certagent/core/platform/dynamic_library.hpp"
#include "certagent/core/token/quirks.hpp"
#include "certagent/core/token/types.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <p11-kit/pkcs11.h>

struct PKCS11_ctx_st;

namespace certagent::token::detail {

// "CKR_PIN_INCORRECT" or "0x000000a0".
std::string ckrName(CK_RV rv);
bool isRemovalError(CK_RV rv) noexcept;
// Maps rv to the matching ErrorKind (TokenRemoved is retryable) and throws.
[[noreturn]] void throwCkr(CK_RV rv, std::string_view operation, const std::string& where);
inline void check(CK_RV rv, std::string_view operation, const std::string& where) {
    if (rv != CKR_OK) throwCkr(rv, operation, where);
}

std::string trimPadded(const unsigned char* text, std::size_t len);

class Module {
  public:
    // Loads the module at `path` (a real path) or returns the already loaded instance.
    // Throws Error(Token) with the loader's reason when it cannot be loaded.
    static std::shared_ptr<Module> acquire(const std::filesystem::path& realPath);
    ~Module();
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    CK_FUNCTION_LIST* fn() const noexcept { return fn_; }
    PKCS11_ctx_st* ctx() const noexcept { return ctx_; }
    const std::filesystem::path& path() const noexcept { return path_; }
    const std::string& manufacturer() const noexcept { return manufacturer_; }
    const std::string& description() const noexcept { return description_; }
    // All work on this module's tokens is serialized through this lock (libp11 contexts and
    // many vendor modules are not safe for concurrent use).
    std::recursive_mutex& mutex() noexcept { return mutex_; }

    std::vector<CK_SLOT_ID> slotsWithToken() const;
    // CK_TOKEN_INFO of the token in `slot`; quirks.tokenInfoCancelMeansOk accepts CKR_CANCEL
    // when the module filled the structure in anyway.
    TokenInfo tokenInfo(CK_SLOT_ID slot, const TokenQuirks& quirks = {}) const;
    // The slot's mechanism list has `mechanism`.
    bool hasMechanism(CK_SLOT_ID slot, CK_MECHANISM_TYPE mechanism) const;

  private:
    explicit Module(std::filesystem::path path);
    std::filesystem::path path_;
    PKCS11_ctx_st* ctx_ = nullptr;
    platform::DynamicLibrary dl_;
    CK_FUNCTION_LIST* fn_ = nullptr;
    std::string manufacturer_;
    std::string description_;
    std::recursive_mutex mutex_;
};

// A Cryptoki session, closed on destruction. Closing the last session of a token logs it out.
class Session {
  public:
    Session(std::shared_ptr<Module> module, CK_SLOT_ID slot, bool readWrite, std::string where);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    CK_SESSION_HANDLE handle() const noexcept { return handle_; }
    CK_FUNCTION_LIST* fn() const noexcept { return module_->fn(); }
    const std::string& where() const noexcept { return where_; }
    bool readWrite() const noexcept { return readWrite_; }

    std::vector<CK_OBJECT_HANDLE> find(std::vector<CK_ATTRIBUTE> tmpl) const;
    // Reads several attributes at once; a missing or sensitive one comes back empty.
    std::vector<std::optional<Bytes>> attributes(CK_OBJECT_HANDLE obj,
                                                 const std::vector<CK_ATTRIBUTE_TYPE>& types) const;
    std::optional<Bytes> attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const;
    bool boolAttribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, bool fallback) const;
    CK_OBJECT_HANDLE create(std::vector<CK_ATTRIBUTE> tmpl) const;
    CK_STATE state() const;

  private:
    std::shared_ptr<Module> module_;
    CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
    std::string where_;
    bool readWrite_ = false;
};

// Template helpers: the referenced values must outlive the call that uses the template.
inline CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t len) {
    return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(len)};
}
template <typename T>
CK_ATTRIBUTE attrOf(CK_ATTRIBUTE_TYPE type, const T& value) {
    return attr(type, &value, sizeof value);
}
inline CK_ATTRIBUTE attrBytes(CK_ATTRIBUTE_TYPE type, const Bytes& value) {
    return attr(type, value.data(), value.size());
}
inline CK_ATTRIBUTE attrText(CK_ATTRIBUTE_TYPE type, const std::string& value) {
    return attr(type, value.data(), value.size());
}

inline constexpr CK_BBOOL kTrue = CK_TRUE;
inline constexpr CK_BBOOL kFalse = CK_FALSE;

}  // namespace certagent::token::detail
