"""Optuna 3.1 ask/tell round trips on its RDB storage (PostgreSQL), the reference of bench/asktell.ts.

Fills a study with --history trials, then times ask + tell for --trials more, with --clients threads
each asking and telling on its own (Optuna's storage is shared through the database). Prints one JSON
line: {"clients": n, "median_ms": ..., "p99_ms": ...}. Needs Debian's python3-optuna and python3-psycopg2.
"""
import argparse
import json
import statistics
import threading
import time

import optuna


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the PostgreSQL database")
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(args.url)
    name = f"asktell-{time.time_ns()}"
    study = optuna.create_study(study_name=name, storage=storage, sampler=optuna.samplers.TPESampler(seed=0))

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_int("y", 1, 10)
        return (x - 1) ** 2 + y

    study.optimize(objective, n_trials=args.history)
    times: list[float] = []
    lock = threading.Lock()
    per_client = args.trials // args.clients

    def client() -> None:
        local = optuna.load_study(study_name=name, storage=storage, sampler=optuna.samplers.TPESampler(seed=0))
        for _ in range(per_client):
            start = time.perf_counter()
            trial = local.ask()
            value = objective(trial)
            local.tell(trial, value)
            with lock:
                times.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    print(json.dumps({"clients": args.clients, "median_ms": statistics.median(times), "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))]}))


if __name__ == "__main__":
    main()
