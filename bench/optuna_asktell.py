"""Optuna 3.1 ask/tell round trips on its RDB storage (PostgreSQL), the reference of bench/asktell.ts.

Fills a study with --history trials and prints "ready"; then, for each line read from stdin (a
number n), times ask + tell for n more trials, with --clients threads each asking and telling on
its own (Optuna's storage is shared through the database), and prints the round trips as one JSON
line: {"times_ms": [...]}. bench/asktell.ts alternates these blocks with its own, so both see the
same machine load. Needs Debian's python3-optuna and python3-psycopg2.
"""
import argparse
import json
import sys
import threading
import time

import optuna


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", 1, 10)
    return (x - 1) ** 2 + y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the PostgreSQL database")
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(args.url)
    name = f"asktell-{time.time_ns()}"
    study = optuna.create_study(study_name=name, storage=storage, sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=args.history)
    clients = [optuna.load_study(study_name=name, storage=storage, sampler=optuna.samplers.TPESampler(seed=0)) for _ in range(args.clients)]
    print("ready", flush=True)

    for line in sys.stdin:
        per_client = int(line) // args.clients
        times: list[float] = []
        lock = threading.Lock()

        def client(local: optuna.Study) -> None:
            for _ in range(per_client):
                start = time.perf_counter()
                trial = local.ask()
                local.tell(trial, objective(trial))
                with lock:
                    times.append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=client, args=(local,)) for local in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(json.dumps({"times_ms": times}), flush=True)


if __name__ == "__main__":
    main()
