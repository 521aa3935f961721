// Start with the session on Windows: a value under
// HKCU\Software\Microsoft\Windows\CurrentVersion\Run (per user, no admin rights needed).
#include <windows.h>

#include <stdexcept>
#include <string>

#include "certagent/core/ui/autostart.hpp"

namespace certagent::ui {
namespace {

constexpr const wchar_t* kRunKey = L"Software\\Microsoft\\Windows\\CurrentVersion\\Run";
constexpr const wchar_t* kValueName = L"certagent";

std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<size_t>(n), L'\0');
    MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

// Quoted so a path with spaces ("C:\Program Files\...") starts the right program.
std::wstring commandLine(const AutostartSpec& spec) {
    std::wstring cmd = L"\"" + spec.executable.wstring() + L"\"";
    for (const auto& a : spec.arguments) cmd += L" \"" + widen(a) + L"\"";
    return cmd;
}

class RunKeyAutostart final : public Autostart {
public:
    bool isEnabled() const override {
        DWORD size = 0;
        return RegGetValueW(HKEY_CURRENT_USER, kRunKey, kValueName, RRF_RT_REG_SZ, nullptr,
                            nullptr, &size) == ERROR_SUCCESS;
    }

    void setEnabled(bool enabled, const AutostartSpec& spec) override {
        HKEY key = nullptr;
        if (RegCreateKeyExW(HKEY_CURRENT_USER, kRunKey, 0, nullptr, 0, KEY_SET_VALUE, nullptr,
                            &key, nullptr) != ERROR_SUCCESS)
            throw std::runtime_error("cannot open the Run key");
        LSTATUS rc;
        if (enabled) {
            auto cmd = commandLine(spec);
            rc = RegSetValueExW(key, kValueName, 0, REG_SZ,
                                reinterpret_cast<const BYTE*>(cmd.c_str()),
                                static_cast<DWORD>((cmd.size() + 1) * sizeof(wchar_t)));
        } else {
            rc = RegDeleteValueW(key, kValueName);
            if (rc == ERROR_FILE_NOT_FOUND) rc = ERROR_SUCCESS;
        }
        RegCloseKey(key);
        if (rc != ERROR_SUCCESS) throw std::runtime_error("cannot change the Run key");
    }

    std::string location() const override {
        return "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\certagent";
    }
};

}  // namespace

std::unique_ptr<Autostart> makeAutostart() { return std::make_unique<RunKeyAutostart>(); }

}  // namespace certagent::ui
