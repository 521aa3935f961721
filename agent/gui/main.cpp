// certagent: the tray app. Everything happens in TrayApp (tray_app.cpp).
#include <wx/app.h>

int main(int argc, char** argv) { return wxEntry(argc, argv); }
