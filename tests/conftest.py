from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"

#: The longest test files, longest first (seconds on a busy 2-core machine, December 2026: the
#: wheel 94, GUI integrity 120 in two files, BlueZ 64, GUI visit 53, home week 48, trial demo 40,
#: batch 28; batch home 34 s of CPU, its wall time not measured on a quiet machine).
#: pytest-xdist hands out whole files in collection order (`make test` passes
#: --no-loadscope-reorder), so starting these first keeps one of them from being the tail of
#: the run; the rest follow in pytest's order.
LONGEST_FILES_FIRST = (
    "test_wheel.py",
    "test_gui_integrity_strength.py",
    "test_gui_integrity_walks.py",
    "test_acquisition_bluez.py",
    "test_gui_visit.py",
    "test_home_week.py",
    "test_trial_demo.py",
    "test_batch_process.py",
    "test_batch_home.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep order


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real reference recordings beside the checkout (never copied into the project)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"reference recordings not found at {SHARED_DATA}: clone next to shared/")
    return SHARED_DATA


@pytest.fixture(scope="session")
def simulated_trial(tmp_path_factory: pytest.TempPathFactory):
    """The smallest simulated trial that holds every built-in case (3 participants x 4 visits:
    out-of-window, missed test, cannot perform, rejected trials), simulated once per run.

    Its sessions are closed and read-only: a test that changes one copies it first.
    """
    from alsmotion.simulate.trial import simulate_trial

    return simulate_trial(tmp_path_factory.mktemp("simulated-trial"), n_participants=3, seed=1)


@pytest.fixture(scope="session")
def simulated_results(simulated_trial) -> dict:
    """``process_session`` of every session of ``simulated_trial`` with default settings, by name."""
    from alsmotion.processing import process_session

    return {path.name: process_session(path) for path in simulated_trial.session_paths}


@pytest.fixture
def open_visit(qtbot, tmp_path):
    """Factory: the visit GUI on a 1366 x 768 laptop screen with a visit started and both
    simulated devices streaming (``tests/gui_driver.py``); the windows are shut at the end."""
    from gui_driver import visit_windows

    yield from visit_windows(qtbot, tmp_path)


@pytest.fixture(scope="session")
def dask_scheduler():
    """Address of a real local Dask cluster (scheduler + 2 single-thread worker processes)."""
    import distributed

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # any free port: 8787 may be taken
    ) as cluster:
        yield cluster.scheduler_address


# Property tests draw the same examples on every run, so CI results are reproducible; set
# HYPOTHESIS_PROFILE=explore locally to search new examples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
