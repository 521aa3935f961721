#include "encoding.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "certagent/sdk/time.hpp"
#include "failure.hpp"

namespace certagent::renewal {
namespace {
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string toHex(const Bytes& b) {
    std::string s;
    s.reserve(b.size() * 2);
    for (auto v : b) s += fmt::format("{:02x}", v);
    return s;
}

Bytes fromHex(std::string_view hex) {
    if (hex.size() % 2 != 0) throw Failure(code::kInvalidInput, "not a hex id", std::string(hex));
    Bytes out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) throw Failure(code::kInvalidInput, "not a hex id", std::string(hex));
        out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return out;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

Bytes fromBase64(std::string_view text) {
    if (text.size() % 4 != 0) throw Failure(code::kInvalidInput, "not base64");
    Bytes out(text.size() / 4 * 3);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) throw Failure(code::kInvalidInput, "not base64");
    std::size_t pad = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '=' && pad < 2; ++it) ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

std::string derToPem(const Bytes& der, const char* label) {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio(bio.get(), label, "", der.data(), static_cast<long>(der.size()));
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

Bytes pemToDer(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    char *name = nullptr, *header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
        ERR_clear_error();
        throw Failure(code::kInvalidInput, "not PEM");
    }
    Bytes out(data, data + len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return out;
}

std::string isoUtc(int64_t epochMs) {
    return certagent::sdk::isoUtc(
        static_cast<std::time_t>(epochMs / 1000 - (epochMs % 1000 < 0 ? 1 : 0)));
}

int64_t parseIsoUtc(std::string_view text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
        throw Failure(code::kInvalidInput, "not an ISO 8601 time", copy);
    // Days from the civil date (Howard Hinnant's algorithm): no time zone involved.
    y -= mo <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * static_cast<unsigned>(mo + (mo > 2 ? -3 : 9)) + 2) / 5 +
                         static_cast<unsigned>(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const int64_t days = static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
    return ((days * 24 + h) * 60 + mi) * 60'000 + static_cast<int64_t>(s) * 1000;
}

}  // namespace certagent::renewal
