#pragma once
// Real HTTP requests with the curl tool, so the server is checked by a client it does not share
// code with: status, headers and body of one request.
#include <map>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace certagent::testing {

struct HttpAnswer {
    int status = 0;  // 0: no answer (connection refused, timeout)
    std::map<std::string, std::string> headers;  // names lower-case
    std::string body;
    std::string error;  // curl's stderr
    bool has(const std::string& name) const { return headers.count(name) != 0; }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // sent as given (via a temp file)
    std::vector<std::string> extra;    // more curl arguments
};

HttpAnswer curl(const HttpRequest& request);

}  // namespace certagent::testing
