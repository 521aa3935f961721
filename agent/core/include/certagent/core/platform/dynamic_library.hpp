#pragma once
// A shared library loaded at run time (dlopen / LoadLibraryW): libcurl, the documents module,
// a PKCS#11 module. Unloaded when the object goes, unless keepLoaded() said otherwise.
#include <filesystem>
#include <string>

namespace certagent::platform {

class DynamicLibrary {
  public:
    enum class Mode {
        Load,           // load it (by file name, the system's search path applies)
        AlreadyLoaded,  // only the instance this process already loaded; else fail
    };
    DynamicLibrary() = default;
    // Never throws: on failure the object is empty and error() says why, naming the file.
    explicit DynamicLibrary(const std::filesystem::path& file, Mode mode = Mode::Load);
    ~DynamicLibrary();
    DynamicLibrary(DynamicLibrary&& other) noexcept;
    DynamicLibrary& operator=(DynamicLibrary&& other) noexcept;
    DynamicLibrary(const DynamicLibrary&) = delete;
    DynamicLibrary& operator=(const DynamicLibrary&) = delete;

    explicit operator bool() const { return handle_ != nullptr; }
    const std::string& error() const { return error_; }
    // nullptr when the library is not loaded or has no such symbol.
    void* symbol(const char* name) const;
    template <typename Fn>
    Fn function(const char* name) const {
        return reinterpret_cast<Fn>(symbol(name));
    }
    // Stays loaded for the rest of the process: what it made may outlive any owner.
    void keepLoaded() { handle_ = nullptr; }

  private:
    void close();
    void* handle_ = nullptr;
    std::string error_;
};

}  // namespace certagent::platform
