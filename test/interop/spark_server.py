#!/usr/bin/env python3
"""read_spark.py as a server: one Spark session (one JVM start) for a whole
integration run instead of one per read. test/support/spark-server.ts starts it
when a test first reads through Spark and stops it when the run ends.

  spark_server.py --state FILE [--owner PID] [--idle-timeout S]

Listens on 127.0.0.1 (a free port) and, once the Spark session is up, writes
{"pid", "port"} to FILE. Requests, one read at a time:
  GET  /health            200 "ok" (answered while a read runs)
  POST /read              body {"argv": [read_spark.py's arguments]}
                          200: exactly the lines read_spark.py prints for them;
                          422: the one-line error read_spark.py would exit with;
                          500: an unexpected failure (the traceback's tail).
Each read gets a new Spark session on the shared context (its own SQL conf and
catalogs) with the request's catalog under the name read_spark.py gives it (a
SQL catalog's JdbcCatalog finds its tables by that name); a SQLite catalog is read
from a new copy of its file. The catalog is closed after the read (JDBC
connections, HTTP clients), the copy removed. A failed read leaves the server
serving.

Exits (stopping Spark, removing FILE) on SIGTERM or SIGINT, when the owner
process is gone, or after --idle-timeout seconds without a request.
"""
import argparse
import http.server
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_spark import ReadError, catalog_conf, parser, read_tables, session_builder  # noqa: E402


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def log(message):
    print(f"spark_server.py {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


class ArgvError(Exception):
    """read_spark.py's parser refused the arguments (its usage message)."""


def parse_argv(argv):
    p = parser()

    def refuse(message):
        raise ArgvError(f"{p.prog}: {message}")

    p.error = refuse
    try:
        return p.parse_args(argv)
    except SystemExit as stopped:  # --help, --version: not a read
        raise ArgvError(f"{p.prog}: not a read ({' '.join(argv)})") from stopped


class Reader:
    """The shared Spark session; read() runs one request at a time."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.reads = 0
        self.read_seconds = 0.0
        started = time.monotonic()
        self.spark = session_builder(scratch).getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        log(f"Spark session in {time.monotonic() - started:.1f} s")

    def read(self, argv):
        args = parse_argv(argv)
        with self.lock:
            self.last_used = time.monotonic()
            started = time.monotonic()
            request_scratch = tempfile.mkdtemp(prefix="read-", dir=self.scratch)
            session = None
            try:
                conf = catalog_conf(args, request_scratch)
                session = self.spark.newSession()
                for key, value in conf.items():
                    session.conf.set(key, value)
                # The catalog as built, not a caching wrapper: close_catalog closes it.
                session.conf.set(f"spark.sql.catalog.{args.name}.cache-enabled", "false")
                out = io.StringIO()
                read_tables(session, args, out, sys.stderr)
                log(f"read {', '.join(args.tables)} in {time.monotonic() - started:.1f} s")
                return out.getvalue()
            finally:
                self.reads += 1
                self.read_seconds += time.monotonic() - started
                if session is not None:
                    self.close_catalog(session, args.name)
                shutil.rmtree(request_scratch, ignore_errors=True)
                self.last_used = time.monotonic()

    @staticmethod
    def close_catalog(session, name):
        """Closes the request's Iceberg catalog (JdbcCatalog, RESTCatalog are Closeable)."""
        try:
            plugin = session._jsparkSession.sessionState().catalogManager().catalog(name)
            plugin.icebergCatalog().close()
        except Exception as error:  # a catalog that cannot load: nothing open to close
            log(f"catalog {name} not closed: {(str(error).strip().splitlines() or [repr(error)])[0]}")

    def busy(self):
        return self.lock.locked()


def handler_for(reader):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, text):
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path == "/health":
                self.reply(200, "ok")
            else:
                self.reply(404, f"no {self.path}")

        def do_POST(self):  # noqa: N802
            if self.path != "/read":
                self.reply(404, f"no {self.path}")
                return
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                argv = request["argv"]
                if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                    raise ArgvError("argv must be a list of strings")
                text = reader.read(argv)
            except (ReadError, ArgvError, ValueError, KeyError) as error:
                log(f"refused {self.path}: {error}")
                self.reply(422, str(error))
                return
            except Exception:  # noqa: BLE001 (answered, and the server keeps serving)
                tail = traceback.format_exc().strip().splitlines()[-20:]
                log("failed:\n" + "\n".join(tail))
                self.reply(500, "\n".join(tail))
                return
            self.reply(200, text)

        def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
            pass

    return Handler


def watch(stop, reader, owner, idle_timeout):
    """Stops the server when the owner process is gone or nothing was asked for idle_timeout seconds."""
    while True:
        time.sleep(2)
        if owner and not alive(owner):
            log(f"owner {owner} is gone: stopping")
            break
        if idle_timeout and not reader.busy() and time.monotonic() - reader.last_used > idle_timeout:
            log(f"idle for {idle_timeout} s: stopping")
            break
    stop()


def write_state(path, port):
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as f:
        json.dump({"pid": os.getpid(), "port": port}, f)
    os.replace(temporary, path)


def remove_state(path):
    """Removes the state file when it still names this process."""
    try:
        with open(path) as f:
            if json.load(f).get("pid") == os.getpid():
                os.remove(path)
    except (OSError, ValueError):
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--state", required=True, help="file to write {pid, port} to once serving")
    p.add_argument("--owner", type=int, default=0, help="exit when this process is gone")
    p.add_argument("--idle-timeout", type=float, default=1800, help="exit after this many seconds without a request")
    args = p.parse_args()
    scratch = tempfile.mkdtemp(prefix="floe-spark-server-")
    server = None
    try:
        reader = Reader(scratch)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(reader))
        server.daemon_threads = True

        def stop():
            # No new client finds it from here on; one that already did gets its
            # connection refused and starts a new server (spark-read.ts).
            remove_state(args.state)
            server.shutdown()

        on_signal = lambda signum, frame: threading.Thread(target=stop, daemon=True).start()  # noqa: E731
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        threading.Thread(target=watch, args=(stop, reader, args.owner, args.idle_timeout), daemon=True).start()
        write_state(args.state, server.server_address[1])
        log(f"serving on 127.0.0.1:{server.server_address[1]} (pid {os.getpid()}, owner {args.owner or 'none'})")
        server.serve_forever()
        log(f"stopping Spark after {reader.reads} reads ({reader.read_seconds:.1f} s reading)")
        try:
            reader.spark.stop()
        except Exception as error:  # noqa: BLE001 (the JVM went first, e.g. its process group was signalled)
            log(f"Spark had stopped already: {(str(error).strip().splitlines() or [repr(error)])[0]}")
    except ReadError as error:
        sys.exit(f"spark_server.py: {error}")
    finally:
        remove_state(args.state)
        if server is not None:
            server.server_close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
