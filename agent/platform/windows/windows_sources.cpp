// Windows device sources (see windows_sources.hpp). Not built on this machine.
#include "windows/windows_sources.hpp"

// CM_Register_Notification is Windows 8+; the agent supports Windows 10 and later.
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00
#endif
#include <windows.h>
#include <cfgmgr32.h>
#include <initguid.h>
#include <usbiodef.h>
#include <winscard.h>

#include <chrono>
#include <cwchar>
#include <cwctype>
#include <vector>

#include "device_sources.hpp"

#ifdef __MINGW32__
// mingw-w64 (Debian 12) has the CM_NOTIFY_* types but not these two declarations; the
// Windows SDK declares them the same way.
extern "C" {
DECLSPEC_IMPORT CONFIGRET WINAPI CM_Register_Notification(PCM_NOTIFY_FILTER, PVOID,
                                                          PCM_NOTIFY_CALLBACK, PHCMNOTIFICATION);
DECLSPEC_IMPORT CONFIGRET WINAPI CM_Unregister_Notification(HCMNOTIFICATION);
}
#endif

namespace certagent::platform {

namespace {

std::string narrow(const std::wstring& w) {
    if (w.empty()) return {};
    int n = WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), nullptr, 0,
                                nullptr, nullptr);
    std::string out(static_cast<std::size_t>(n), '\0');
    WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), out.data(), n,
                        nullptr, nullptr);
    return out;
}

std::string hex(const BYTE* data, DWORD len) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (DWORD i = 0; i < len; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xF];
    }
    return out;
}

DWORD CALLBACK usbCallback(HCMNOTIFICATION, PVOID context, CM_NOTIFY_ACTION action,
                           PCM_NOTIFY_EVENT_DATA data, DWORD) {
    auto* self = static_cast<WindowsUsbSource*>(context);
    if (data && data->FilterType == CM_NOTIFY_FILTER_TYPE_DEVICEINTERFACE &&
        (action == CM_NOTIFY_ACTION_DEVICEINTERFACEARRIVAL ||
         action == CM_NOTIFY_ACTION_DEVICEINTERFACEREMOVAL))
        self->onInterface(action == CM_NOTIFY_ACTION_DEVICEINTERFACEARRIVAL,
                          data->u.DeviceInterface.SymbolicLink);
    return ERROR_SUCCESS;
}

}  // namespace

bool parseUsbIds(const std::wstring& link, std::uint16_t& vid, std::uint16_t& pid) {
    std::wstring up;
    for (wchar_t c : link) up += static_cast<wchar_t>(std::towupper(c));
    auto v = up.find(L"VID_");
    auto p = up.find(L"PID_");
    if (v == std::wstring::npos || p == std::wstring::npos) return false;
    try {
        vid = static_cast<std::uint16_t>(std::stoul(up.substr(v + 4, 4), nullptr, 16));
        pid = static_cast<std::uint16_t>(std::stoul(up.substr(p + 4, 4), nullptr, 16));
    } catch (...) {
        return false;
    }
    return true;
}

WindowsUsbSource::~WindowsUsbSource() { stop(); }

bool WindowsUsbSource::start(device::SourceCallbacks callbacks) {
    callbacks_ = std::move(callbacks);
    CM_NOTIFY_FILTER filter{};
    filter.cbSize = sizeof filter;
    filter.FilterType = CM_NOTIFY_FILTER_TYPE_DEVICEINTERFACE;
    filter.u.DeviceInterface.ClassGuid = GUID_DEVINTERFACE_USB_DEVICE;
    HCMNOTIFICATION handle = nullptr;
    if (CM_Register_Notification(&filter, this, usbCallback, &handle) != CR_SUCCESS) return false;
    notify_ = handle;
    if (callbacks_.onActive) callbacks_.onActive(true);
    return true;
}

void WindowsUsbSource::stop() {
    if (!notify_) return;
    // Returns after callbacks in progress have finished; none runs afterwards.
    CM_Unregister_Notification(static_cast<HCMNOTIFICATION>(notify_));
    notify_ = nullptr;
}

void WindowsUsbSource::onInterface(bool arrival, const std::wstring& link) {
    std::uint16_t vid = 0, pid = 0;
    if (!parseUsbIds(link, vid, pid)) return;
    // The device interface does not carry the class; CCID tokens no plugin knows are seen
    // through the PC/SC source instead.
    if (!filter_.knows(vid, pid)) return;
    device::DeviceEvent e;
    e.source = "windows";
    e.action = arrival ? device::DeviceAction::UsbAdded : device::DeviceAction::UsbRemoved;
    e.device = narrow(link);
    e.vid = vid;
    e.pid = pid;
    std::lock_guard lock(mutex_);
    if (callbacks_.onEvent) callbacks_.onEvent(e);
}

WindowsPcscSource::~WindowsPcscSource() { stop(); }

bool WindowsPcscSource::start(device::SourceCallbacks callbacks) {
    callbacks_ = std::move(callbacks);
    stopping_ = false;
    done_ = false;
    thread_ = std::thread([this] { run(); });
    return true;
}

void WindowsPcscSource::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    while (!done_) {
        {
            std::lock_guard lock(contextMutex_);
            if (hasContext_) SCardCancel(static_cast<SCARDCONTEXT>(context_));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    thread_.join();
}

void WindowsPcscSource::run() {
    DWORD backoffMs = 1000;
    // The Smart Card service starts on demand (and stops when the last reader goes); its
    // start event would avoid the back-off, but SCardAccessStartedEvent is enough here.
    while (!stopping_) {
        SCARDCONTEXT ctx = 0;
        if (SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
            HANDLE started = SCardAccessStartedEvent();
            WaitForSingleObject(started, backoffMs);
            SCardReleaseStartedEvent();
            backoffMs = backoffMs * 2 > 60000 ? 60000 : backoffMs * 2;
            continue;
        }
        {
            std::lock_guard lock(contextMutex_);
            context_ = static_cast<std::uintptr_t>(ctx);
            hasContext_ = true;
        }
        if (callbacks_.onActive) callbacks_.onActive(true);
        std::vector<std::wstring> names{L"\\\\?PnP?\\Notification"};
        std::vector<SCARD_READERSTATEW> states(1);
        bool relist = true;
        while (!stopping_) {
            if (relist) {
                names.resize(1);
                LPWSTR list = nullptr;
                DWORD len = SCARD_AUTOALLOCATE;
                if (SCardListReadersW(ctx, nullptr, reinterpret_cast<LPWSTR>(&list), &len) ==
                    SCARD_S_SUCCESS) {
                    for (LPWSTR p = list; *p; p += wcslen(p) + 1) names.emplace_back(p);
                    SCardFreeMemory(ctx, list);
                }
                auto old = states;
                states.assign(names.size(), SCARD_READERSTATEW{});
                for (std::size_t i = 0; i < names.size(); ++i) {
                    states[i].szReader = names[i].c_str();
                    states[i].dwCurrentState = i == 0 && !old.empty() ? old[0].dwEventState
                                                                      : SCARD_STATE_UNAWARE;
                }
                relist = false;
            }
            LONG rv = SCardGetStatusChangeW(ctx, INFINITE, states.data(),
                                            static_cast<DWORD>(states.size()));
            if (stopping_) break;
            if (rv == SCARD_E_CANCELLED || rv == SCARD_E_TIMEOUT) continue;
            if (rv == SCARD_E_UNKNOWN_READER) {
                relist = true;
                continue;
            }
            if (rv != SCARD_S_SUCCESS) break;  // service stopped: reconnect
            if (states[0].dwEventState & SCARD_STATE_CHANGED) relist = true;
            for (std::size_t i = 1; i < states.size(); ++i) {
                auto& s = states[i];
                bool present = (s.dwEventState & SCARD_STATE_PRESENT) != 0;
                bool known = present_.count(names[i]) != 0;
                bool was = known && present_[names[i]];
                device::DeviceEvent e;
                e.source = "pcsc";
                e.reader = narrow(names[i]);
                if (!known) {
                    e.action = device::DeviceAction::ReaderAdded;
                    if (callbacks_.onEvent) callbacks_.onEvent(e);
                }
                if (s.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) {
                    e.action = device::DeviceAction::ReaderRemoved;
                    if (callbacks_.onEvent) callbacks_.onEvent(e);
                    present_.erase(names[i]);
                    relist = true;
                    continue;
                }
                if (present != was) {
                    e.action = present ? device::DeviceAction::CardInserted
                                       : device::DeviceAction::CardRemoved;
                    if (present) e.atr = hex(s.rgbAtr, s.cbAtr);
                    if (callbacks_.onEvent) callbacks_.onEvent(e);
                }
                present_[names[i]] = present;
                s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
            }
            states[0].dwCurrentState = states[0].dwEventState & ~SCARD_STATE_CHANGED;
        }
        {
            std::lock_guard lock(contextMutex_);
            hasContext_ = false;
            SCardReleaseContext(ctx);
        }
        if (!stopping_ && callbacks_.onActive) callbacks_.onActive(false);
    }
    done_ = true;
}

std::vector<std::unique_ptr<device::DeviceSource>> makeDeviceSources(
    const device::UsbIdFilter& filter) {
    std::vector<std::unique_ptr<device::DeviceSource>> out;
    out.push_back(std::make_unique<WindowsUsbSource>(filter));
    out.push_back(std::make_unique<WindowsPcscSource>());
    return out;
}

std::vector<device::DeviceEvent> presentUsbDevices(const device::UsbIdFilter& filter) {
    std::vector<device::DeviceEvent> out;
    GUID guid = GUID_DEVINTERFACE_USB_DEVICE;
    ULONG chars = 0;
    if (CM_Get_Device_Interface_List_SizeW(&chars, &guid, nullptr,
                                           CM_GET_DEVICE_INTERFACE_LIST_PRESENT) != CR_SUCCESS ||
        chars == 0 || chars > (1u << 20))
        return out;
    std::vector<wchar_t> list(chars);
    if (CM_Get_Device_Interface_ListW(&guid, nullptr, list.data(), chars,
                                      CM_GET_DEVICE_INTERFACE_LIST_PRESENT) != CR_SUCCESS)
        return out;
    list.back() = L'\0';  // a double-NUL-terminated list, whatever the call wrote
    for (const wchar_t* p = list.data(); *p; p += wcslen(p) + 1) {
        std::wstring link(p);
        std::uint16_t vid = 0, pid = 0;
        if (!parseUsbIds(link, vid, pid) || !filter.knows(vid, pid)) continue;
        device::DeviceEvent e;
        e.source = "enumerate";
        e.action = device::DeviceAction::UsbAdded;
        e.device = narrow(link);
        e.vid = vid;
        e.pid = pid;
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace certagent::platform
