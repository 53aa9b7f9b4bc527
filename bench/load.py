"""Load test of the web app's two HTTP APIs side by side: concurrent users on loopback, against
in-process answers.

Starts ``qa serve`` on a free loopback port as a subprocess (always stopped at the end, also on
Ctrl+C), then runs scenarios of N concurrent users (threads) against each endpoint, each user asking
the questions of ``eval/corpus_qa.jsonl`` in a loop for a bounded time:

- ``json``: the plain JSON API, ``POST /v1/answer`` (one request, one reply);
- ``gradio``: Gradio's named endpoint ``/answer`` (POST ``/gradio_api/call/answer``, then its
  event stream; or ``gradio_client`` with ``--client gradio``).

Records throughput, latency p50/p95/max, errors (an exception, an error status or event, a non-JSON
or malformed result, or a citation whose quote is not ``document.text[start:end]`` in a random
sample of answers), the server's CPU use and resident memory. The baseline, measured in the same
run, is the same questions answered sequentially in this process by ``qa.answer.answer()`` (warm):
what one user gets without HTTP. Half of it runs before the scenarios and half after, so that a
change in the machine's load shows.

    .venv/bin/python -m bench.load [--quick] [--endpoints json,gradio] [--users N --seconds S]
                                   [--client httpx|gradio] [--minutes M]

Without ``--users`` it runs the standard scenarios for each endpoint (1 user 15 s, 8 users 30 s;
``--quick``: 5 s each) and replaces the "Concurrency (HTTP API)" section of docs/benchmarks.md
and the "Load test" section of docs/reliability.md (not with ``--quick`` or ``--no-docs``).
``--minutes M`` then runs a soak: 8 users on ``/v1/answer`` for M minutes, the server's RSS
sampled every 15 s, written to the "Soak" section of docs/reliability.md. Only loopback is used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import BENCH_DOC, INDEX_DIR, QUESTIONS_FILE, RESULTS, ROOT, cpu_model

import numpy as np
RELIABILITY_DOC = ROOT / "docs" / "reliability.md"
BENCH_HEADING = "## Concurrency (HTTP API)"
RELIABILITY_HEADING = "## Load test"
HOST = "127.0.0.1"
API_NAME = "answer"
#: The standard scenarios per endpoint: (name, users, seconds); --quick runs each for QUICK_SECONDS.
SCENARIOS = (("1", 1, 15.0), ("8", 8, 30.0))
ENDPOINTS = ("json", "gradio")
JSON_PATH = "/v1/answer"
SOAK_HEADING = "## Soak"
SOAK_USERS = 8
SOAK_SAMPLE_SECONDS = 15.0
QUICK_SECONDS = 5.0
#: The queue's default_concurrency_limit in ui.py (read from ui.CONCURRENCY when importable).
READY_TIMEOUT = 120.0
#: Answers per scenario whose citations are checked against the document text.
QUOTE_SAMPLE = 20
#: Keys every /answer result must carry (Answer.to_dict()).
ANSWER_KEYS = {"question", "text", "abstained", "citations", "passages", "alternatives",
               "confidence", "mode", "reason", "timings"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def load_questions() -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows if r.get("question")]
    if not questions:
        raise SystemExit(f"no questions in {QUESTIONS_FILE}")
    return questions


# --- the server -----------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict:
    """VmRSS and VmHWM (MiB) of a process, from /proc/<pid>/status."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024  # kB -> MiB
    except OSError:
        pass
    return out


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def thread_cpu_seconds(pid: int) -> dict:
    """{(thread id, name): user + system CPU seconds} for every thread of a process."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            raw = (task / "stat").read_text()
            name = raw[raw.index("(") + 1:raw.rindex(")")]
            fields = raw.rsplit(")", 1)[1].split()
            out[(task.name, name)] = (int(fields[11]) + int(fields[12])) / tck
        except (OSError, ValueError, IndexError):
            continue
    return out


def busiest_thread(pid: int, before: dict, after: dict, wall: float) -> tuple[str, float]:
    """The name of the thread that used the most CPU between two ``thread_cpu_seconds`` snapshots,
    and the share of one core it used."""
    used = {key: after[key] - before.get(key, 0.0) for key in after}
    if not used or not wall:
        return "", float("nan")
    key = max(used, key=used.get)
    main = " (main thread)" if key[0] == str(pid) else ""
    return key[1] + main, used[key] / wall


class Server:
    """``qa serve`` on a free loopback port, in its own process group; ``stop()`` always ends it."""

    def __init__(self, index_dir: Path):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_file = tempfile.NamedTemporaryFile(prefix="qa-load-server-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            # `python -m` from the project folder: this checkout's qa, whichever one is installed.
            [sys.executable, "-m", "qa.app.cli", "serve", "--host", HOST, "--port", str(self.port),
             "--index-dir", str(index_dir)],
            cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(os.environ), start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, n: int = 3000) -> str:
        try:
            return Path(self.log_file.name).read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        """Seconds until the API describes ``/answer``; ``RuntimeError`` if it dies or times out."""
        import httpx

        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"qa serve exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                info = httpx.get(f"{self.url}/gradio_api/info", timeout=5).json()
                schema = httpx.get(f"{self.url}/openapi.json", timeout=5).json()
                if f"/{API_NAME}" in info.get("named_endpoints", {}) and JSON_PATH in schema.get("paths", {}):
                    return time.monotonic() - t0
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"qa serve did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's own process group, SIGKILL after 10 s; removes the log file."""
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.log_file.close()
        try:
            os.unlink(self.log_file.name)
        except OSError:
            pass


# --- clients --------------------------------------------------------------------------------------

class APIError(Exception):
    """The server answered, but not with a well-formed Answer."""


class HttpxCaller:
    """Gradio's HTTP API by hand: POST /gradio_api/call/answer, then read the event stream.

    All four inputs are sent: the raw API does not fill in the function's defaults (a call with the
    question alone gets an error event, "didn't receive enough input values").
    """

    def __init__(self, url: str, timeout: float):
        import httpx

        self.url, self.timeout = url, timeout
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))

    def __call__(self, question: str) -> dict:
        import httpx

        deadline = time.monotonic() + self.timeout
        r = self.client.post(f"{self.url}/gradio_api/call/{API_NAME}",
                             json={"data": [question, "hybrid", 5, None]})
        r.raise_for_status()
        event_id = r.json()["event_id"]
        event, data = None, None
        with self.client.stream("GET", f"{self.url}/gradio_api/call/{API_NAME}/{event_id}") as s:
            s.raise_for_status()
            for line in s.iter_lines():
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"no result within {self.timeout:.0f} s")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = line[5:].strip()
                    break
        if event == "error":
            raise APIError(f"error event: {data[:200] if data else data}")
        if event != "complete" or data is None:
            raise APIError(f"stream ended without a result (last event {event!r})")
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise APIError(f"result is not JSON: {data[:120]!r}") from exc
        if not isinstance(payload, list) or len(payload) != 1:
            raise APIError(f"result is not a one-element list: {str(payload)[:120]}")
        return payload[0]

    def close(self) -> None:
        self.client.close()


class GradioClientCaller:
    """``gradio_client.Client(url).predict(question, api_name="/answer")``, one Client per user."""

    def __init__(self, url: str, timeout: float):
        from gradio_client import Client

        self.timeout = timeout
        self.client = Client(url, verbose=False)

    def __call__(self, question: str) -> dict:
        job = self.client.submit(question, api_name=f"/{API_NAME}")
        result = job.result(timeout=self.timeout)
        if isinstance(result, str):  # gradio_client hands back some JSON outputs as text
            try:
                result = json.loads(result)
            except ValueError as exc:
                raise APIError(f"result is not JSON: {result[:120]!r}") from exc
        return result

    def close(self) -> None:
        try:
            self.client.close()
        except Exception as exc:  # noqa: BLE001 - closing must not hide the run's figures
            log(f"warning: closing a gradio_client Client failed: {exc}")


class JsonCaller:
    """The JSON API: ``POST /v1/answer`` with the question alone, one reply."""

    def __init__(self, url: str, timeout: float):
        import httpx

        self.url = f"{url}{JSON_PATH}"
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))

    def __call__(self, question: str) -> dict:
        r = self.client.post(self.url, json={"question": question})
        if r.status_code != 200:
            raise APIError(f"status {r.status_code}: {r.text[:200]}")
        try:
            return r.json()
        except ValueError as exc:
            raise APIError(f"reply is not JSON: {r.text[:120]!r}") from exc

    def close(self) -> None:
        self.client.close()


CALLERS = {"httpx": HttpxCaller, "gradio": GradioClientCaller}


def caller_for(endpoint: str, client: str):
    """The caller class of ``endpoint`` ("json" or "gradio"; ``client`` picks Gradio's)."""
    return JsonCaller if endpoint == "json" else CALLERS[client]


def check_shape(result: object) -> dict:
    """The result if it is an Answer dict; ``APIError`` otherwise."""
    if not isinstance(result, dict) or not ANSWER_KEYS <= result.keys():
        raise APIError(f"result is not an Answer: {str(result)[:120]}")
    if not isinstance(result["citations"], list) or not isinstance(result["text"], str):
        raise APIError("result has malformed fields (text, citations)")
    return result


def quote_mismatches(result: dict, index) -> list[str]:
    """Every citation, passage and alternative of ``result`` whose quote is not the document's
    text at ``[start:end]``, described in one line each (empty when all match)."""
    bad = []
    for group in ("citations", "passages", "alternatives"):
        for c in result.get(group) or []:
            try:
                text = index.document(c["doc_id"]).text
                ok = text[c["start"]:c["end"]] == c["quote"]
            except (KeyError, TypeError) as exc:
                ok = False
                c = {**c, "quote": f"<{type(exc).__name__}>"} if isinstance(c, dict) else {"doc_id": repr(c)}
            if not ok:
                bad.append(f"{group}: {c.get('doc_id')} [{c.get('start')}:{c.get('end')}]")
    return bad


def answer_key(result: dict) -> tuple:
    """What must be the same for a question however it is asked: text and cited spans."""
    return (result["text"], result["abstained"],
            tuple((c["doc_id"], c["start"], c["end"]) for c in result["citations"]))


# --- scenarios ------------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    users: int
    seconds: float
    endpoint: str = "gradio"
    wall: float = 0.0
    latencies: list = field(default_factory=list)  # ms, successful answers
    server_ms: list = field(default_factory=list)  # answer()'s own total_ms, as the server reported it
    errors: list = field(default_factory=list)  # one line each
    sample: list = field(default_factory=list)  # (question, result) reservoir for the quote check
    seen: int = 0
    different: int = 0  # answers not identical to the in-process answer of the same question
    quote_checked: int = 0
    quote_bad: list = field(default_factory=list)
    server_cpu_s: float = 0.0
    busiest: tuple = ("", float("nan"))  # the server thread that used the most CPU, its share of a core
    client_cpu_s: float = 0.0
    rss: dict = field(default_factory=dict)
    load: tuple = ()
    rss_samples: list = field(default_factory=list)  # (seconds since start, answers so far, VmRSS MiB)

    @property
    def answers(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.answers / self.wall if self.wall else 0.0

    @property
    def error_count(self) -> int:
        return len(self.errors) + len(self.quote_bad)


def run_scenario(sc: Scenario, url: str, questions: list[str], caller_cls, server_pid: int,
                 expected: dict, timeout: float, max_requests: int, seed: int) -> Scenario:
    """``sc.users`` threads ask in a loop until ``sc.seconds`` have passed (or ``max_requests``
    were sent); requests in flight at the deadline finish (each bounded by ``timeout``)."""
    log(f"scenario {sc.name}: {sc.users} user(s) for {sc.seconds:.0f} s ...")
    lock = threading.Lock()
    rng = random.Random(seed)
    sent = [0]
    callers = []
    # Clients are made before the clock starts: gradio_client fetches the app's config on creation.
    for _ in range(sc.users):
        callers.append(caller_cls(url, timeout))
    barrier = threading.Barrier(sc.users + 1)
    deadline = [0.0]

    def user(i: int, call) -> None:
        # Each user starts at a different place in the question list, so that users do not ask
        # the same question at the same moment.
        pos = i * len(questions) // sc.users
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            with lock:
                if sent[0] >= max_requests:
                    return
                sent[0] += 1
            question = questions[pos % len(questions)]
            pos += 1
            t0 = time.perf_counter()
            try:
                result = check_shape(call(question))
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, never hidden
                with lock:
                    sc.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            ms = (time.perf_counter() - t0) * 1e3
            with lock:
                sc.latencies.append(ms)
                sc.server_ms.append(float(result.get("timings", {}).get("total_ms", float("nan"))))
                if question in expected and answer_key(result) != expected[question]:
                    sc.different += 1
                # Reservoir sample of the answers, for the quote check after the run.
                sc.seen += 1
                if len(sc.sample) < QUOTE_SAMPLE:
                    sc.sample.append(result)
                else:
                    j = rng.randrange(sc.seen)
                    if j < QUOTE_SAMPLE:
                        sc.sample[j] = result

    threads = [threading.Thread(target=user, args=(i, c), daemon=True) for i, c in enumerate(callers)]
    for t in threads:
        t.start()
    cpu0, client0 = proc_cpu_seconds(server_pid), time.process_time()
    threads0 = thread_cpu_seconds(server_pid)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    deadline[0] = t0 + sc.seconds
    barrier.wait()
    try:
        # Bounded: the deadline plus one request's timeout (and slack for the stream's end). The
        # server's RSS is sampled meanwhile (the soak's curve).
        next_sample = t0
        while any(t.is_alive() for t in threads) and time.perf_counter() < deadline[0] + timeout + 5:
            if time.perf_counter() >= next_sample:
                with lock:
                    done_now = len(sc.latencies)
                sc.rss_samples.append((time.perf_counter() - t0, done_now,
                                       proc_status(server_pid).get("VmRSS", float("nan"))))
                next_sample += SOAK_SAMPLE_SECONDS
            time.sleep(0.2)
    finally:
        sc.wall = time.perf_counter() - t0
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            sc.errors.append(f"{stuck} user thread(s) still waiting {timeout:.0f} s after the deadline")
        sc.server_cpu_s = proc_cpu_seconds(server_pid) - cpu0
        sc.busiest = busiest_thread(server_pid, threads0, thread_cpu_seconds(server_pid), sc.wall)
        sc.client_cpu_s = time.process_time() - client0
        sc.rss = proc_status(server_pid)
        sc.load = (load0, os.getloadavg()[0])
        for c in callers:
            c.close()
    return sc


def check_quotes(sc: Scenario, index) -> None:
    for result in sc.sample:
        sc.quote_checked += 1
        bad = quote_mismatches(result, index)
        if bad:
            sc.quote_bad.append(f"{result.get('question', '')[:60]!r}: {'; '.join(bad[:3])}")


# --- baseline -------------------------------------------------------------------------------------

def run_baseline(questions: list[str], seconds: float, start: int = 0) -> tuple[list[float], dict]:
    """Latencies (ms) of sequential in-process ``answer()`` calls for ``seconds``, cycling through
    ``questions`` from ``start``; and each question's answer key."""
    from qa.answer import answer

    latencies, keys = [], {}
    pos = start
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        q = questions[pos % len(questions)]
        pos += 1
        t0 = time.perf_counter()
        result = answer(q, index_dir=INDEX_DIR).to_dict()
        latencies.append((time.perf_counter() - t0) * 1e3)
        keys[q] = answer_key(result)
    return latencies, keys


def in_process_answers(questions: list[str]) -> dict:
    """Every question's answer key from ``answer()`` in this process (also the warm-up)."""
    from qa.answer import answer

    return {q: answer_key(answer(q, index_dir=INDEX_DIR).to_dict()) for q in questions}


# --- report ---------------------------------------------------------------------------------------

def machine() -> dict:
    model = cpu_model()
    import gradio

    return {"cpu": model, "cores": os.cpu_count(), "gradio": gradio.__version__,
            "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d %H:%M"),
            "load": os.getloadavg()[0]}


def concurrency_limit() -> int | None:
    try:
        import ui

        return int(ui.CONCURRENCY)
    except (ImportError, AttributeError, ValueError):
        return None


def scenario_row(sc: Scenario, single: Scenario | None) -> tuple:
    speedup = f"{sc.throughput / single.throughput:.2f}x" if single and single.throughput else ""
    p95_ratio = (f"{pct(sc.latencies, 95) / pct(single.latencies, 95):.1f}x"
                 if single and single.latencies and sc.latencies else "")
    return (f"`{label(sc.endpoint)}`", f"{sc.users} user{'s' if sc.users > 1 else ''}, {sc.seconds:.0f} s",
            f"{sc.answers}", f"{sc.throughput:.1f}", speedup, f"{pct(sc.latencies, 50):.0f}",
            f"{pct(sc.latencies, 95):.0f}", p95_ratio, f"{max(sc.latencies, default=float('nan')):.0f}",
            f"{pct(sc.server_ms, 50):.0f}", f"{sc.server_cpu_s / sc.wall:.2f}" if sc.wall else "",
            f"{1e3 * sc.server_cpu_s / sc.answers:.1f}" if sc.answers else "",
            f"{sc.rss.get('VmRSS', float('nan')):.0f}",
            f"{sc.error_count} ({len(sc.errors)} req, {len(sc.quote_bad)}/{sc.quote_checked} quote)",
            f"{sc.load[0]:.1f} -> {sc.load[1]:.1f}")


HEADER = ("Endpoint", "Scenario", "Answers", "Answers/s", "vs 1 user", "p50 ms", "p95 ms", "p95 vs 1 user",
          "max ms", "server answer() p50 ms", "server CPU (cores)", "server CPU ms per answer", "server RSS MiB",
          "errors", "load avg")


def label(endpoint: str) -> str:
    return "POST /v1/answer" if endpoint == "json" else "Gradio /answer"


def format_table(rows, header=HEADER) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def single_of(scs: list, endpoint: str) -> Scenario | None:
    return next((x for x in scs if x.users == 1 and x.endpoint == endpoint), None)


def result_rows(r: dict) -> list[tuple]:
    b = r["baseline"]
    rows = [("in-process `answer()`", "sequential (baseline)", f"{len(b['latencies'])}", f"{b['throughput']:.1f}",
             "", f"{pct(b['latencies'], 50):.0f}", f"{pct(b['latencies'], 95):.0f}", "",
             f"{max(b['latencies']):.0f}", "", "", "", "", "0", "")]
    return rows + [scenario_row(x, single_of(r["scenarios"], x.endpoint)) for x in r["scenarios"]]


def verdicts(r: dict) -> list[str]:
    """One line per endpoint: throughput at the most users and its p95 against one user's."""
    out = []
    for endpoint in r["endpoints"]:
        scs = [x for x in r["scenarios"] if x.endpoint == endpoint]
        single, most = single_of(scs, endpoint), max(scs, key=lambda x: x.users, default=None)
        if not most or not most.latencies:
            continue
        line = (f"`{label(endpoint)}`: {most.throughput:.1f} answers/s at {most.users} users, "
                f"p95 {pct(most.latencies, 95):.0f} ms")
        if single and single.latencies and most is not single:
            line += (f" = {pct(most.latencies, 95) / pct(single.latencies, 95):.1f}x one user's p95 "
                     f"({pct(single.latencies, 95):.0f} ms; {single.throughput:.1f} answers/s)")
        out.append(line + f", {sum(x.error_count for x in scs)} errors")
    return out


def section_benchmarks(r: dict) -> str:
    m, scs = r["machine"], r["scenarios"]
    b = r["baseline"]
    cpu_per_answer = ", ".join(f"{label(x.endpoint)} {x.users}: {1e3 * x.server_cpu_s / x.answers:.0f} ms"
                               for x in scs if x.answers)
    parts = [
        BENCH_HEADING,
        "",
        f"Measured by `bench/load.py` on {m['date']}: {m['cpu'] or 'CPU'}, {m['cores']} CPU cores shared with "
        f"other jobs (1-minute load average {r['load_start']:.1f} at the start, {m['load']:.1f} at the end), "
        f"Gradio {m['gradio']}. The app runs as `qa serve --host 127.0.0.1` on the shipped index; each user "
        f"is a thread with its own HTTP client (httpx), asking the {r['n_questions']} questions of "
        "`eval/corpus_qa.jsonl` in a loop from a different starting question, through the JSON API "
        "(`POST /v1/answer`, one request) or Gradio's `/answer` (POST `/gradio_api/call/answer`, then "
        f"its event stream; {r['client']} client). Latency is the client's. The baseline is the same "
        "questions answered sequentially by `qa.answer.answer()` in the benchmark process (warm; half "
        f"before the scenarios at {b['tput_before']:.1f}/s, half after at {b['tput_after']:.1f}/s).",
        "",
        format_table(result_rows(r)),
        "",
    ]
    parts += [f"- {line}." for line in verdicts(r)]
    parts += [
        f"- Server CPU per answer: {cpu_per_answer}. The load generator ({r['client_cpu_note']}) and "
        "other jobs share the same cores.",
        "- **Why the JSON API is faster**: one HTTP request per answer instead of two (the call, then "
        "its event stream), no queue and no Gradio session per call; FastAPI runs `answer()` in its "
        "thread pool with no lock of its own (the index cache locks only while it looks an index up). "
        "Gradio's queue still runs at most "
        f"{r['concurrency_limit'] or '?'} answers at once (`ui.CONCURRENCY`).",
        "- **The p95 ratio has a floor here**: with 8 users always waiting for an answer and "
        f"{m['cores']} cores, each answer shares the CPU with the others, so by Little's law the "
        "typical latency at 8 users is about 8 / throughput; it can be under 3x one user's only where "
        "one user leaves most of the CPU idle (network waits), which on loopback it does not.",
        "",
    ]
    return "\n".join(parts)


def section_reliability(r: dict) -> str:
    m, scs = r["machine"], r["scenarios"]
    lines = [
        RELIABILITY_HEADING,
        "",
        f"`bench/load.py` ({m['date']}, {m['cores']} shared cores, load average {r['load_start']:.1f} at "
        f"the start, {m['load']:.1f} at the end) starts `qa serve` on a free loopback port, waits until "
        f"`/gradio_api/info` lists `/answer` and `/openapi.json` lists `/v1/answer` ({r['ready_s']:.1f} s), "
        "runs each scenario with one thread and HTTP client per user, and stops the server in a `finally` "
        "(SIGTERM to its process group, SIGKILL after 10 s; also on Ctrl+C). Every request has a "
        f"{r['timeout']:.0f} s timeout and each scenario a deadline and a cap of {r['max_requests']} "
        "requests. An error is an exception, an error status or event, a result that is not JSON or not "
        f"an Answer, or, in {QUOTE_SAMPLE} answers sampled at random per scenario, a citation, passage or "
        "alternative whose `quote` is not `document.text[start:end]`. Every answer is also compared with "
        "the in-process answer to the same question (text, abstention and cited spans).",
        "",
        "| endpoint | scenario | answers | answers/s | p50 / p95 / max ms | errors | quotes checked | not identical to in-process | server RSS MiB (peak) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for x in scs:
        lines.append(
            f"| `{label(x.endpoint)}` | {x.users} user{'s' if x.users > 1 else ''}, {x.seconds:.0f} s | {x.answers} | "
            f"{x.throughput:.1f} | {pct(x.latencies, 50):.0f} / {pct(x.latencies, 95):.0f} / "
            f"{max(x.latencies, default=float('nan')):.0f} | {len(x.errors)} | {x.quote_checked} "
            f"({len(x.quote_bad)} wrong) | {x.different} | "
            f"{x.rss.get('VmRSS', float('nan')):.0f} ({x.rss.get('VmHWM', float('nan')):.0f}) |")
    total_err = sum(x.error_count for x in scs)
    lines += [
        "",
        f"Total errors: {total_err}. Server RSS after warm-up: {r['rss_ready'].get('VmRSS', float('nan')):.0f} MiB "
        "(the RSS column is VmRSS at the end of each scenario, VmHWM in brackets). Throughput and latency: "
        "docs/benchmarks.md, \"Concurrency (HTTP API)\"; memory over a long run: \"Soak\" below.",
        "",
    ]
    if total_err:
        first = [e for x in scs for e in (x.errors + x.quote_bad)][:5]
        lines += ["First errors:", ""] + [f"- `{e}`" for e in first] + [""]
    return "\n".join(lines)


def section_soak(sc: Scenario, r: dict) -> str:
    """The soak's RSS curve, and whether it levelled off (growth in the second half against the first)."""
    m = r["machine"]
    samples = sc.rss_samples
    lines = [
        SOAK_HEADING,
        "",
        f"`python -m bench.load --minutes {sc.seconds / 60:.0f}` ({m['date']}, {m['cores']} shared cores, load "
        f"average {sc.load[0]:.1f} -> {sc.load[1]:.1f}): {sc.users} users on `POST /v1/answer` for "
        f"{sc.seconds / 60:.0f} minutes, after the scenarios above, the server's VmRSS sampled every "
        f"{SOAK_SAMPLE_SECONDS:.0f} s. {sc.answers} answers ({sc.throughput:.1f}/s), p50 / p95 "
        f"{pct(sc.latencies, 50):.0f} / {pct(sc.latencies, 95):.0f} ms, {sc.error_count} errors.",
        "",
        "| minute | answers so far | server RSS MiB |",
        "|---|---|---|",
    ]
    shown, last_minute = [], -1
    for t, n, rss in samples:
        if int(t // 60) != last_minute:
            shown.append((t, n, rss))
            last_minute = int(t // 60)
    last = samples[-1] if samples else (sc.wall, sc.answers, sc.rss.get("VmRSS", float("nan")))
    if not shown or shown[-1] != last:
        shown.append(last)
    lines += [f"| {t / 60:.1f} | {n} | {rss:.0f} |" for t, n, rss in shown]
    lines += ["", soak_verdict(sc), ""]
    return "\n".join(lines)


def soak_verdict(sc: Scenario) -> str:
    samples = [x for x in sc.rss_samples if x[2] == x[2]]
    if len(samples) < 4:
        return "Too few samples to judge the curve."
    half = len(samples) // 2
    first = samples[half][2] - samples[0][2]
    second = samples[-1][2] - samples[half][2]
    per_k = 1e3 * (samples[-1][2] - samples[half][2]) / max(1, samples[-1][1] - samples[half][1])
    return (f"RSS {samples[0][2]:.0f} -> {samples[half][2]:.0f} MiB over the first half, "
            f"-> {samples[-1][2]:.0f} MiB over the second ({first:+.0f} then {second:+.0f} MiB; "
            f"{per_k:+.1f} MiB per 1,000 answers in the second half): "
            + ("it levels off." if second <= max(5.0, 0.25 * abs(first)) else "it still grows."))


def rss_growth(r: dict) -> float:
    """MiB of server RSS added per 1,000 answers, from after the warm-up to the last scenario's end."""
    scs = r["scenarios"]
    n = sum(x.answers for x in scs)
    end = scs[-1].rss.get("VmRSS", float("nan")) if scs else float("nan")
    return 1e3 * (end - r["rss_ready"].get("VmRSS", float("nan"))) / n if n else float("nan")


def replace_section(path: Path, heading: str, body: str) -> None:
    """``path`` with the section under ``heading`` (up to the next ``## `` heading) replaced by
    ``body``, or ``body`` appended when there is no such section yet."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    try:
        start = lines.index(heading)
    except ValueError:
        path.write_text(text.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n", encoding="utf-8")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    new = lines[:start] + body.rstrip("\n").split("\n") + ([""] + lines[end:] if end < len(lines) else [""])
    path.write_text("\n".join(new), encoding="utf-8")


# --- main -----------------------------------------------------------------------------------------

def _raise_interrupt(signum, frame):  # SIGTERM -> the same clean-up as Ctrl+C
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS),
                        help="comma-separated: json (POST /v1/answer), gradio (/answer)")
    parser.add_argument("--users", type=int, default=None,
                        help="run one scenario with this many users (plus 1 user, for the speed-up)")
    parser.add_argument("--seconds", type=float, default=None, help="length of that scenario (default 30)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SECONDS:.0f} s per scenario; no docs")
    parser.add_argument("--client", choices=sorted(CALLERS), default="httpx",
                        help="for the gradio endpoint: httpx (Gradio's HTTP API by hand) or gradio_client")
    parser.add_argument("--minutes", type=float, default=0.0,
                        help=f"then a soak of this many minutes: {SOAK_USERS} users on {JSON_PATH}, RSS sampled")
    parser.add_argument("--soak-only", action="store_true", help="only the soak (with --minutes)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--max-requests", type=int, default=500_000, help="cap per scenario")
    parser.add_argument("--baseline-seconds", type=float, default=None,
                        help="in-process baseline, split before/after the scenarios (default 20; quick 6)")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not touch docs/")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not (INDEX_DIR / "manifest.json").exists():
        print(f"no index in {INDEX_DIR}: run `make index` first", file=sys.stderr)
        return 1
    endpoints = [e for e in args.endpoints.split(",") if e]
    if not set(endpoints) <= set(ENDPOINTS):
        parser.error(f"--endpoints: choose from {', '.join(ENDPOINTS)}")
    if args.users is not None or args.seconds is not None:
        users, seconds = args.users or 8, args.seconds or 30.0
        plan = [("1", 1, min(15.0, seconds)), ("x", users, seconds)] if users > 1 else [("x", 1, seconds)]
    else:
        plan = list(SCENARIOS)
    if args.quick:
        plan = [(n, u, QUICK_SECONDS) for n, u, _ in plan]
    if args.soak_only:
        plan = []
    scenarios = [(e, n, u, sec) for e in endpoints for n, u, sec in plan]
    standard = args.users is None and args.seconds is None and not args.soak_only
    write_docs = not args.quick and not args.no_docs
    base_seconds = args.baseline_seconds or (6.0 if args.quick else 20.0)
    questions = load_questions()
    signal.signal(signal.SIGTERM, _raise_interrupt)

    t_start = time.perf_counter()
    r: dict = {"load_start": os.getloadavg()[0], "client": args.client, "n_questions": len(questions),
               "timeout": args.timeout, "max_requests": args.max_requests, "endpoints": endpoints,
               "concurrency_limit": concurrency_limit()}
    server, soak, done = None, None, []
    try:
        log("starting qa serve ...")
        server = Server(INDEX_DIR)
        r["ready_s"] = server.wait_ready()
        log(f"  {server.url} answered after {r['ready_s']:.1f} s (pid {server.pid})")

        log("in-process answers to every question (warm-up, and the reference for consistency) ...")
        from qa.index.cache import get_index

        index = get_index(INDEX_DIR)
        expected = in_process_answers(questions)
        log(f"baseline: sequential in-process answer(), {base_seconds / 2:.0f} s ...")
        before, _ = run_baseline(questions, base_seconds / 2)

        # Warm the server the same way (its model and index load lazily), outside every scenario.
        for endpoint in endpoints or ["json"]:
            warm = caller_for(endpoint, args.client)(server.url, args.timeout)
            try:
                for q in questions[:10]:
                    check_shape(warm(q))
            finally:
                warm.close()
        r["rss_ready"] = proc_status(server.pid)

        for i, (endpoint, name, users, seconds) in enumerate(scenarios):
            log(f"[{label(endpoint)}]")
            sc = run_scenario(Scenario(name, users, seconds, endpoint), server.url, questions,
                              caller_for(endpoint, args.client), server.pid, expected, args.timeout,
                              args.max_requests, args.seed + i)
            check_quotes(sc, index)
            done.append(sc)
            log(f"  {sc.answers} answers, {sc.throughput:.1f}/s, p50 {pct(sc.latencies, 50):.0f} ms, "
                f"p95 {pct(sc.latencies, 95):.0f} ms, {sc.error_count} errors, {sc.different} not identical, "
                f"RSS {sc.rss.get('VmRSS', 0):.0f} MiB, server CPU {sc.server_cpu_s / sc.wall:.2f} cores "
                f"(busiest thread {sc.busiest[0]!r} {sc.busiest[1]:.2f})")
            if sc.errors:
                log(f"  first error: {sc.errors[0]}")
        if args.minutes > 0:
            log(f"soak: {SOAK_USERS} users on {JSON_PATH} for {args.minutes:g} min ...")
            soak = run_scenario(Scenario("soak", SOAK_USERS, 60.0 * args.minutes, "json"), server.url,
                                questions, JsonCaller, server.pid, expected, args.timeout,
                                args.max_requests * 100, args.seed + 99)
            check_quotes(soak, index)
            log(f"  {soak.answers} answers, {soak.error_count} errors; {soak_verdict(soak)}")
        log(f"baseline: sequential in-process answer(), {base_seconds / 2:.0f} s ...")
        after, _ = run_baseline(questions, base_seconds / 2, start=len(questions) // 2)
    except KeyboardInterrupt:
        log("interrupted: stopping the server")
        return 130
    finally:
        if server is not None:
            server.stop()
            log(f"server stopped (exit status {server.proc.returncode})")

    r["scenarios"] = done
    r["baseline"] = {"latencies": before + after,
                     "throughput": 1e3 * (len(before) + len(after)) / sum(before + after),
                     "tput_before": 1e3 * len(before) / sum(before), "tput_after": 1e3 * len(after) / sum(after)}
    r["machine"] = machine()
    client_cores = {f"{x.endpoint} {x.users}": x.client_cpu_s / x.wall for x in done if x.wall}
    r["client_cpu_note"] = "CPU cores used: " + ", ".join(f"{k}: {v:.2f}" for k, v in client_cores.items())

    print(f"\nCPU cores: {os.cpu_count()}  (load average {r['load_start']:.1f} -> {r['machine']['load']:.1f}; "
          f"Gradio queue concurrency limit {r['concurrency_limit']}; gradio via {args.client})\n")
    if done:
        print(format_table(result_rows(r)))
        print()
        for line in verdicts(r):
            print(line)
    print(f"client (this process) {r['client_cpu_note']}")
    for x in done + ([soak] if soak else []):
        for e in (x.errors + x.quote_bad)[:3]:
            print(f"({x.endpoint} {x.name}) error: {e}")
    if soak:
        print()
        print(section_soak(soak, r))

    RESULTS.mkdir(parents=True, exist_ok=True)
    b = r["baseline"]
    raw = {k: v for k, v in r.items() if k not in ("scenarios", "baseline")}
    raw["baseline"] = {k: v for k, v in b.items() if k != "latencies"} | {
        "n": len(b["latencies"]), "p50_ms": pct(b["latencies"], 50), "p95_ms": pct(b["latencies"], 95)}
    raw["scenarios"] = [{"endpoint": x.endpoint, "name": x.name, "users": x.users, "seconds": x.seconds,
                         "wall": x.wall, "answers": x.answers, "throughput": x.throughput,
                         "p50_ms": pct(x.latencies, 50), "p95_ms": pct(x.latencies, 95),
                         "max_ms": max(x.latencies, default=None),
                         "server_answer_p50_ms": pct(x.server_ms, 50), "errors": x.errors,
                         "quote_checked": x.quote_checked, "quote_bad": x.quote_bad, "different": x.different,
                         "server_cpu_s": x.server_cpu_s, "busiest_thread": x.busiest,
                         "client_cpu_s": x.client_cpu_s, "rss_mib": x.rss, "rss_samples": x.rss_samples,
                         "load": x.load} for x in done + ([soak] if soak else [])]
    (RESULTS / "load-last-run.json").write_text(json.dumps(raw, indent=1, default=str))
    if write_docs and standard and done:
        bench_md, rel_md = section_benchmarks(r), section_reliability(r)
        (RESULTS / "load.md").write_text(bench_md, encoding="utf-8")
        replace_section(BENCH_DOC, BENCH_HEADING, bench_md)
        replace_section(RELIABILITY_DOC, RELIABILITY_HEADING, rel_md)
        print(f"\nwrote the sections of {BENCH_DOC.relative_to(ROOT)} and {RELIABILITY_DOC.relative_to(ROOT)}")
    if write_docs and soak and args.minutes >= 1:
        replace_section(RELIABILITY_DOC, SOAK_HEADING, section_soak(soak, r))
        print(f"wrote the soak section of {RELIABILITY_DOC.relative_to(ROOT)}")
    print(f"done in {time.perf_counter() - t_start:.0f} s")
    return 1 if any(x.error_count for x in done + ([soak] if soak else [])) else 0


if __name__ == "__main__":
    sys.exit(main())
