"""Yardsticks for `npm run bench:forecast`: statsforecast's MSTL and AutoETS, fitted per origin.

Reads one JSON document from the file named by its argument: {"step": minutes, "horizon": steps, "quantile": q, "origins": [history, ...]}
where each history is the values of the 14 days before an origin at the data's step (null for a gap).
Writes one JSON document on stdout: {"mstl-hourly": [...], "autoets-hourly": [...]}, per origin
{"point": [...], "upper": [...], "cpu_ms": n} or {"error": "..."}.

Both are fitted on hourly means (gaps filled by linear interpolation first), their hourly forecast held over
each hour, as the SARIMA yardstick is: at a 5-minute step, STL's weekly season of 2,016 steps alone takes about
7.5 s of CPU per fit, and ETS takes no season over 24 steps.
- mstl-hourly: MSTL with the daily (24) and weekly (168) seasons, the weekly one when the history holds two
  weeks; its trend is forecast by AutoETS (statsforecast's default).
- autoets-hourly: AutoETS with the daily season (24).
The upper bound is the upper end of the two-sided interval whose upper tail is 1 - q (level = 2q - 1).
"""

import json
import math
import sys
import time
import warnings

import numpy as np
import pandas as pd
from statsforecast.models import MSTL, AutoETS

warnings.filterwarnings("ignore")


def filled(values):
    series = pd.Series([np.nan if v is None else float(v) for v in values], dtype=float)
    return series.interpolate(limit_direction="both").to_numpy()


def timed(fit):
    started = time.process_time()
    try:
        point, upper = fit()
        if not (np.all(np.isfinite(point)) and np.all(np.isfinite(upper))):
            raise ValueError("non-finite forecast")
        return {
            "point": [float(v) for v in point],
            "upper": [float(v) for v in upper],
            "cpu_ms": (time.process_time() - started) * 1000,
        }
    except Exception as error:  # a yardstick that fails is counted and scored as daily seasonal-naive
        return {"error": f"{type(error).__name__}: {error}", "cpu_ms": (time.process_time() - started) * 1000}


def main():
    with open(sys.argv[1], encoding="utf-8") as request_file:
        request = json.load(request_file)
    step = request["step"]
    horizon = request["horizon"]
    level = round((2 * request["quantile"] - 1) * 100)
    per_hour = 60 // step
    key = f"hi-{level}"
    results = {"mstl-hourly": [], "autoets-hourly": []}
    hours_ahead = math.ceil(horizon / per_hour)

    def held(a):
        return np.repeat(np.asarray(a), per_hour)[:horizon]

    for values in request["origins"]:
        y = filled(values)
        # Whole hours ending at the origin.
        hours = len(y) // per_hour
        hourly = y[len(y) - hours * per_hour :].reshape(hours, per_hour).mean(axis=1)

        def mstl_hourly():
            seasons = [24, 168] if hours >= 2 * 168 else [24]
            out = MSTL(season_length=seasons).fit(hourly).predict(hours_ahead, level=[level])
            return held(out["mean"]), held(out[key])

        def autoets_hourly():
            out = AutoETS(season_length=24).fit(hourly).predict(hours_ahead, level=[level])
            return held(out["mean"]), held(out[key])

        results["mstl-hourly"].append(timed(mstl_hourly))
        results["autoets-hourly"].append(timed(autoets_hourly))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
