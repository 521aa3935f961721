#include "products.hpp"

namespace certagent::sandbox {

const std::vector<Product>& productCatalogue() {
    static const std::vector<Product> products = [] {
        struct Type {
            const char* id;
            const char* code;
            const char* ro;
            const char* en;
            long long base;
        };
        const Type types[] = {
            {"QCERT-NP", "QUALIFIED_NATURAL_PERSON", "Certificat calificat persoană fizică",
             "Qualified certificate, natural person", 17900},
            {"QCERT-LP", "QUALIFIED_LEGAL_REPRESENTATIVE",
             "Certificat calificat persoană fizică cu atribute de persoană juridică",
             "Qualified certificate, natural person representing a legal person", 21900},
        };
        std::vector<Product> out;
        for (const auto& t : types) {
            for (int years = 1; years <= 3; ++years) {
                // Longer terms are cheaper per year, as CAs price them.
                long long price = t.base * years - (years - 1) * 3000;
                out.push_back({std::string(t.id) + "-" + std::to_string(years) + "Y", t.code,
                               std::string(t.ro) + ", " + std::to_string(years) +
                                   (years == 1 ? " an" : " ani"),
                               std::string(t.en) + ", " + std::to_string(years) +
                                   (years == 1 ? " year" : " years"),
                               years, price});
            }
        }
        return out;
    }();
    return products;
}

const Product* findProduct(const std::string& id) {
    for (const auto& p : productCatalogue())
        if (p.id == id) return &p;
    return nullptr;
}

nlohmann::json productJson(const Product& p) {
    return {{"id", p.id},
            {"certificate_type", p.certificate_type},
            {"name", {{"ro", p.name_ro}, {"en", p.name_en}}},
            {"validity_years", p.years},
            {"price", {{"amount_minor", p.price_minor}, {"currency", "RON"}}}};
}

}  // namespace certagent::sandbox
