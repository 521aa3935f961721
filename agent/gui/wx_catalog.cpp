// wxWidgets' own texts (stock buttons "&Cancel", "Please choose an existing file.", the About
// box) in the agent's language. wxWidgets translates through its own wxTranslations, not our
// gettext domain: give it the language certagent chose, wx's standard catalog (wx3.2-i18n,
// which has no Romanian) and ours, "certagent-wx" (agent/po/wx/ro.po), from certagent's locale
// directory.
#include <wx/intl.h>
#include <wx/translation.h>

#include "certagent/core/i18n.hpp"
#include "tray_app.hpp"
#include "wx_text.hpp"

namespace certagent::gui {

void TrayApp::loadWxCatalogs() {
    static bool prefixAdded = false;
    if (!prefixAdded) {
        wxFileTranslationsLoader::AddCatalogLookupPathPrefix(u8(i18n::localeDir()));
        prefixAdded = true;
    }
    auto* translations = new wxTranslations();
    wxTranslations::Set(translations);  // owns it; replaces (and deletes) the previous one
    translations->SetLanguage(i18n::currentLanguage() == "ro" ? wxLANGUAGE_ROMANIAN
                                                              : wxLANGUAGE_ENGLISH_US);
    translations->AddStdCatalog();
    translations->AddCatalog("certagent-wx");
}

}  // namespace certagent::gui
