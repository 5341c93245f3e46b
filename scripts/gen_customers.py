#!/usr/bin/env python3
"""Generate a realistic, deterministic customer list for retain's batch and service work.

    python3 scripts/gen_customers.py                  # 10 000 customers, seed 20240601
    python3 scripts/gen_customers.py --seed 7 --rows 500 --out-dir /tmp/customers

Writes examples/customers.csv and examples/customers.jsonl: the same customers, in the same
order, in two formats. Python 3 standard library only. The output is a pure function of
(--seed, --rows): re-running with the same arguments gives identical bytes.

CSV format (the batch reader implements exactly this)
-----------------------------------------------------
- UTF-8, comma-separated, RFC 4180 quoting (a cell is quoted only when it holds a comma, a quote
  or a line break), "\\n" line endings, no BOM.
- The first row is a header of field names of retain.v1.CustomerProfile
  (proto/retain/v1/profile.proto), spelled exactly as in the proto (snake_case). Columns may
  come in any order; this generator writes them in proto field order.
- Map entries are columns named `metrics.NAME` (a number) and `attributes.NAME` (a string).
- Booleans are `true` / `false`. Enumerations are written by value name (`HEAVY`, `AAA`,
  `PERSONALITY_HESITANT`, `COMPLAINT_SERVICE`).
- An empty cell means the field is not set: an unknown value for `optional` fields, an
  UNSPECIFIED enumeration, an absent map entry. For plain counts and flags it means 0 / false
  (this generator always writes them explicitly).
- Numbers are plain decimals (`1250000`, `0.035`, `7.5`); no thousands separators, no `%`.
- `recent_actions` is one column of entries `ACTION_ID:days_ago:outcome` separated by `;`
  (the outcome may be empty: `RETURN_VISIT:12:`). An empty cell is an empty list.

JSONL format
------------
One CustomerProfile per line in the protobuf JSON mapping with the proto's field names
(`"consumption_level": "HEAVY"`, `"recent_actions": [{"action_id": ..., "days_ago": ...,
"outcome": ...}]`). As proto3 JSON does, fields at their default (0, false, "", UNSPECIFIED,
empty list or map) are omitted, and so are `optional` fields that are not set. An `optional`
field that is set is always written, even when its value is 0.

The population
--------------
Most customers are healthy and small; revenue has a long log-normal tail; a few percent show
each churn cause of DOMAIN.md §1 (at the OI-2 thresholds); some are key accounts, some are lost
or dormant, some are new; a share of every optional signal is missing, as in a real CRM.
revenue_rank_pct and potential_rank_pct are computed over the generated population (OI-4:
100 × number of customers with a strictly larger value / N; ties share the better rank), so a
single profile taken out of the file can be evaluated without population statistics.
"""

import argparse
import csv
import io
import json
import math
import os
import random

DEFAULT_SEED = 20240601
DEFAULT_ROWS = 10000

# Profile fields in proto field order (profile.proto). Kind: i = int32, d = double,
# b = bool, s = string, e = enum. `opt` marks proto3 `optional` fields.
FIELDS = [
    ("customer_id", "s", False),
    ("tenure_months", "i", False),
    ("orders_lifetime", "i", False),
    ("orders_90d", "i", False),
    ("orders_prev_90d", "i", False),
    ("days_since_last_order", "i", True),
    ("revenue_12m", "d", False),
    ("revenue_prev_12m", "d", False),
    ("revenue_rank_pct", "d", True),
    ("potential_score", "d", True),
    ("potential_rank_pct", "d", True),
    ("repeat_purchase_12m", "i", False),
    ("consumption_level", "e", False),
    ("quality_complaints_90d", "i", False),
    ("defect_rate", "d", True),
    ("service_complaints_90d", "i", False),
    ("unresolved_complaints", "i", False),
    ("avg_response_hours", "d", True),
    ("days_since_new_offer", "i", True),
    ("product_count", "i", False),
    ("channel_issues_90d", "i", False),
    ("account_manager_changed_days", "i", True),
    ("account_manager_left_company", "b", False),
    ("days_since_last_contact", "i", True),
    ("competitor_offer_seen", "b", False),
    ("price_sensitivity", "d", True),
    ("promo_revenue_share", "d", True),
    ("broken_promises_90d", "i", False),
    ("satisfaction", "d", True),
    ("perceived_effect", "d", True),
    ("expectation", "d", True),
    ("ideal_score", "d", True),
    ("actual_score", "d", True),
    ("is_key_account", "b", False),
    ("is_lost", "b", False),
    ("credit_limit_requested", "b", False),
    ("credit_record_age_days", "i", True),
    ("negative_news", "b", False),
    ("payment_terms_changed_90d", "b", False),
    ("other_credit_anomaly", "b", False),
    ("payment_overdue_days", "i", False),
    ("systemic_risk", "d", True),
    ("financial_risk", "d", True),
    ("credit_standing_risk", "d", True),
    ("fundamentals_risk", "d", True),
    ("credit_grade", "e", False),
    ("personality_type", "e", False),
    ("lively_trait", "b", False),
    ("last_return_visit_days", "i", True),
    ("last_executive_visit_days", "i", True),
    ("symposium_attended_12m", "b", False),
    ("open_complaint_category", "e", False),
    ("order_pending", "b", False),
]
METRICS = ["nps"]
ATTRIBUTES = ["region", "industry"]

PERSONALITIES = [
    "PERSONALITY_COLD_ARROGANT", "PERSONALITY_STRONG", "PERSONALITY_STUBBORN",
    "PERSONALITY_CAUTIOUS_STEADY", "PERSONALITY_HESITANT", "PERSONALITY_SUSPICIOUS",
    "PERSONALITY_INTROVERTED", "PERSONALITY_VAIN", "PERSONALITY_BOASTFUL",
    "PERSONALITY_COMBATIVE", "PERSONALITY_EASYGOING", "PERSONALITY_BARGAINER",
    "PERSONALITY_NEUROTIC",
]
SERVICE_CATEGORIES = [
    "COMPLAINT_SERVICE", "SERVICE_IMPROPER_HANDLING", "SERVICE_BAD_ATTITUDE", "STAFF_MISCONDUCT",
    "INSUFFICIENT_EXPLANATION", "MONEY_ERROR", "BROKEN_AGREEMENT", "IMPROPER_DELIVERY",
    "LABEL_MISMATCH",
]
REGIONS = ["east", "south", "north", "central", "southwest", "northwest", "northeast"]
REGION_WEIGHTS = [30, 22, 16, 12, 9, 6, 5]
INDUSTRIES = ["retail", "wholesale", "manufacturing", "catering", "logistics", "healthcare"]
INDUSTRY_WEIGHTS = [30, 25, 20, 12, 8, 5]
ACTIONS = [
    "RETURN_VISIT", "BUILD_CUSTOMER_TIES", "QUALITY_MARKETING", "IMPROVE_SERVICE_QUALITY",
    "REDUCE_CUSTOMER_COST", "COMPLAINT_SUGGESTION_SYSTEM", "THANK_LOYAL", "LOYALTY_POLICY_TILT",
    "HEAVY_CONSUMER_LOYALTY", "LIGHT_CONSUMER_CONVERSION", "DISSAT_LISTEN_SOOTHE",
    "COMPLAINT_IMPLEMENT",
]
KEY_ACCOUNT_ACTIONS = ["PROMOTION_DESIGN", "STAFF_FEEDBACK", "REWARD_POLICY", "MOBILIZE_RESOURCES"]
OUTCOMES = ["accepted", "accepted", "declined", "pending", ""]

# OI-9 grade bands on the mean of the four risk dimensions (rules/credit.rules).
GRADE_BANDS = [(10, "AAA"), (20, "AA"), (30, "A"), (45, "BBB"), (60, "BB"), (75, "B")]
GRADES = ["AAA", "AA", "A", "BBB", "BB", "B", "F"]


def clamp(x, lo, hi):
    return max(lo, min(hi, x))


def poisson(rng, lam):
    """Poisson sample; exact (Knuth) for small means, normal approximation above 30."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def grade_of(mean):
    for limit, grade in GRADE_BANDS:
        if mean < limit:
            return grade
    return "F"


def rank_pcts(values):
    """OI-4: 100 × (number of strictly larger values) / N for each known value, else None."""
    known = sorted((v for v in values if v is not None), reverse=True)
    n = len(known)
    first = {}
    for i, v in enumerate(known):
        first.setdefault(v, i)
    return [None if v is None else round(100.0 * first[v] / n, 3) for v in values]


def make_customer(rng, index):
    """One customer as a dict of field -> value (None = not set)."""
    c = {name: None for name, _, _ in FIELDS}
    c["customer_id"] = "C%06d" % index

    # --- Life-cycle archetype --------------------------------------------------------------
    u = rng.random()
    prospect = u < 0.012            # no order yet; usually one is being placed
    new = not prospect and u < 0.07  # first year
    lost = not prospect and not new and u < 0.11
    dormant = not prospect and not new and not lost and u < 0.135

    # --- Size: long log-normal tail of revenue ----------------------------------------------
    revenue = rng.lognormvariate(math.log(150000), 1.6)
    if new:
        revenue *= rng.uniform(0.15, 0.6)  # part of a year
    tenure = 0 if prospect else (rng.randint(1, 11) if new else int(clamp(rng.expovariate(1 / 44.0) + 12, 12, 240)))
    growth = rng.gauss(0.04, 0.18)
    drop = not prospect and not new and rng.random() < 0.05  # orders halved this quarter
    if lost:
        growth = rng.uniform(-0.95, -0.55)
    elif drop:
        growth = rng.uniform(-0.6, -0.2)

    order_value = 5000.0 * (revenue / 200000.0) ** 0.6
    lam = revenue / 4.0 / order_value
    if prospect:
        revenue = 0.0
        prev_revenue = 0.0
        orders_prev = orders_now = 0
        lifetime = 0
    else:
        prev_revenue = 0.0 if new else revenue / max(0.05, 1.0 + growth)
        orders_prev = 0 if new and tenure < 4 else poisson(rng, lam)
        if lost:
            orders_now = 0
            revenue *= rng.uniform(0.0, 0.3)
        elif dormant:
            orders_now = 0
        elif drop:
            orders_now = int(round(orders_prev * rng.uniform(0.1, 0.45)))
        else:
            orders_now = max(0, int(round(orders_prev * rng.lognormvariate(0.02, 0.12))))
            if new and orders_now == 0:
                orders_now = 1 + poisson(rng, lam / 2)
        lifetime = max(orders_now + orders_prev, int(round(lam * 4 * max(1.0, tenure / 12.0) * rng.uniform(0.8, 1.1))))
        lifetime = max(lifetime, 1)
    c["tenure_months"] = tenure
    c["orders_lifetime"] = lifetime
    c["orders_90d"] = orders_now
    c["orders_prev_90d"] = orders_prev
    if prospect:
        c["days_since_last_order"] = None
    elif lost:
        c["days_since_last_order"] = rng.randint(181, 720)
    elif dormant:
        c["days_since_last_order"] = rng.randint(91, 180)
    elif orders_now > 0:
        c["days_since_last_order"] = min(89, int(rng.expovariate(orders_now / 90.0)))
    else:
        c["days_since_last_order"] = rng.randint(30, 90)
    c["revenue_12m"] = float(round(revenue))
    c["revenue_prev_12m"] = float(round(prev_revenue))

    # Potential: the account team's judgement; higher for new and growing customers.
    if rng.random() < 0.75 and not lost:
        pot = 45 + 120 * growth + (15 if new or prospect else 0) + rng.gauss(0, 15) + 4 * math.log10(max(revenue, 1000) / 180000.0)
        c["potential_score"] = round(clamp(pot, 0, 100), 1)

    repeat = 0 if prospect else int(clamp(orders_now + orders_prev + poisson(rng, 2 * lam * (1 + growth / 2)), 0, 10000))
    if lost:
        repeat = min(repeat, rng.randint(0, 3))
    c["repeat_purchase_12m"] = repeat
    if not prospect and rng.random() < 0.9:
        c["consumption_level"] = "HEAVY" if repeat >= 56 else "LIGHT"

    # --- Quality (cause 1) -------------------------------------------------------------------
    quality = not prospect and rng.random() < 0.04
    c["quality_complaints_90d"] = rng.randint(3, 7) if quality else (1 if rng.random() < 0.08 else 0)
    if rng.random() < 0.7 and not prospect:
        c["defect_rate"] = round(rng.uniform(0.022, 0.08), 4) if quality and rng.random() < 0.6 else round(rng.uniform(0.0005, 0.015), 4)

    # --- Service (cause 2) -------------------------------------------------------------------
    service = not prospect and rng.random() < 0.04
    if service:
        c["service_complaints_90d"] = rng.randint(2, 5)
        c["unresolved_complaints"] = rng.randint(1, 3)
    else:
        c["service_complaints_90d"] = 1 if rng.random() < 0.1 else 0
        c["unresolved_complaints"] = 1 if rng.random() < 0.03 else 0
    if rng.random() < 0.8 and not prospect:
        c["avg_response_hours"] = round(rng.uniform(30, 96) if service else clamp(rng.expovariate(1 / 10.0) + 1, 1, 60), 1)

    # --- Innovation (cause 3) ----------------------------------------------------------------
    stale = tenure > 24 and rng.random() < 0.05
    if prospect or (new and rng.random() < 0.5):
        c["days_since_new_offer"] = None
    elif stale:
        c["days_since_new_offer"] = rng.randint(366, 900)
    else:
        c["days_since_new_offer"] = rng.randint(7, min(360, 30 * max(tenure, 1)))
    c["product_count"] = 0 if prospect else 1 + poisson(rng, 1.5 + math.log10(max(revenue, 10000) / 10000.0) * 2)

    # --- Market monitoring (cause 4) ---------------------------------------------------------
    monitoring = not prospect and rng.random() < 0.03
    c["channel_issues_90d"] = rng.randint(2, 6) if monitoring else (1 if rng.random() < 0.15 else 0)

    # --- Staff turnover (cause 5) ------------------------------------------------------------
    turnover = not prospect and not new and rng.random() < 0.035
    if turnover:
        c["account_manager_changed_days"] = rng.randint(5, 90)
        c["account_manager_left_company"] = rng.random() < 0.7
        c["days_since_last_contact"] = rng.randint(31, 120)
    else:
        if not prospect and not new and rng.random() < 0.18:
            c["account_manager_changed_days"] = rng.randint(91, 1500)
            c["account_manager_left_company"] = rng.random() < 0.5
        c["account_manager_left_company"] = bool(c["account_manager_left_company"])
        if rng.random() < 0.9:
            c["days_since_last_contact"] = int(clamp(rng.expovariate(1 / 14.0), 0, 200)) if not lost else rng.randint(60, 400)

    # --- Temptation (cause 6) ----------------------------------------------------------------
    tempted = not prospect and rng.random() < 0.03
    c["competitor_offer_seen"] = tempted or rng.random() < 0.06
    if tempted or rng.random() < 0.85:
        c["price_sensitivity"] = round(rng.uniform(0.72, 0.98) if tempted else clamp(rng.gauss(0.42, 0.16), 0.0, 0.95), 2)

    # --- Short-term behaviour (cause 7) ------------------------------------------------------
    short = not prospect and rng.random() < 0.03
    if short or rng.random() < 0.8:
        c["promo_revenue_share"] = round(rng.uniform(0.52, 0.9) if short and rng.random() < 0.7 else clamp(rng.expovariate(1 / 0.12), 0, 0.49), 2)
    c["broken_promises_90d"] = rng.randint(2, 4) if short and rng.random() < 0.4 else (1 if rng.random() < 0.05 else 0)

    # --- Satisfaction ------------------------------------------------------------------------
    unhappy = service or quality or (short and rng.random() < 0.5) or rng.random() < 0.05
    if rng.random() < 0.7 and not prospect:
        c["satisfaction"] = round(clamp(rng.gauss(4.2 if unhappy else 7.6, 1.3), 0, 10), 1)
    if rng.random() < 0.5 and not prospect:
        expectation = round(rng.uniform(5.0, 9.5), 1)
        r = rng.gauss(0.8 if unhappy else 1.03, 0.08)
        c["expectation"] = expectation
        c["perceived_effect"] = round(clamp(expectation * r, 0, 10), 1)
    if rng.random() < 0.4 and not prospect:
        ideal = round(rng.uniform(7.0, 10.0), 1)
        c["ideal_score"] = ideal
        c["actual_score"] = round(clamp(ideal - abs(rng.gauss(3.0 if unhappy else 1.0, 0.8)), 0, 10), 1)

    c["is_lost"] = lost and rng.random() < 0.7  # the rest are lost by the 180-day window only

    # --- Credit ------------------------------------------------------------------------------
    c["credit_limit_requested"] = (prospect and rng.random() < 0.5) or rng.random() < 0.03
    if not prospect:
        v = rng.random()
        if v < 0.87:
            c["credit_record_age_days"] = rng.randint(0, 365)
        elif v < 0.95:
            c["credit_record_age_days"] = rng.randint(366, 1100)
    c["negative_news"] = rng.random() < (0.08 if lost else 0.012)
    c["payment_terms_changed_90d"] = rng.random() < 0.02
    c["other_credit_anomaly"] = rng.random() < 0.01
    overdue = rng.random() < 0.15
    c["payment_overdue_days"] = int(clamp(rng.expovariate(1 / 20.0), 1, 365)) if overdue and not prospect else 0
    if not prospect and rng.random() < 0.8:
        base = max(4.0, rng.gauss(28, 12)) + (15 if c["negative_news"] else 0) + (10 if c["payment_overdue_days"] > 30 else 0)
        dims = [round(clamp(base + rng.gauss(0, 8), 0, 100), 1) for _ in range(4)]
        c["systemic_risk"], c["financial_risk"], c["credit_standing_risk"], c["fundamentals_risk"] = dims
        grade = grade_of(sum(dims) / 4.0)
        if rng.random() < 0.1:  # the grade on file lags the scores by one step
            grade = GRADES[clamp(GRADES.index(grade) + rng.choice([-1, 1]), 0, 6)]
        c["credit_grade"] = grade

    # --- Personality and contact -------------------------------------------------------------
    if rng.random() < 0.6:
        c["personality_type"] = rng.choice(PERSONALITIES)
    c["lively_trait"] = rng.random() < 0.12
    if not prospect and rng.random() < 0.9:
        c["last_return_visit_days"] = int(clamp(rng.expovariate(1 / 80.0), 0, 720))
    if c["unresolved_complaints"] > 0:
        if c["quality_complaints_90d"] >= 3 or (c["quality_complaints_90d"] > 0 and rng.random() < 0.5):
            c["open_complaint_category"] = "COMPLAINT_PRODUCT_QUALITY"
        elif rng.random() < 0.85:
            c["open_complaint_category"] = rng.choice(SERVICE_CATEGORIES)
    c["order_pending"] = (prospect and rng.random() < 0.8) or (not lost and rng.random() < 0.05)

    # --- Map entries ------------------------------------------------------------------------
    metrics = {}
    if rng.random() < 0.5 and not prospect:
        metrics["nps"] = float(int(clamp(round(rng.gauss(3 if unhappy else 8, 1.8)), 0, 10)))
    attributes = {
        "region": rng.choices(REGIONS, REGION_WEIGHTS)[0],
        "industry": rng.choices(INDUSTRIES, INDUSTRY_WEIGHTS)[0],
    }

    # --- Earlier actions ---------------------------------------------------------------------
    actions = []
    if not prospect and rng.random() < 0.3:
        for _ in range(rng.randint(1, 3)):
            actions.append((rng.choice(ACTIONS), rng.randint(1, 365), rng.choice(OUTCOMES)))

    return c, metrics, attributes, actions


def finish_population(rows, rng):
    """Population-level fields: rank percentiles, key accounts and their contact history."""
    rev_pct = rank_pcts([c["revenue_12m"] for c, _, _, _ in rows])  # everyone, prospects at 0 CNY
    pot_pct = rank_pcts([c["potential_score"] for c, _, _, _ in rows])
    for (c, metrics, attributes, actions), rp, pp in zip(rows, rev_pct, pot_pct):
        # Most CRMs carry the batch's rank; a few rows lack it (missing data).
        c["revenue_rank_pct"] = rp if rp is not None and rng.random() < 0.97 else None
        c["potential_rank_pct"] = pp
        # Key accounts: nearly all of the top 5% by turnover, plus a few strategic picks below.
        top = rp is not None and rp < 5.0
        c["is_key_account"] = (top and not c["is_lost"] and rng.random() < 0.9) or (rp is not None and rp < 30 and rng.random() < 0.01)
        if c["is_key_account"] or top:
            if rng.random() < 0.85:
                c["last_executive_visit_days"] = rng.randint(5, 400)
            c["symposium_attended_12m"] = rng.random() < 0.6
            if rng.random() < 0.5:
                for action in rng.sample(KEY_ACCOUNT_ACTIONS, rng.randint(1, 3)):
                    actions.append((action, rng.randint(1, 400), rng.choice(OUTCOMES)))
        c["symposium_attended_12m"] = bool(c["symposium_attended_12m"])


def cell(kind, value):
    if value is None:
        return ""
    if kind == "b":
        return "true" if value else "false"
    if kind == "d":
        return repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(float(value))
    return str(value)


def json_value(kind, value):
    if kind == "d":
        f = float(value)
        return int(f) if f.is_integer() else f
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="number of customers (default %(default)s)")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out-dir", default=os.path.join(here, "..", "examples"),
                        help="directory for customers.csv and customers.jsonl (default: examples/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 unless the files in --out-dir are exactly what "
                             "this seed and row count generate")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    rows = [make_customer(rng, i + 1) for i in range(args.rows)]
    finish_population(rows, rng)

    header = [name for name, _, _ in FIELDS] + ["metrics." + m for m in METRICS] + \
             ["attributes." + a for a in ATTRIBUTES] + ["recent_actions"]
    csv_buf = io.StringIO()
    writer = csv.writer(csv_buf, lineterminator="\n")
    writer.writerow(header)
    jsonl_lines = []
    for c, metrics, attributes, actions in rows:
        actions.sort(key=lambda a: (a[1], a[0]))  # newest first
        row = [cell(kind, c[name]) for name, kind, _ in FIELDS]
        row += [cell("d", metrics.get(m)) for m in METRICS]
        row += [attributes.get(a, "") for a in ATTRIBUTES]
        row.append(";".join("%s:%d:%s" % a for a in actions))
        writer.writerow(row)

        obj = {}
        for name, kind, optional in FIELDS:
            value = c[name]
            if value is None:
                continue
            if not optional and value in (0, 0.0, False, ""):
                continue
            obj[name] = json_value(kind, value)
        if metrics:
            obj["metrics"] = {k: json_value("d", v) for k, v in sorted(metrics.items())}
        if attributes:
            obj["attributes"] = dict(sorted(attributes.items()))
        if actions:
            obj["recent_actions"] = [
                dict([("action_id", a), ("days_ago", d)] + ([("outcome", o)] if o else []))
                for a, d, o in actions]
        jsonl_lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    outputs = {
        "customers.csv": csv_buf.getvalue(),
        "customers.jsonl": "\n".join(jsonl_lines) + "\n",
    }
    if args.check:
        stale = []
        for name, text in outputs.items():
            path = os.path.join(args.out_dir, name)
            try:
                with open(path, "rb") as f:
                    same = f.read() == text.encode("utf-8")
            except OSError:
                same = False
            if not same:
                stale.append(path)
        for path in stale:
            print("%s is not what gen_customers.py --seed %d --rows %d generates" % (path, args.seed, args.rows))
        raise SystemExit(1 if stale else 0)
    os.makedirs(args.out_dir, exist_ok=True)
    for name, text in outputs.items():
        with open(os.path.join(args.out_dir, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)


if __name__ == "__main__":
    main()
