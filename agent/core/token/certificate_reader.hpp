#pragma once
// Reads every X.509 certificate object of a token through an open session.
#include "cryptoki.hpp"

namespace certagent::token::detail {

std::vector<TokenCertificate> readCertificates(const Session& session, const TokenInfo& token);

}  // namespace certagent::token::detail
