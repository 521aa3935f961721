#pragma once
// The TSA client's http:// transport (RFC 3161 answers are signed and checked end to end) is
// http::PlainHttpClient (certagent/core/http/plain_client.hpp); what stays here is the loopback
// test that decides whether credentials may travel over it.
#include "certagent/core/http/plain_client.hpp"

namespace certagent::tsa::detail {

using PlainHttpClient = http::PlainHttpClient;  // moved to http/ (OCSP and CRLs use it too)

// True when the URL's host (as libcurl parses it) is "localhost", an IPv4 address in
// 127.0.0.0/8, or ::1 (also ::ffff:127.x.y.z). Names that merely begin with "127." and user
// info ending in "@127.0.0.1" are not loopback. Throws Error(Internal) without libcurl.
bool isLoopbackUrl(const std::string& url);
// The same test for a host as curl reports it (IPv6 in brackets).
bool isLoopbackHost(std::string host);

}  // namespace certagent::tsa::detail
