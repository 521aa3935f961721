#include "certagent/core/files.hpp"

#include <fstream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent {
namespace fs = std::filesystem;

void writeFileAtomically(const fs::path& target, std::span<const uint8_t> bytes) {
    fs::path part = target;
    part += ".part";
    std::error_code ec;
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            fs::remove(part, ec);
            throw Error(ErrorKind::Io, _("the file cannot be written"), target.string());
        }
    }
    fs::rename(part, target, ec);
    if (ec) {
        fs::remove(part, ec);
        throw Error(ErrorKind::Io, _("the file cannot be written"), target.string());
    }
}

}  // namespace certagent
