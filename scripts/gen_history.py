#!/usr/bin/env python3
"""Generate a labelled, deterministic customer history for `retain backtest`.

    python3 scripts/gen_history.py                    # 10 000 customers, seed 20261123
    python3 scripts/gen_history.py --seed 7 --rows 500 --out /tmp/history.csv
    python3 scripts/gen_history.py --check            # exit 1 unless examples/history.csv is current

Writes examples/history.csv: customers as they looked at the start of a period, in exactly the
CSV format of examples/customers.csv (scripts/gen_customers.py builds the profiles), plus a
last column `churned`: 1 if the customer left during the period, else 0. Python 3 standard
library only; the output is a pure function of (--seed, --rows).

The hidden churn model
----------------------
Whether a customer churns is drawn from a logistic model over the profile. Some of the
signals the churn causes of rules/causes.rules look at really drive churn, others do not
(a backtest of rules/ must tell them apart):

    real drivers      quality complaints and defects (QUALITY_UNSTABLE), a recent change of
                      account manager with no contact since (STAFF_TURNOVER), a rival offer to
                      a price-sensitive customer (COMPETITOR_TEMPTATION), channel problems
                      (WEAK_MARKET_MONITORING, weaker); orders collapsing, no order for months
    pure noise        service complaints and response times (WEAK_SERVICE_AWARENESS), stale
                      offers and tenure (LACK_OF_INNOVATION), promotion share and broken
                      promises (SHORT_TERM_BEHAVIOUR): they do not enter the model at all

The coefficients are in churn_logit() below. Customer ids are H000001... so that history rows
are not mistaken for the current customers of examples/customers.csv.
"""

import argparse
import csv
import io
import math
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (ctest runs this)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_customers as gc  # noqa: E402  (the profile generator, shared)

DEFAULT_SEED = 20261123
DEFAULT_ROWS = 10000
LABEL = "churned"


def churn_logit(c):
    """Log-odds that the customer churns in the period: the hidden truth."""
    z = -3.0
    # Quality (real): repeated complaints, or a visibly bad defect rate.
    if c["quality_complaints_90d"] >= 3:
        z += 1.9
    elif c["quality_complaints_90d"] > 0:
        z += 0.3
    if c["defect_rate"] is not None and c["defect_rate"] > 0.02:
        z += 0.6
    # Account manager (real): changed recently and nobody has called since.
    changed = c["account_manager_changed_days"]
    if changed is not None and changed <= 90:
        contact = c["days_since_last_contact"]
        z += 1.2 + (0.6 if contact is not None and contact > 30 else 0.0)
        z += 0.5 if c["account_manager_left_company"] else 0.0
    # Rival offer (real), the stronger the more price-sensitive the customer.
    if c["competitor_offer_seen"]:
        sensitivity = c["price_sensitivity"]
        # A sensitivity of 0.0 is a value, not a missing one: test for None, not falsiness.
        z += 0.3 + 2.2 * max(0.0, (0.4 if sensitivity is None else sensitivity) - 0.5)
    # Channel problems (real, weaker).
    z += 0.35 * min(c["channel_issues_90d"], 4)
    # Behaviour (real, not a cause of its own): orders collapsing, no order for months.
    if c["orders_prev_90d"] >= 4 and c["orders_90d"] * 2 < c["orders_prev_90d"]:
        z += 0.8
    last = c["days_since_last_order"]
    if last is not None and last > 90:
        z += 1.0
    if c["is_lost"]:
        z += 1.5
    return z


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="number of customers (default %(default)s)")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "examples", "history.csv"),
                        help="output file (default: examples/history.csv)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 unless --out is exactly what this seed and row "
                             "count generate")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    rows = [gc.make_customer(rng, i + 1) for i in range(args.rows)]
    gc.finish_population(rows, rng)
    # A separate stream for the labels, so the model can change without changing the profiles.
    label_rng = random.Random(args.seed * 7919 + 1)

    header = [name for name, _, _ in gc.FIELDS] + ["metrics." + m for m in gc.METRICS] + \
             ["attributes." + a for a in gc.ATTRIBUTES] + ["recent_actions", LABEL]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for c, metrics, attributes, actions in rows:
        c["customer_id"] = "H" + c["customer_id"][1:]
        actions.sort(key=lambda a: (a[1], a[0]))
        # math.exp is the platform's libm, which may differ in the last ulp between platforms,
        # and the labels must be the same bytes everywhere (ctest history_reproducible). Rounded
        # to 1e-9, a last-ulp difference changes p only when p sits within an ulp of a rounding
        # midpoint, and the label then only if the draw also falls in that 1e-9 step.
        p = round(1.0 / (1.0 + math.exp(-churn_logit(c))), 9)
        churned = label_rng.random() < p
        row = [gc.cell(kind, c[name]) for name, kind, _ in gc.FIELDS]
        row += [gc.cell("d", metrics.get(m)) for m in gc.METRICS]
        row += [attributes.get(a, "") for a in gc.ATTRIBUTES]
        row.append(";".join("%s:%d:%s" % a for a in actions))
        row.append("1" if churned else "0")
        writer.writerow(row)
    text = buf.getvalue()

    if args.check:
        try:
            with open(args.out, "rb") as f:
                same = f.read() == text.encode("utf-8")
        except OSError:
            same = False
        if not same:
            print("%s is not what gen_history.py --seed %d --rows %d generates" % (args.out, args.seed, args.rows))
        raise SystemExit(0 if same else 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write(text)


if __name__ == "__main__":
    main()
