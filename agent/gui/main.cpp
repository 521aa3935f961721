// certagent: the tray app. Everything happens in TrayApp (tray_app.cpp).
#include <wx/app.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int main(int argc, char** argv) {
#if defined(__GLIBC__)
    // A resident tray allocates little and rarely, from about ten threads (device sources,
    // scheduler, renewal worker, event bus, GLib's). One malloc arena for all of them instead
    // of one per thread keeps about 0.5 MB less resident (bench/tray_startup.sh).
    mallopt(M_ARENA_MAX, 1);
#endif
    return wxEntry(argc, argv);
}
