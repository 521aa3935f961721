#include "cryptoki.hpp"

#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"

#include <fmt/format.h>
#include <libp11.h>
#include <openssl/err.h>
#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

namespace certagent::token::detail {

namespace fs = std::filesystem;

std::string ckrName(CK_RV rv) {
    static const std::map<CK_RV, const char*> kNames = {
        {CKR_CANCEL, "CKR_CANCEL"},
        {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
        {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
        {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
        {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
        {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
        {CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY"},
        {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
        {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
        {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
        {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
        {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
        {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
        {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
        {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
        {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
        {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
        {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
        {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
        {CKR_PIN_INVALID, "CKR_PIN_INVALID"},
        {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
        {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
        {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
        {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
        {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
        {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
        {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
        {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
        {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
        {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
        {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
        {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED"},
        {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
        {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
        {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
        {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
        {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
        {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
        {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    };
    auto it = kNames.find(rv);
    return it != kNames.end() ? it->second : fmt::format("0x{:08x}", rv);
}

bool isRemovalError(CK_RV rv) noexcept {
    switch (rv) {
        case CKR_DEVICE_REMOVED:
        case CKR_TOKEN_NOT_PRESENT:
        case CKR_SESSION_HANDLE_INVALID:
        case CKR_SESSION_CLOSED:
        case CKR_SLOT_ID_INVALID:
        case CKR_TOKEN_NOT_RECOGNIZED:
            return true;
        default:
            return false;
    }
}

void throwCkr(CK_RV rv, std::string_view operation, const std::string& where) {
    if (isRemovalError(rv))
        throw retryableError(
            ErrorKind::TokenRemoved,
            fmt::format(fmt::runtime(_("The token was removed or stopped responding during {0} "
                                       "({1}); insert it and try again")),
                        operation, ckrName(rv)),
            where);
    if (rv == CKR_PIN_LOCKED)
        throw Error(ErrorKind::PinLocked,
                    _("The PIN is blocked; unblock it with the PUK or the token vendor's tool"),
                    where);
    if (rv == CKR_PIN_INCORRECT) throw Error(ErrorKind::PinIncorrect, _("Wrong PIN"), where);
    throw Error(ErrorKind::Token,
                fmt::format(fmt::runtime(_("The token refused {0} ({1})")), operation, ckrName(rv)),
                where);
}

std::string trimPadded(const unsigned char* text, std::size_t len) {
    std::string s(reinterpret_cast<const char*>(text), len);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

namespace {

std::string opensslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

// One entry per library path. A library is loaded (C_Initialize) and unloaded (C_Finalize)
// outside the lock, so different libraries load in parallel; the same library is loaded again
// only once its previous instance has finished unloading (a C_Finalize after the new
// C_Initialize would finalize the new instance too).
struct RegistryEntry {
    std::weak_ptr<Module> module;
    bool loading = false;
    bool live = false;  // constructed and not yet unloaded (may be expired, unloading)
};
std::mutex& registryMutex() {
    static std::mutex m;
    return m;
}
std::condition_variable& registryChanged() {
    static std::condition_variable cv;
    return cv;
}
std::map<fs::path, RegistryEntry>& registry() {
    static std::map<fs::path, RegistryEntry> r;
    return r;
}

}  // namespace

std::shared_ptr<Module> Module::acquire(const fs::path& realPath) {
    std::unique_lock lock(registryMutex());
    auto& entry = registry()[realPath];  // map references stay valid
    for (;;) {
        if (auto existing = entry.module.lock()) return existing;
        if (!entry.loading && !entry.live) break;
        registryChanged().wait(lock);  // another thread loads it, or the last one unloads
    }
    entry.loading = true;
    lock.unlock();
    std::shared_ptr<Module> module;
    try {
        module.reset(new Module(realPath));
    } catch (...) {
        lock.lock();
        entry.loading = false;
        registryChanged().notify_all();
        throw;
    }
    lock.lock();
    entry.loading = false;
    entry.live = true;
    entry.module = module;
    registryChanged().notify_all();
    return module;
}

Module::Module(fs::path path) : path_(std::move(path)) {
    const std::string where = path_.string();
    ctx_ = PKCS11_CTX_new();
    if (!ctx_) throw Error(ErrorKind::Internal, "PKCS11_CTX_new failed", where);
    ERR_clear_error();
    if (PKCS11_CTX_load(ctx_, path_.string().c_str()) != 0) {
        std::string why = opensslErrors();
        PKCS11_CTX_free(ctx_);
        ctx_ = nullptr;
        throw Error(ErrorKind::Token,
                    fmt::format(fmt::runtime(_("Cannot load the PKCS#11 module ({0})")),
                                why.empty() ? std::string("C_Initialize failed") : why),
                    where);
    }
    // libp11 already dlopen'ed the module; RTLD_NOLOAD hands us the same instance, so our raw
    // calls share its initialisation, sessions and login state.
    dl_ = platform::DynamicLibrary(path_, platform::DynamicLibrary::Mode::AlreadyLoaded);
    auto getList = dl_.function<CK_C_GetFunctionList>("C_GetFunctionList");
    if (!getList || getList(&fn_) != CKR_OK || !fn_) {
        dl_ = {};
        PKCS11_CTX_unload(ctx_);
        PKCS11_CTX_free(ctx_);
        ctx_ = nullptr;
        throw Error(ErrorKind::Token, _("The PKCS#11 module has no usable function list"), where);
    }
    CK_INFO info{};
    if (fn_->C_GetInfo(&info) == CKR_OK) {
        manufacturer_ = trimPadded(info.manufacturerID, sizeof info.manufacturerID);
        description_ = trimPadded(info.libraryDescription, sizeof info.libraryDescription);
    }
    log::debug("token", "loaded PKCS#11 module {} ({})", where, description_);
}

Module::~Module() {
    dl_ = {};
    if (ctx_) {
        PKCS11_CTX_unload(ctx_);
        PKCS11_CTX_free(ctx_);
    }
    std::lock_guard lock(registryMutex());
    registry()[path_].live = false;  // the entry stays: one small struct per library path
    registryChanged().notify_all();
}

std::vector<CK_SLOT_ID> Module::slotsWithToken() const {
    CK_ULONG count = 0;
    check(fn_->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList", path_.string());
    std::vector<CK_SLOT_ID> slots(count);
    if (count == 0) return slots;
    CK_RV rv = fn_->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) return slotsWithToken();  // a token arrived meanwhile
    check(rv, "C_GetSlotList", path_.string());
    slots.resize(count);
    return slots;
}

namespace {

// Some text field of CK_TOKEN_INFO holds something other than zeros and blanks.
bool filledIn(const CK_TOKEN_INFO& ti) {
    auto hasText = [](const unsigned char* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            if (p[i] != 0 && p[i] != ' ') return true;
        return false;
    };
    return hasText(ti.label, sizeof ti.label) || hasText(ti.serialNumber, sizeof ti.serialNumber) ||
           hasText(ti.model, sizeof ti.model);
}

}  // namespace

TokenInfo Module::tokenInfo(CK_SLOT_ID slot, const TokenQuirks& quirks) const {
    const std::string where = fmt::format("{} slot {}", path_.string(), slot);
    TokenInfo t;
    t.slotId = slot;
    t.module = path_;
    CK_SLOT_INFO si{};
    check(fn_->C_GetSlotInfo(slot, &si), "C_GetSlotInfo", where);
    t.slotDescription = trimPadded(si.slotDescription, sizeof si.slotDescription);
    CK_TOKEN_INFO ti{};
    CK_RV rv = fn_->C_GetTokenInfo(slot, &ti);
    if (rv == CKR_CANCEL && quirks.tokenInfoCancelMeansOk && filledIn(ti)) {
        // token_info_cancel_on_old_macos: the module filled the structure and still said
        // CKR_CANCEL (an mToken CryptoID build); the data is what we need.
        log::debug("token",
                   "{}: C_GetTokenInfo said CKR_CANCEL with the structure filled; "
                   "taken as success (quirk)",
                   where);
        rv = CKR_OK;
    }
    check(rv, "C_GetTokenInfo", where);
    t.label = trimPadded(ti.label, sizeof ti.label);
    t.serial = trimPadded(ti.serialNumber, sizeof ti.serialNumber);
    t.manufacturer = trimPadded(ti.manufacturerID, sizeof ti.manufacturerID);
    t.model = trimPadded(ti.model, sizeof ti.model);
    t.flags = ti.flags;
    t.loginRequired = ti.flags & CKF_LOGIN_REQUIRED;
    t.readOnly = ti.flags & CKF_WRITE_PROTECTED;
    t.protectedAuthenticationPath = ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH;
    t.minPinLength = ti.ulMinPinLen;
    t.maxPinLength = ti.ulMaxPinLen;
    t.userPin = PinFlags::fromTokenFlags(ti.flags);
    t.soPin = PinFlags::fromSoFlags(ti.flags);
    return t;
}

bool Module::hasMechanism(CK_SLOT_ID slot, CK_MECHANISM_TYPE mechanism) const {
    const std::string where = fmt::format("{} slot {}", path_.string(), slot);
    CK_ULONG count = 0;
    check(fn_->C_GetMechanismList(slot, nullptr, &count), "C_GetMechanismList", where);
    if (count == 0) return false;
    if (count > 4096) count = 4096;  // a module's answer is input: bounded
    std::vector<CK_MECHANISM_TYPE> list(count);
    CK_RV rv = fn_->C_GetMechanismList(slot, list.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) return false;  // the list changed or lies: not listed
    check(rv, "C_GetMechanismList", where);
    list.resize(std::min<CK_ULONG>(count, list.size()));
    return std::find(list.begin(), list.end(), mechanism) != list.end();
}

Session::Session(std::shared_ptr<Module> module, CK_SLOT_ID slot, bool readWrite, std::string where)
    : module_(std::move(module)), where_(std::move(where)), readWrite_(readWrite) {
    CK_FLAGS flags = CKF_SERIAL_SESSION | (readWrite ? CKF_RW_SESSION : 0);
    check(module_->fn()->C_OpenSession(slot, flags, nullptr, nullptr, &handle_), "C_OpenSession",
          where_);
}

Session::~Session() {
    if (handle_ != CK_INVALID_HANDLE) module_->fn()->C_CloseSession(handle_);
}

std::vector<CK_OBJECT_HANDLE> Session::find(std::vector<CK_ATTRIBUTE> tmpl) const {
    check(fn()->C_FindObjectsInit(handle_, tmpl.data(), tmpl.size()), "C_FindObjectsInit", where_);
    std::vector<CK_OBJECT_HANDLE> out;
    CK_OBJECT_HANDLE batch[64];
    for (;;) {
        CK_ULONG n = 0;
        CK_RV rv = fn()->C_FindObjects(handle_, batch, 64, &n);
        if (rv != CKR_OK) {
            fn()->C_FindObjectsFinal(handle_);
            throwCkr(rv, "C_FindObjects", where_);
        }
        if (n == 0) break;
        out.insert(out.end(), batch, batch + n);
    }
    fn()->C_FindObjectsFinal(handle_);
    return out;
}

std::vector<std::optional<Bytes>> Session::attributes(
    CK_OBJECT_HANDLE obj, const std::vector<CK_ATTRIBUTE_TYPE>& types) const {
    // First pass asks the sizes, second pass reads only what exists and is not empty.
    std::vector<CK_ATTRIBUTE> sizes;
    for (auto t : types) sizes.push_back(CK_ATTRIBUTE{t, nullptr, 0});
    CK_RV rv = fn()->C_GetAttributeValue(handle_, obj, sizes.data(), sizes.size());
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_ATTRIBUTE_TYPE_INVALID)
        throwCkr(rv, "C_GetAttributeValue", where_);
    std::vector<std::optional<Bytes>> out(types.size());
    std::vector<CK_ATTRIBUTE> values;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
        out[i] = Bytes(sizes[i].ulValueLen);
        if (sizes[i].ulValueLen == 0) continue;
        values.push_back(CK_ATTRIBUTE{types[i], out[i]->data(), sizes[i].ulValueLen});
        index.push_back(i);
    }
    if (values.empty()) return out;
    rv = fn()->C_GetAttributeValue(handle_, obj, values.data(), values.size());
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_ATTRIBUTE_TYPE_INVALID)
        throwCkr(rv, "C_GetAttributeValue", where_);
    for (std::size_t k = 0; k < values.size(); ++k) {
        if (values[k].ulValueLen == CK_UNAVAILABLE_INFORMATION)
            out[index[k]].reset();
        else
            out[index[k]]->resize(values[k].ulValueLen);
    }
    return out;
}

std::optional<Bytes> Session::attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const {
    return attributes(obj, {type})[0];
}

bool Session::boolAttribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, bool fallback) const {
    auto v = attribute(obj, type);
    if (!v || v->size() != sizeof(CK_BBOOL)) return fallback;
    return (*v)[0] != 0;
}

CK_OBJECT_HANDLE Session::create(std::vector<CK_ATTRIBUTE> tmpl) const {
    CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
    check(fn()->C_CreateObject(handle_, tmpl.data(), tmpl.size(), &obj), "C_CreateObject", where_);
    return obj;
}

CK_STATE Session::state() const {
    CK_SESSION_INFO info{};
    check(fn()->C_GetSessionInfo(handle_, &info), "C_GetSessionInfo", where_);
    return info.state;
}

}  // namespace certagent::token::detail
