"""Checks shared by the tests: the run's results in the seed's shape, and their agreement with the trials."""
import math

SEED_RESULT_FIELDS = {"best_score", "total_combinations", "cv_folds", "scoring_metric", "tuning_time", "tuning_method", "all_results"}
SEED_RANKED_FIELDS = {"rank", "params", "mean_score", "std_score", "scores"}


def check_finished_study(study, n_iter, direction, tuning_method):
    """The study COMPLETED with n_iter closed trials; results (seed shape), best_* and trials agree. Returns the trials."""
    status = study.wait(timeout=300)
    assert status["status"] == "completed", status
    trials = study.trials
    assert sorted(t["number"] for t in trials) == list(range(n_iter))
    assert all(t["state"] in ("COMPLETE", "PRUNED", "FAILED") for t in trials), trials

    answer = study.results()
    results = answer["results"]
    assert SEED_RESULT_FIELDS <= set(results), results.keys()
    assert results["tuning_method"] == tuning_method
    assert results["total_combinations"] == n_iter
    assert results.get("error") is None

    complete = [t for t in trials if t["state"] == "COMPLETE"]
    assert complete, "no trial completed"
    pick = min if direction == "minimize" else max
    best = pick(complete, key=lambda t: t["mean_score"])
    assert math.isclose(results["best_score"], best["mean_score"], rel_tol=1e-9)
    assert answer["best_params"] == best["params"]
    assert study.best_params == best["params"]
    assert math.isclose(study.best_value, best["mean_score"], rel_tol=1e-9)

    ranked = results["all_results"]
    assert ranked and all(SEED_RANKED_FIELDS <= set(r) for r in ranked)
    means = [r["mean_score"] for r in ranked]
    assert means == sorted(means, reverse=(direction == "maximize")), ranked
    # scikit-learn's ranks: ties share the lowest rank (1, 2, 2, 4).
    better = (lambda a, b: a < b) if direction == "minimize" else (lambda a, b: a > b)
    assert [r["rank"] for r in ranked] == [1 + sum(better(m, r["mean_score"]) for m in means) for r in ranked], ranked
    assert ranked[0]["params"] == best["params"]
    return trials
