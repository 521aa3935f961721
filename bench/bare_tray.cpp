// The baseline for bench/tray_startup.sh: a wxWidgets program that only shows a tray icon,
// drawn the same way certagent draws its icons (a filled rounded square).
#include <wx/app.h>
#include <wx/bmpbndl.h>
#include <wx/dcmemory.h>
#include <wx/graphics.h>
#include <wx/image.h>
#include <wx/taskbar.h>

#include <memory>

class BareTrayApp : public wxApp {
public:
    bool OnInit() override {
        wxImage img(22, 22);
        img.InitAlpha();
        std::fill(img.GetAlpha(), img.GetAlpha() + 22 * 22, 0);
        wxBitmap bmp(img);
        {
            wxMemoryDC dc(bmp);
            std::unique_ptr<wxGraphicsContext> gc(wxGraphicsContext::Create(dc));
            gc->SetBrush(wxBrush(wxColour(46, 139, 87)));
            gc->DrawRoundedRectangle(1, 1, 20, 20, 4);
        }
        icon_ = new wxTaskBarIcon();
        icon_->SetIcon(wxBitmapBundle(bmp), "bare tray");
        return true;
    }
    int OnExit() override {
        icon_->RemoveIcon();
        delete icon_;
        return 0;
    }

private:
    wxTaskBarIcon* icon_ = nullptr;
};

wxIMPLEMENT_APP(BareTrayApp);
