#pragma once
// Windows device sources: USB interface arrival/removal through CM_Register_Notification (a
// callback on a system thread pool, nothing of ours waits) and readers/cards through winscard's
// SCardGetStatusChange on "\\?PnP?\Notification" (cancelled with SCardCancel on stop).
// Built only on Windows; syntax-checked here with mingw-w64 (tests/windows-syntax-check.sh).
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "certagent/core/device/device_source.hpp"

namespace certagent::platform {

class WindowsUsbSource final : public device::DeviceSource {
public:
    explicit WindowsUsbSource(device::UsbIdFilter filter) : filter_(std::move(filter)) {}
    ~WindowsUsbSource() override;
    const char* name() const noexcept override { return "windows"; }
    bool start(device::SourceCallbacks callbacks) override;
    void stop() override;

    // Called from the notification callback with the interface's symbolic link name, e.g.
    // "\\?\USB#VID_096E&PID_0807#..."; public for the callback only.
    void onInterface(bool arrival, const std::wstring& symbolicLink);

private:
    device::UsbIdFilter filter_;
    device::SourceCallbacks callbacks_;
    void* notify_ = nullptr;  // HCMNOTIFICATION
    std::mutex mutex_;        // CM_Unregister_Notification waits for running callbacks
};

class WindowsPcscSource final : public device::DeviceSource {
public:
    ~WindowsPcscSource() override;
    const char* name() const noexcept override { return "pcsc"; }
    bool start(device::SourceCallbacks callbacks) override;
    void stop() override;

private:
    void run();
    device::SourceCallbacks callbacks_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> done_{false};
    std::mutex contextMutex_;
    std::uintptr_t context_ = 0;
    bool hasContext_ = false;
    std::map<std::wstring, bool> present_;
    std::thread thread_;
};

// Parses "VID_xxxx&PID_xxxx" out of a USB symbolic link (case-insensitive); false if absent.
bool parseUsbIds(const std::wstring& link, std::uint16_t& vid, std::uint16_t& pid);

}  // namespace certagent::platform
