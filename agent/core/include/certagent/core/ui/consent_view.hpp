#pragma once
// What the tray's consent dialog shows for a signing request from a web page (the local signing
// server, docs/local-server-api.md), as plain translated text: who asks, what is to be signed,
// with which certificate, and how long the dialog waits before it refuses by itself. The dialog
// only lays these out; Refuse is its default button.
#include <chrono>
#include <string>
#include <vector>

#include "certagent/core/server/consent.hpp"

namespace certagent::ui {

struct ConsentView {
    std::string title;    // window title
    std::string heading;  // "https://portal.example.ro asks to sign a document with your certificate"
    std::string origin;   // the requesting origin, shown on its own line
    // Label / value rows: document name, size, SHA-256 (or the page's description and the
    // digest for a hash), certificate holder, issuer, valid until, token.
    std::vector<std::pair<std::string, std::string>> rows;
    std::string warning;  // for a hash: the page's description is not checked; else empty
    bool canOpenDocument = false;  // a PDF: the dialog offers to open the private copy
    std::string allowLabel, refuseLabel, openLabel;
    int timeoutSeconds = 60;
};

ConsentView consentView(const server::ConsentRequest& request,
                        std::chrono::system_clock::time_point now);

// "Refused automatically in 42 s" (translated).
std::string consentCountdownText(int secondsLeft);

// "12.3 KB", "1.2 MB", "512 bytes" (translated units).
std::string humanSize(std::size_t bytes);
// "AB12 CD34 …": hex in groups of four, upper case.
std::string groupedHex(const std::string& hex);

}  // namespace certagent::ui
