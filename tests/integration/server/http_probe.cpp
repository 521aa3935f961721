#include "http_probe.hpp"

#include <algorithm>
#include <atomic>
#include <unistd.h>

namespace certagent::testing {

HttpAnswer curl(const HttpRequest& r) {
    static std::atomic<int> counter{0};
    TempDir dir("certagent-curl");
    std::vector<std::string> argv = {"curl", "-sS", "-i", "--max-time", "30", "-X", r.method,
                                     "-H", "Expect:"};
    for (const auto& h : r.headers) {
        argv.push_back("-H");
        argv.push_back(h);
    }
    if (!r.body.empty()) {
        auto file = dir / ("body" + std::to_string(++counter));
        writeFile(file, r.body);
        argv.push_back("--data-binary");
        argv.push_back("@" + file.string());
    }
    argv.insert(argv.end(), r.extra.begin(), r.extra.end());
    argv.push_back(r.url);
    auto p = runProcess(argv, {}, {}, 60);
    HttpAnswer a;
    a.error = p.err;
    std::string out = p.out;
    // Skip interim 1xx answers, then split headers and body.
    for (;;) {
        auto end = out.find("\r\n\r\n");
        if (out.rfind("HTTP/", 0) != 0 || end == std::string::npos) return a;
        auto head = out.substr(0, end);
        out = out.substr(end + 4);
        auto sp = head.find(' ');
        a.status = std::atoi(head.c_str() + sp + 1);
        if (a.status >= 200) {
            a.headers.clear();
            size_t pos = head.find("\r\n");
            while (pos != std::string::npos) {
                size_t next = head.find("\r\n", pos + 2);
                auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos
                                                                           : next - pos - 2);
                auto colon = line.find(':');
                if (colon != std::string::npos) {
                    auto name = line.substr(0, colon);
                    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
                    auto value = line.substr(colon + 1);
                    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                    a.headers[name] = value;
                }
                pos = next;
            }
            a.body = out;
            return a;
        }
    }
}

}  // namespace certagent::testing
