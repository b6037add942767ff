"""The driver of tests/test_no_network.py, and the verdicts on what it recorded.

Run as a script, it installs an audit hook *first* (before Qt, NumPy or the app are
imported), then starts the real window offscreen, opens every lesson, trains, exports
into a folder, opens the Help dialogs and closes the window. Every networking audit
event is written, one JSON object a line, to ``--events``; what the run did is written
to ``--summary`` at the end (so a test can tell a clean run from one that never got going).

``--plant NAME`` makes one deliberate connection during that run (see PLANTS), for the
test that proves the detector sees it. The same script runs under
``strace -f -o FILE`` (``strace_command``), which also sees Qt's own C++ networking and
anything a child process does: neither passes through Python's audit hooks.

Imported (by the test), it only offers the verdicts: nothing here runs at import.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: the deliberate connections of the meta-test; "qt_*" ones bypass the audit hooks (strace only)
PLANTS = {
    "python_connect": "a Python socket connect to 127.0.0.1:9 in a background thread, its error swallowed",
    "construction": "a Python socket connect to 127.0.0.1:9 made inside MainWindow.__init__",
    "urlopen": "urllib.request.urlopen('http://127.0.0.1:9') with its error swallowed",
    "qt_tcp": "QTcpSocket.connectToHost('127.0.0.1', 9)",
    "qt_nam": "QNetworkAccessManager.get('http://127.0.0.1:9/')",
}
PORT = 9  # discard: nothing listens there, so a connect is refused at once

# -- what counts -----------------------------------------------------------------------------
#: address families that never leave the machine, and why each is allowed
ALLOWED_FAMILIES = {
    "AF_UNIX": "local IPC by file path: the D-Bus session/system bus, an X server or the "
               "glibc nscd socket; it cannot reach another machine",
    "AF_NETLINK": "the kernel's own interface (glibc and Qt read the network interfaces "
                  "and routes with it); it talks to the local kernel only",
}
#: local sockets that are a way onto the network all the same: a name lookup handed to a resolver
#: (glibc's nss-resolve asks systemd-resolved there, which then asks a DNS server)
DENIED_UNIX_PATHS = {"/run/systemd/resolve/io.systemd.Resolve": "a name lookup through systemd-resolved"}
#: audit events that are a network access whatever their arguments
ALWAYS_NETWORK = {
    "socket.getaddrinfo": "name lookup", "socket.gethostbyname": "name lookup",
    "socket.gethostbyaddr": "reverse name lookup", "socket.getnameinfo": "reverse name lookup",
    "socket.getservbyname": "service lookup", "socket.getservbyport": "service lookup",
    "urllib.Request": "an HTTP/URL request", "http.client.connect": "an HTTP connection",
    "http.client.send": "HTTP data sent", "ftplib.connect": "FTP", "smtplib.connect": "SMTP",
    "smtplib.send": "SMTP", "poplib.connect": "POP3", "imaplib.open": "IMAP", "nntplib.connect": "NNTP",
    "telnetlib.Telnet.open": "telnet", "webbrowser.open": "a URL handed to a web browser",
}
#: audit events whose socket's address family decides (allowed if it is in ALLOWED_FAMILIES)
BY_FAMILY = {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
#: recorded as notes only: a child process is outside the audit hooks (strace -f follows it)
NOTES = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
         "socket.gethostname"}
WATCHED = set(ALWAYS_NETWORK) | BY_FAMILY | NOTES

#: syscalls strace records: the three of the promise (connect, sendto, bind), sendmsg and
#: sendmmsg (a datagram can carry its address there too), and socket (which family is opened)
STRACE_SYSCALLS = "socket,connect,bind,sendto,sendmsg,sendmmsg"
_SYSCALL = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)\]?\s+(?P<call>socket|connect|bind|sendto|sendmsg|sendmmsg)\("
                      r"(?P<args>.*)$")
_SA_FAMILY = re.compile(r"sa_family=(AF_\w+)")
# "-yy" decorates a socket descriptor with its protocol and endpoints: 5<TCP:[127.0.0.1:4711->127.0.0.1:9]>
_INET_FD = re.compile(r"^\d+<(TCP|UDP|TCPv6|UDPv6|RAW|RAWv6|UDPLITE|UDPLITEv6|SCTP|SCTPv6|DCCP|DCCPv6|MPTCP)"
                      r"(?::\[|>)")


def family_name(family: object) -> str:
    try:
        return socket.AddressFamily(int(family)).name
    except (TypeError, ValueError):
        return f"family {family!r}"


def _caller(frames: list[str]) -> str:
    """The first frame outside the standard library: who asked for the socket."""
    stdlib = sysconfig.get_paths()["stdlib"]
    return next((f for f in frames if not f.startswith(stdlib)), frames[0] if frames else "?")


def _denied(text: str) -> str | None:
    return next((why for path, why in DENIED_UNIX_PATHS.items() if path in text), None)


def python_offences(records: list[dict]) -> list[str]:
    """The audit events of a run that are network access, one readable line each."""
    found = []
    for rec in records:
        event = rec["event"]
        where = f"  (from {_caller(rec.get('where', []))}, thread {rec.get('thread')})"
        if event in ALWAYS_NETWORK:
            found.append(f"{event}: {ALWAYS_NETWORK[event]} {rec.get('args', '')}{where}")
        elif event in BY_FAMILY and rec.get("family") not in ALLOWED_FAMILIES:
            found.append(f"{event} on {rec.get('family')}: {rec.get('args', '')}{where}")
        elif event in BY_FAMILY and any(path in rec.get("args", "") for path in DENIED_UNIX_PATHS):
            found.append(f"{event}: {rec.get('args', '')}: {_denied(rec.get('args', ''))}{where}")
    return found


def strace_offences(text: str) -> list[str]:
    """The syscalls in an ``strace -f -yy`` log that open or use a socket off the machine.

    A connect, bind, sendto, sendmsg or sendmmsg naming an address outside ALLOWED_FAMILIES,
    any of them on a descriptor strace names as TCP, UDP, raw and so on, and any socket()
    opened in a family outside ALLOWED_FAMILIES (an AF_INET socket is already the start of
    a connection). A sendto with no address on a local socket is fine."""
    found = []
    for line in text.splitlines():
        m = _SYSCALL.match(line.strip())
        if m is None:
            continue
        call, args = m["call"], m["args"]
        if call == "socket":
            family = args.split(",", 1)[0].strip()
            if family not in ALLOWED_FAMILIES:
                found.append(line.strip())
            continue
        families = set(_SA_FAMILY.findall(args))
        if families - set(ALLOWED_FAMILIES) or _INET_FD.match(args) or _denied(args):
            found.append(line.strip())
    return found


# -- strace ----------------------------------------------------------------------------------
def strace_unavailable() -> str | None:
    """None when ``strace -f`` works here, else why not (not installed, ptrace not permitted ...)."""
    exe = shutil.which("strace")
    if exe is None:
        return "strace is not installed (apt-get install strace): Qt's C++ networking goes unwatched"
    try:
        done = subprocess.run([exe, "-f", "-qq", "-e", "trace=connect", "-o", "/dev/null", "true"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"strace does not run here: {err}"
    if done.returncode != 0:
        return f"strace cannot trace here (ptrace not permitted?): {done.stderr.strip()[:300]}"
    return None


@functools.cache
def _has_seccomp_bpf(exe: str) -> bool:
    done = subprocess.run([exe, "-f", "--seccomp-bpf", "-e", "trace=connect", "-o", "/dev/null", "true"],
                          capture_output=True, timeout=20)
    return done.returncode == 0


def strace_command(log: Path) -> list[str]:
    """``strace -f -yy -e trace=... -o LOG``; with --seccomp-bpf when this strace has it
    (only the traced syscalls stop the process: the run is barely slower)."""
    exe = shutil.which("strace")
    base = [exe, "-f", "-qq", "-yy", "-e", f"trace={STRACE_SYSCALLS}", "-o", str(log)]
    return [*base, "--seccomp-bpf"] if _has_seccomp_bpf(exe) else base


# -- the driver (in the child process) -------------------------------------------------------
def install_audit_hook(path: Path) -> None:
    """Write every WATCHED audit event to ``path`` as it happens (from any thread)."""
    out = open(path, "a", buffering=1, encoding="utf-8")  # opened before the hook: not recorded
    lock = threading.Lock()

    def where() -> list[str]:
        frames, frame = [], sys._getframe(2)
        while frame is not None and len(frames) < 40:
            frames.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
            frame = frame.f_back
        return frames

    def hook(event: str, args: tuple) -> None:
        if event not in WATCHED:
            return
        rec: dict = {"event": event, "thread": threading.current_thread().name}
        try:
            if event == "socket.__new__":
                rec["family"] = family_name(args[1])
                rec["args"] = f"type={args[2]} proto={args[3]}"
            elif event in BY_FAMILY:
                rec["family"] = family_name(args[0].family)
                rec["args"] = repr(args[1])[:200]
            else:
                rec["args"] = repr(args)[:200]
            rec["where"] = where()
        except Exception as err:  # never break the app: record what could not be read
            rec["error"] = repr(err)
        with lock:
            out.write(json.dumps(rec) + "\n")

    sys.addaudithook(hook)


def _python_connect() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(1)
        sock.connect(("127.0.0.1", PORT))
    except OSError:
        pass  # swallowed, as a careless library would
    finally:
        sock.close()


CANARY = "netprobe-canary"


def _local_canary() -> None:
    """An allowed local socket, bound at the very end of the run: both layers must record it
    (and allow it), which shows they were still watching when the window had closed."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind("\0" + CANARY)  # Linux's abstract namespace: no file, no path length to mind
    finally:
        sock.close()


def _plant(name: str) -> None:
    """One deliberate connection, made from the running event loop."""
    if name == "python_connect":
        thread = threading.Thread(target=_python_connect, name="planted")
        thread.start()
        thread.join()
    elif name == "urlopen":
        import urllib.request

        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}", timeout=1).close()
        except OSError:
            pass
    elif name == "qt_tcp":
        from PySide6.QtNetwork import QTcpSocket

        sock = QTcpSocket()
        sock.connectToHost("127.0.0.1", PORT)
        sock.waitForConnected(300)
        sock.abort()
    elif name == "qt_nam":
        from PySide6.QtCore import QEventLoop, QTimer, QUrl
        from PySide6.QtNetwork import QNetworkAccessManager, QNetworkRequest

        manager = QNetworkAccessManager()
        reply = manager.get(QNetworkRequest(QUrl(f"http://127.0.0.1:{PORT}/")))
        loop = QEventLoop()
        reply.finished.connect(loop.quit)
        QTimer.singleShot(1500, loop.quit)
        if not reply.isFinished():
            loop.exec()
        reply.abort()
        reply.deleteLater()


def drive(out: Path, plant: str | None) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    import gui.main_window as main_window
    from engine.config import Config
    from gui import exports
    from gui.app import create_window, throwaway_settings

    throwaway_settings()
    if plant == "construction":
        load_lessons = main_window.load_lessons

        def lessons_and_a_connection(*args, **kwargs):
            _python_connect()
            return load_lessons(*args, **kwargs)

        main_window.load_lessons = lessons_and_a_connection

    def wait_until(condition, what: str, seconds: float = 10.0) -> None:
        import time

        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"netprobe: gave up waiting for {what}")
            QApplication.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.002)

    small = {"data": {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
             "model": {"hidden": [6, 6], "activation": "tanh", "init": "xavier"},
             "train": {"optimizer": "adam", "lr": 0.03, "epochs": 100000, "batch_size": 32, "seed": 0}}
    window = create_window(Config.from_dict(small))
    app = QApplication.instance()
    window.resize(1280, 800)
    window.show()
    wait_until(lambda: window.session is not None, "the first session")
    done: dict = {"plant": plant, "lessons": [], "exports": [], "dialogs": []}

    def train_one_epoch() -> int:
        window.step_epoch()
        wait_until(lambda: window.latest is not None and window.latest.epoch >= 1
                   and window.controller.phase == "paused", "an epoch of training")
        return window.latest.epoch

    for i, lesson in enumerate(window.lessons):
        window.open_lesson(lesson)
        wait_until(lambda lesson=lesson: window.session.config == lesson.config and not window.builds.busy,
                   f"the session of {lesson.path.name}")
        done["lessons"].append({"file": lesson.path.name, "epoch": train_one_epoch()})
        if i == 0 and plant not in (None, "construction"):
            QTimer.singleShot(0, lambda: _plant(plant))
            QApplication.processEvents(QEventLoop.AllEvents, 50)
            QApplication.processEvents()
            done["planted"] = True
    if plant == "construction":
        done["planted"] = True

    window.play_pause()  # a short run in real time: the worker thread trains and the views redraw
    wait_until(lambda: window.latest is not None and window.latest.epoch >= 3, "three epochs played", 20)
    window.play_pause()
    wait_until(lambda: window.controller.phase == "paused", "the pause")
    done["played_to"] = window.latest.epoch

    for kind, entry in exports.EXPORTS.items():
        path = out / f"{kind}{Path(entry.default_name).suffix}"
        window.export(kind, str(path))
        done["exports"].append(path.name)
    views = list(window.views)
    for key, suffix in [(key, ".png") for key in views] + [(views[0], ".svg")]:
        path = out / f"{key}{suffix}"
        window.export_view(key, str(path))
        done["exports"].append(path.name)

    def close_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, close_dialog)
            return
        done["dialogs"].append(dialog.objectName() or dialog.windowTitle())
        dialog.done(0)

    for action in (window.shortcuts_action, window.about_action):  # Help ▸ ...: each dialog runs .exec()
        QTimer.singleShot(20, close_dialog)
        action.trigger()

    window.close()
    QApplication.processEvents()
    app.quit()
    if sys.platform.startswith("linux"):
        _local_canary()
        done["canary"] = CANARY
    return done


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=Path, required=True, help="the audit events, one JSON object a line")
    parser.add_argument("--summary", type=Path, required=True, help="what the run did (JSON), written at the end")
    parser.add_argument("--out", type=Path, required=True, help="the folder the exports go to")
    parser.add_argument("--plant", choices=sorted(PLANTS), help="make this one deliberate connection")
    args = parser.parse_args(argv)
    install_audit_hook(args.events)  # before Qt, NumPy, scikit-learn or the app are imported

    import faulthandler
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    faulthandler.dump_traceback_later(50, exit=True)  # a hang says where, before the test's timeout
    sys.path.insert(0, str(ROOT))
    done = drive(args.out, args.plant)
    args.summary.write_text(json.dumps(done), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
