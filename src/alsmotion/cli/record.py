"""``alsmotion record``: record BLE devices (or their simulated twins) into a raw session.

Devices are named by address, name (or name prefix) or ``service:UUID`` and found with one scan
of ``--scan-s`` seconds before the session is created: a device not found, a malformed address
or a missing adapter is an error (exit 2) with no session left behind. Force gauges are tared on
the session's first connection (not on reconnects) unless ``--no-tare``. Stops after
``--duration-s`` or on Ctrl-C / SIGTERM, then closes the session (manifest written). Exit 1 when
a device was lost during the recording or never connected (the session is still complete and
valid); a session in which no device ever connected is removed.
"""

from __future__ import annotations

import argparse
import getpass

from alsmotion.cli import EXIT_FAILURES, EXIT_OK
from alsmotion.cli._paths import output_folder
from alsmotion.errors import InvalidInputError

#: How often (s) the command prints the devices' status while recording.
STATUS_EVERY_S = 5.0


#: Default time (s) the recorder listens for the devices before the session starts.
SCAN_S = 5.0


def _device(text: str) -> tuple[str, str]:
    kind, sep, address = text.partition("=")
    if not sep or not kind or not address:
        raise argparse.ArgumentTypeError(
            f"expected KIND=ADDRESS, KIND=NAME or KIND=service:UUID "
            f"(e.g. force=Progressor_4218), got {text!r}"
        )
    return kind, address


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("record", help="record BLE devices into a raw session")
    parser.add_argument(
        "--device",
        type=_device,
        action="append",
        required=True,
        metavar="KIND=DEVICE",
        help="a device to record: imu=... (WitMotion), imu=movesense:... (Movesense) or "
        "force=... (Tindeq), by address (C4:3E:11:22:33:44), name or name prefix "
        "(Progressor_4218) or service:UUID; repeat",
    )
    parser.add_argument("--participant", required=True, help="participant pseudonym, e.g. ALS-001")
    parser.add_argument("--visit", required=True, help="visit label, e.g. baseline")
    parser.add_argument(
        "--out", required=True, type=output_folder, help="folder receiving the session"
    )
    parser.add_argument("--protocol", default="gait-hhd", help="protocol name (default gait-hhd)")
    parser.add_argument("--operator", default=None, help="operator code (default: login name)")
    parser.add_argument(
        "--pseudonym-pattern",
        metavar="REGEX",
        help="the study's participant pseudonym pattern (default accepts e.g. ALS-001, P001, "
        "S01, sub-01, ALS-01-003; ids are always ASCII letters, digits and '-')",
    )
    parser.add_argument("--duration-s", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--imu-rate-hz", type=float, help="IMU rate, Hz (default 100; Movesense 104)"
    )
    parser.add_argument(
        "--scan-s",
        type=float,
        default=SCAN_S,
        help=f"how long to look for the devices before recording, s (default {SCAN_S:g})",
    )
    parser.add_argument(
        "--no-tare",
        action="store_true",
        help="do not zero the force gauge on the first connection (for those who tare by hand)",
    )
    parser.add_argument(
        "--trial",
        action="append",
        default=[],
        metavar="PLAN",
        help="mark trials from the terminal, prompting each: TEST:N (10MWT:2) or "
        "HHD:MUSCLE:SIDE:N (HHD:knee_extension:left:3); repeat; the recording stops after the "
        "last trial unless --duration-s is given",
    )
    parser.add_argument("--adapter", help="host Bluetooth adapter, e.g. hci0")
    parser.add_argument("--simulate", action="store_true", help="record byte-level simulated twins")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import shutil
    import signal
    import sys

    from alsmotion.acquisition.devices import split_model
    from alsmotion.acquisition.discovery import parse_selector, resolve_addresses
    from alsmotion.acquisition.recorder import Recorder
    from alsmotion.acquisition.wiring import build_requests, make_transport
    from alsmotion.cli._trial_prompt import parse_plan, run_plan
    from alsmotion.session import DEFAULT_PSEUDONYM_PATTERN, SessionMetadata, SessionWriter

    named = dict(args.device)
    if len(named) != len(args.device):
        raise InvalidInputError("each device kind may be given once")
    if args.duration_s is not None and args.duration_s <= 0:
        raise InvalidInputError(f"--duration-s must be positive, got {args.duration_s}")
    if args.scan_s <= 0:
        raise InvalidInputError(f"--scan-s must be positive, got {args.scan_s}")
    rates = {} if args.imu_rate_hz is None else {"imu": args.imu_rate_hz}
    build_requests(named, rates)  # refuses unknown kinds and rates before any scan
    models = {kind: split_model(kind, text) for kind, text in named.items()}
    selectors = [parse_selector(kind, device) for kind, (_, device) in models.items()]
    # What names the model (``movesense:``) goes back in front of the address found.
    model_prefixes = {
        kind: named[kind][: len(named[kind]) - len(d)] for kind, (_, d) in models.items()
    }
    plans = [parse_plan(text) for text in args.trial]
    metadata = SessionMetadata(
        participant_id=args.participant,
        visit=args.visit,
        protocol=args.protocol,
        operator=args.operator or getpass.getuser(),
        pseudonym_pattern=args.pseudonym_pattern or DEFAULT_PSEUDONYM_PATTERN,
        extra={"simulated_devices": bool(args.simulate)},
    )
    transport, _twins = make_transport(named, simulate=args.simulate, adapter=args.adapter)
    services = {kind: driver.gatt.service_uuid for kind, (driver, _) in models.items()}

    async def report(recorder: Recorder) -> None:
        while True:
            await asyncio.sleep(STATUS_EVERY_S)
            print(
                "  ".join(
                    f"{s.stream} {s.state} {s.rate_hz:.0f} Hz {s.n_samples} samples {s.n_gaps} gaps"
                    for s in recorder.status().values()
                ),
                flush=True,
            )

    async def prompt(recorder: Recorder) -> None:
        """Run the trial plan once every device streams; stop the recording after it."""
        while any(s.state != "streaming" for s in recorder.status().values()):
            await asyncio.sleep(0.1)

        def say(text: str) -> None:
            print(text, flush=True)

        await asyncio.to_thread(
            run_plan, plans, log_event=recorder.log_event, stdin=sys.stdin, say=say
        )
        if args.duration_s is None:
            recorder.request_stop()

    async def record() -> tuple[Recorder, SessionWriter]:
        print(f"looking for {', '.join(s.describe() for s in selectors)} ...", flush=True)
        addresses = await resolve_addresses(
            transport, selectors, service_uuids=services, scan_timeout_s=args.scan_s
        )
        located = {kind: model_prefixes[kind] + address for kind, address in addresses.items()}
        requests = build_requests(located, rates, tare=not args.no_tare)
        with SessionWriter.create(args.out, metadata) as session:
            print(f"recording into {session.path} (Ctrl-C to stop)", flush=True)
            recorder = Recorder(transport, requests, session=session)
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, recorder.request_stop)
            reporter = loop.create_task(report(recorder))
            prompter = loop.create_task(prompt(recorder)) if plans else None
            try:
                await recorder.run(duration_s=args.duration_s)
            finally:
                reporter.cancel()
                if prompter is not None:
                    prompter.cancel()
        return recorder, session

    recorder, session = asyncio.run(record())
    lost = 0
    statuses = recorder.status().values()
    for status in statuses:
        print(
            f"{status.stream}: {status.model} {status.address}, {status.n_samples} samples, "
            f"{status.n_gaps} gaps ({status.n_missing_samples} samples missing), "
            f"{status.n_reconnects} reconnects, {status.state}"
        )
        if status.state == "lost" or not status.n_samples:
            lost += 1
            print(f"  NOT RECORDED TO THE END: {status.message or 'the device never connected'}")
    if not recorder.connected_streams():
        shutil.rmtree(session.path)
        print(f"no device ever connected: removed the empty session {session.path}")
        return EXIT_FAILURES
    print(f"session: {session.path}")
    return EXIT_FAILURES if lost else EXIT_OK
