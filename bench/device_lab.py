"""A private pcscd (own mount namespace, own socket) with a vpcd reader, and a minimal vpcd
card client, for the device benchmarks. Not part of the test suite."""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time


def free_port_pair():
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
        finally:
            t.close()
    raise RuntimeError("no free port pair")


class Lab:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="certagent-bench-")
        self.run = os.path.join(self.dir, "run")
        os.makedirs(self.run)
        os.makedirs(os.path.join(self.dir, "conf"))
        os.makedirs(os.path.join(self.dir, "tokens"))
        self.port = free_port_pair()
        with open(os.path.join(self.dir, "conf", "vpcd"), "w") as f:
            f.write('FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x%X\n'
                    'LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x%X\n'
                    % (self.port, self.port))
        self.softhsm_conf = os.path.join(self.dir, "softhsm2.conf")
        with open(self.softhsm_conf, "w") as f:
            f.write("directories.tokendir = %s/tokens\nobjectstore.backend = file\n" % self.dir)
        self.config = os.path.join(self.dir, "agent.toml")
        with open(self.config, "w") as f:
            f.write('[pkcs11]\nextra_modules = ["/usr/lib/softhsm/libsofthsm2.so"]\n'
                    'use_p11_kit = false\n[log]\nlevel = "info"\n')
        self.env = dict(os.environ, PCSCLITE_CSOCK_NAME=os.path.join(self.run, "pcscd.comm"),
                        SOFTHSM2_CONF=self.softhsm_conf)
        self.pcscd = None

    def start_pcscd(self, watch_cards=False):
        """watch_cards: run pcscd with --debug and keep the monotonic instants at which it
        reported a card inserted (self.pcscd_card_times), to tell pcscd's share of a latency
        from the agent's."""
        script = ("mkdir -p /run/pcscd && mount --bind '%s' /run/pcscd && "
                  "exec pcscd --foreground %s-c '%s'"
                  % (self.run, "--debug " if watch_cards else "", os.path.join(self.dir, "conf")))
        self.pcscd_card_times = []
        if watch_cards:
            self.pcscd = subprocess.Popen(["unshare", "-m", "sh", "-c", script], text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

            def reader():
                for line in self.pcscd.stdout:
                    if "Card inserted" in line:
                        self.pcscd_card_times.append(time.monotonic())
            threading.Thread(target=reader, daemon=True).start()
        else:
            self.pcscd = subprocess.Popen(["unshare", "-m", "sh", "-c", script],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sock = os.path.join(self.run, "pcscd.comm")
        deadline = time.time() + 10
        while time.time() < deadline:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sock)
                return
            except OSError:
                time.sleep(0.05)
            finally:
                s.close()
        raise RuntimeError("pcscd did not start")

    def new_token(self, label):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--pin", "123456", "--so-pin", "12345678"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        out = subprocess.run(["softhsm2-util", "--show-slots"], env=self.env, check=True,
                             capture_output=True, text=True).stdout
        # The serial of the token with this label.
        serial, current = None, None
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("Serial number:"):
                current = line.split(":", 1)[1].strip()
            if line.startswith("Label:") and line.split(":", 1)[1].strip() == label:
                serial = current
        return serial

    def remove_tokens(self):
        tokens = os.path.join(self.dir, "tokens")
        for name in os.listdir(tokens):
            shutil.rmtree(os.path.join(tokens, name), ignore_errors=True)

    def close(self):
        if self.pcscd:
            self.pcscd.terminate()
            try:
                self.pcscd.wait(5)
            except subprocess.TimeoutExpired:
                self.pcscd.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class VirtualCard:
    """A card for vpcd: connecting is inserting, closing is removing. Answers the driver's
    power and ATR requests; any APDU gets 6D00 (instruction not supported)."""
    ATR = bytes.fromhex("3B95138101807" "3FF01000B")  # what vicc -t iso7816 sends

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _send(self, payload):
        self.sock.sendall(struct.pack(">H", len(payload)) + payload)

    def _serve(self):
        try:
            while True:
                (length,) = struct.unpack(">H", self._recv(2))
                msg = self._recv(length)
                if length == 1:
                    if msg[0] == 4:
                        self._send(self.ATR)
                else:
                    self._send(b"\x6d\x00")
        except (EOFError, OSError):
            pass

    def remove(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
