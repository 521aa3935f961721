#!/usr/bin/python3
"""A StatusNotifierWatcher and host of the tests' own, on the session bus the environment names.

  sni_host.py watch LOG         own org.kde.StatusNotifierWatcher, register as host, and write one
                                JSON line per event to LOG: {"event": "registered"|"unregistered",
                                "service", "path"} and {"event": "signal", "name"} for the items'
                                New* and LayoutUpdated signals
  sni_host.py inspect SERVICE PATH
                                print the item's properties, its tooltip and icon pixmaps, and its
                                whole menu (GetLayout 0, -1) as JSON
  sni_host.py click SERVICE MENU_PATH ID
                                send the menu item the Event "clicked", as a host does on a click
"""
import json
import os
import sys

from gi.repository import Gio, GLib

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_XML = """<node><interface name="org.kde.StatusNotifierWatcher">
  <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
  <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
  <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
  <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
  <property name="ProtocolVersion" type="i" access="read"/>
  <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
  <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
  <signal name="StatusNotifierHostRegistered"/>
</interface></node>"""


def bus():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def watch(log_path):
    conn = bus()
    items = {}  # "service/path" -> (bus name, path)
    log = open(log_path, "a", buffering=1)

    def write(**event):
        log.write(json.dumps(event) + "\n")

    def on_signal(_c, sender, path, iface, name, _params):
        write(event="signal", name=name, sender=sender, path=path, interface=iface)

    def vanished(_c, _sender, _path, _iface, _name, params):
        name, _old, new = params.unpack()
        if new:
            return
        for key, (service, path) in list(items.items()):
            if service == name:
                del items[key]
                write(event="unregistered", service=service, path=path)
                conn.emit_signal(None, "/StatusNotifierWatcher", WATCHER,
                                 "StatusNotifierItemUnregistered", GLib.Variant("(s)", (key,)))

    conn.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                          "/org/freedesktop/DBus", None, Gio.DBusSignalFlags.NONE, vanished)

    def method(_c, sender, _path, _iface, name, params, call):
        if name == "RegisterStatusNotifierItem":
            (arg,) = params.unpack()
            # A bus name (the spec), or an object path on the caller's connection (libappindicator).
            service, path = (sender, arg) if arg.startswith("/") else (arg, "/StatusNotifierItem")
            items[service + path] = (service, path)
            for sig in ("NewIcon", "NewToolTip", "NewStatus", "NewAttentionIcon", "NewTitle"):
                conn.signal_subscribe(None, "org.kde.StatusNotifierItem", sig, path, None,
                                      Gio.DBusSignalFlags.NONE, on_signal)
            conn.signal_subscribe(None, "com.canonical.dbusmenu", "LayoutUpdated", None, None,
                                  Gio.DBusSignalFlags.NONE, on_signal)
            write(event="registered", service=service, path=path, sender=sender)
            conn.emit_signal(None, "/StatusNotifierWatcher", WATCHER, "StatusNotifierItemRegistered",
                             GLib.Variant("(s)", (service + path,)))
        call.return_value(None)

    def get_property(_c, _sender, _path, _iface, name):
        if name == "RegisteredStatusNotifierItems":
            return GLib.Variant("as", list(items))
        if name == "IsStatusNotifierHostRegistered":
            return GLib.Variant("b", True)
        return GLib.Variant("i", 0)

    info = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).interfaces[0]
    conn.register_object("/StatusNotifierWatcher", info, method, get_property, None)
    # The host this watcher knows of: ourselves.
    conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                   "RequestName", GLib.Variant("(su)", ("org.kde.StatusNotifierHost-%d" % os.getpid(), 4)),
                   None, Gio.DBusCallFlags.NONE, -1, None)
    reply = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "RequestName", GLib.Variant("(su)", (WATCHER, 4)), None,
                           Gio.DBusCallFlags.NONE, -1, None)
    if reply.unpack()[0] != 1:
        sys.exit("another StatusNotifierWatcher owns the name")
    write(event="watching")
    GLib.MainLoop().run()


def call(conn, service, path, iface, method, args, reply_type=None):
    return conn.call_sync(service, path, iface, method, args,
                          GLib.VariantType(reply_type) if reply_type else None,
                          Gio.DBusCallFlags.NONE, 5000, None).unpack()


def layout_json(node):
    ident, props, children = node
    return {"id": ident, "properties": props, "children": [layout_json(c) for c in children]}


def inspect(service, path):
    conn = bus()
    (props,) = call(conn, service, path, "org.freedesktop.DBus.Properties", "GetAll",
                    GLib.Variant("(s)", ("org.kde.StatusNotifierItem",)), "(a{sv})")
    out = {}
    for key, value in props.items():
        if key.endswith("IconPixmap"):
            value = [[w, h, len(data)] for (w, h, data) in value]
        elif key == "ToolTip":
            icon, pixmaps, title, body = value
            value = {"icon": icon, "title": title, "body": body}
        out[key] = value
    menu = props.get("Menu", "/MenuBar")
    (version,) = call(conn, service, menu, "org.freedesktop.DBus.Properties", "Get",
                      GLib.Variant("(ss)", ("com.canonical.dbusmenu", "Version")), "(v)")
    revision, layout = call(conn, service, menu, "com.canonical.dbusmenu", "GetLayout",
                            GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))")
    print(json.dumps({"properties": out, "menu_version": version, "revision": revision,
                      "layout": layout_json(layout)}, ensure_ascii=False))


def click(service, menu, ident):
    conn = bus()
    call(conn, service, menu, "com.canonical.dbusmenu", "Event",
         GLib.Variant("(isvu)", (int(ident), "clicked", GLib.Variant("i", 0), 0)))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"watch": watch, "inspect": inspect, "click": click}[cmd](*args)
