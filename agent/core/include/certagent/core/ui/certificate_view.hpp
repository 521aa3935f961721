#pragma once
// The certificate window as data: labelled rows in sections, and the name offered when the
// certificate is exported. The GUI only lays them out.
#include <string>
#include <vector>

#include "certagent/core/clock.hpp"
#include "certagent/core/token/certificate_details.hpp"

namespace certagent::ui {

struct DetailRow {
    std::string label;  // translated; empty for a section heading's own row
    std::string value;
    bool heading = false;  // a section title ("Key", "Qualified certificate", "Chain")
};

std::vector<DetailRow> certificateRows(const token::CertificateDetails& details, TimePoint now,
                                       int expiringWithinDays);

// "Ion_Popescu.pem": the holder's name made safe for a file name, with the format's extension.
std::string exportFileName(const token::CertificateDetails& details, token::ExportFormat format);

}  // namespace certagent::ui
