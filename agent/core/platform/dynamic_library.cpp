#include "certagent/core/platform/dynamic_library.hpp"

#include <utility>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace certagent::platform {

#ifdef _WIN32

DynamicLibrary::DynamicLibrary(const std::filesystem::path& file, Mode mode) {
    HMODULE h = nullptr;
    if (mode == Mode::Load)
        h = LoadLibraryW(file.wstring().c_str());
    else if (!GetModuleHandleExW(0, file.wstring().c_str(), &h))  // adds a reference
        h = nullptr;
    if (!h) error_ = file.string() + ": error " + std::to_string(GetLastError());
    handle_ = reinterpret_cast<void*>(h);
}

void* DynamicLibrary::symbol(const char* name) const {
    if (!handle_) return nullptr;
    return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(handle_), name));
}

void DynamicLibrary::close() {
    if (handle_) FreeLibrary(static_cast<HMODULE>(handle_));
    handle_ = nullptr;
}

#else

DynamicLibrary::DynamicLibrary(const std::filesystem::path& file, Mode mode) {
    handle_ = dlopen(file.c_str(), RTLD_NOW | (mode == Mode::Load ? RTLD_LOCAL : RTLD_NOLOAD));
    if (handle_) return;
    const char* why = dlerror();
    // dlerror names the file when it was not found, not when RTLD_NOLOAD refused it.
    error_ = why ? why : file.string() + ": not loaded";
    if (error_.find(file.string()) == std::string::npos) error_ = file.string() + ": " + error_;
}

void* DynamicLibrary::symbol(const char* name) const {
    return handle_ ? dlsym(handle_, name) : nullptr;
}

void DynamicLibrary::close() {
    if (handle_) dlclose(handle_);
    handle_ = nullptr;
}

#endif

DynamicLibrary::~DynamicLibrary() { close(); }

DynamicLibrary::DynamicLibrary(DynamicLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), error_(std::move(other.error_)) {}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept {
    if (this != &other) {
        close();
        handle_ = std::exchange(other.handle_, nullptr);
        error_ = std::move(other.error_);
    }
    return *this;
}

}  // namespace certagent::platform
