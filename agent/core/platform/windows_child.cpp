// Compiled on Windows only (CMakeLists.txt).
#include <windows.h>

#include <stdexcept>

#include "windows_child.hpp"

#include "certagent/core/platform/command_line.hpp"

namespace certagent::platform::windows {

std::wstring wide(std::string_view s) {
    if (s.empty()) return {};
    const int size = static_cast<int>(s.size());
    const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), size, nullptr, 0);
    std::wstring out(static_cast<std::size_t>(n), L'\0');
    MultiByteToWideChar(CP_UTF8, 0, s.data(), size, out.data(), n);
    return out;
}

std::string narrow(std::wstring_view s) {
    if (s.empty()) return {};
    const int size = static_cast<int>(s.size());
    const int n = WideCharToMultiByte(CP_UTF8, 0, s.data(), size, nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(n), '\0');
    WideCharToMultiByte(CP_UTF8, 0, s.data(), size, out.data(), n, nullptr, nullptr);
    return out;
}

std::string errorText(DWORD code) {
    wchar_t* text = nullptr;
    const DWORD n = FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
    std::string out = n ? narrow(std::wstring_view(text, n)) : std::string();
    LocalFree(text);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == '.'))
        out.pop_back();
    return out.empty() ? "Windows error " + std::to_string(code)
                       : out + " (error " + std::to_string(code) + ")";
}

Handle nullDevice(bool forWriting) {
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    return Handle(CreateFileW(L"NUL", forWriting ? GENERIC_WRITE : GENERIC_READ,
                              FILE_SHARE_READ | FILE_SHARE_WRITE, &inheritable, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, nullptr));
}

Handle inheritableStandardHandle(DWORD which) {
    HANDLE own = GetStdHandle(which);
    HANDLE copy = nullptr;
    if (own && own != INVALID_HANDLE_VALUE &&
        DuplicateHandle(GetCurrentProcess(), own, GetCurrentProcess(), &copy, 0, TRUE,
                        DUPLICATE_SAME_ACCESS))
        return Handle(copy);
    return nullDevice(true);
}

namespace {

// The first candidate that is a file (windowsProgramCandidates); empty when none is.
std::wstring findProgram(const std::string& program) {
    std::wstring path(32767, L'\0');  // the largest environment variable there is
    const DWORD n = GetEnvironmentVariableW(L"PATH", path.data(), static_cast<DWORD>(path.size()));
    path.resize(n < path.size() ? n : 0);
    for (const auto& candidate : windowsProgramCandidates(program, narrow(path))) {
        auto file = wide(candidate);
        const DWORD attributes = GetFileAttributesW(file.c_str());
        if (attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY))
            return file;
    }
    return {};
}

}  // namespace

Child startChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 HANDLE in, HANDLE out, HANDLE err) {
    Child child;
    std::wstring commandLine;
    try {
        commandLine = wide(windowsCommandLine(argv));
    } catch (const std::invalid_argument& e) {
        child.error = e.what();
        return child;
    }
    const auto application = findProgram(argv[0]);
    if (application.empty()) {
        child.error = argv[0] + ": no such program (searched PATH)";
        return child;
    }
    auto environment = wide(windowsEnvironmentBlock(env));

    // Only these three handles are inherited, not every inheritable handle of the agent (a
    // pipe another thread is setting up at the same moment, say).
    HANDLE inherited[3] = {in, out, err};
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    std::vector<char> attributeBuffer(size);
    auto* attributes = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attributeBuffer.data());
    if (!InitializeProcThreadAttributeList(attributes, 1, 0, &size)) {
        child.error = errorText(GetLastError());
        return child;
    }
    BOOL ok = UpdateProcThreadAttribute(attributes, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                        sizeof inherited, nullptr, nullptr);
    STARTUPINFOEXW si{};
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = in;
    si.StartupInfo.hStdOutput = out;
    si.StartupInfo.hStdError = err;
    si.lpAttributeList = attributes;

    child.job = Handle(CreateJobObjectW(nullptr, nullptr));
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    ok = ok && child.job &&
         SetInformationJobObject(child.job.get(), JobObjectExtendedLimitInformation, &limits,
                                 sizeof limits);
    PROCESS_INFORMATION pi{};
    // A console program shares the agent's console (the daemon's, so the agent's own standard
    // handles work in it); without one (the tray app) it gets none rather than a new window.
    const DWORD console = GetConsoleWindow() ? 0 : CREATE_NO_WINDOW;
    // Suspended until it is in the job, so nothing it starts can escape the job.
    ok = ok && CreateProcessW(application.c_str(), commandLine.data(), nullptr, nullptr, TRUE,
                              EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT | console |
                                  CREATE_SUSPENDED,
                              environment.data(), nullptr, &si.StartupInfo, &pi);
    const DWORD error = GetLastError();
    DeleteProcThreadAttributeList(attributes);
    if (!ok) {
        child.error = errorText(error);
        return child;
    }
    Handle thread(pi.hThread);
    Handle process(pi.hProcess);
    if (!AssignProcessToJobObject(child.job.get(), process.get())) {
        child.error = errorText(GetLastError());
        TerminateProcess(process.get(), kKilledExitCode);
        return child;
    }
    ResumeThread(thread.get());
    child.process = std::move(process);
    return child;
}

}  // namespace certagent::platform::windows
