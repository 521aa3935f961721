#include "state_icons.hpp"

#include <wx/dcmemory.h>
#include <wx/graphics.h>
#include <wx/image.h>

#include <initializer_list>

namespace certagent::gui {
namespace {

// Colour carries the state, the glyph says it again for colour-blind users.
wxColour stateColour(ui::TrayState s) {
    switch (s) {
        case ui::TrayState::AllValid: return {46, 139, 87};
        case ui::TrayState::ExpiringSoon: return {230, 150, 0};
        case ui::TrayState::Expired: return {200, 40, 40};
        case ui::TrayState::NoToken: return {128, 128, 128};
        case ui::TrayState::Working: return {40, 110, 200};
    }
    return {128, 128, 128};
}

// A polyline given in the icon's unit square, scaled to its size.
void addPolyline(wxGraphicsPath& path, double s, std::initializer_list<wxPoint2DDouble> points) {
    auto p = points.begin();
    path.MoveToPoint(s * p->m_x, s * p->m_y);
    for (++p; p != points.end(); ++p) path.AddLineToPoint(s * p->m_x, s * p->m_y);
}

}  // namespace

wxBitmap stateBitmap(ui::TrayState state, int size) {
    wxImage img(size, size);
    img.InitAlpha();
    unsigned char* alpha = img.GetAlpha();
    std::fill(alpha, alpha + size * size, 0);
    wxBitmap bmp(img);
    wxMemoryDC dc(bmp);
    std::unique_ptr<wxGraphicsContext> gc(wxGraphicsContext::Create(dc));
    if (!gc) return bmp;
    const double s = size;
    // A shield-like rounded square (the token), then the state glyph on it.
    gc->SetPen(wxPen(stateColour(state).ChangeLightness(70), std::max(1, size / 16)));
    gc->SetBrush(wxBrush(stateColour(state)));
    gc->DrawRoundedRectangle(s * 0.06, s * 0.06, s * 0.88, s * 0.88, s * 0.2);
    gc->SetPen(wxPen(*wxWHITE, std::max(2, size / 9), wxPENSTYLE_SOLID));
    auto path = gc->CreatePath();
    switch (state) {
        case ui::TrayState::AllValid:  // check mark
            addPolyline(path, s, {{0.27, 0.52}, {0.44, 0.69}, {0.74, 0.33}});
            gc->StrokePath(path);
            break;
        case ui::TrayState::ExpiringSoon:  // clock
            gc->SetBrush(*wxTRANSPARENT_BRUSH);
            gc->DrawEllipse(s * 0.25, s * 0.25, s * 0.5, s * 0.5);
            addPolyline(path, s, {{0.5, 0.34}, {0.5, 0.5}, {0.62, 0.58}});
            gc->StrokePath(path);
            break;
        case ui::TrayState::Expired:  // cross
            addPolyline(path, s, {{0.3, 0.3}, {0.7, 0.7}});
            addPolyline(path, s, {{0.7, 0.3}, {0.3, 0.7}});
            gc->StrokePath(path);
            break;
        case ui::TrayState::NoToken:  // empty USB socket
            gc->SetBrush(*wxTRANSPARENT_BRUSH);
            gc->DrawRectangle(s * 0.3, s * 0.36, s * 0.4, s * 0.3);
            break;
        case ui::TrayState::Working:  // three dots
            gc->SetPen(*wxTRANSPARENT_PEN);
            gc->SetBrush(*wxWHITE_BRUSH);
            for (int i = 0; i < 3; ++i)
                gc->DrawEllipse(s * (0.2 + 0.22 * i), s * 0.43, s * 0.14, s * 0.14);
            break;
    }
    gc.reset();
    dc.SelectObject(wxNullBitmap);
    return bmp;
}

wxIcon stateIcon(ui::TrayState state, int size) {
    wxIcon icon;
    icon.CopyFromBitmap(stateBitmap(state, size));
    return icon;
}

}  // namespace certagent::gui
