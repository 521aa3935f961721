#pragma once
// The catalogue: certificate types times 1, 2 or 3 years, prices in RON (in bani, so no
// floating point ever touches money).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace certagent::sandbox {

struct Product {
    std::string id;
    std::string certificate_type;
    std::string name_ro;
    std::string name_en;
    int years = 1;
    long long price_minor = 0;  // bani (1/100 RON), VAT included
};

const std::vector<Product>& productCatalogue();
const Product* findProduct(const std::string& id);
nlohmann::json productJson(const Product& p);

}  // namespace certagent::sandbox
