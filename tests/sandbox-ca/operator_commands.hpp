#pragma once
// `operator list|approve|reject`: the CA operator's desk, working on the same database as a
// running server (SQLite WAL + BEGIN IMMEDIATE make that safe).
#include "ca_layout.hpp"

#include <ostream>
#include <string>

namespace certagent::sandbox {

void operatorList(const CaLayout& layout, bool all, std::ostream& out);
void operatorApprove(const CaLayout& layout, const std::string& id);
void operatorReject(const CaLayout& layout, const std::string& id, const std::string& reason);
// `revoke SERIAL --reason TEXT`.
void revokeCommand(const CaLayout& layout, const std::string& serial, const std::string& reason);

}  // namespace certagent::sandbox
