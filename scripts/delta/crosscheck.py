"""Reads a Delta table written by Weir's delta/ library with independent readers and compares the rows.

    python crosscheck.py <spec.json>

The spec names the table, the key column and, per check, the version (and optional partition filter) with
the rows expected there, in Weir's typed JSON form (timestamps as epoch ms, dates as YYYY-MM-DD, bytes as
base64). delta-rs (deltalake) reads every check through the transaction log; DuckDB reads the Parquet files
of the latest version directly (hive partitioning from the directory names). Transaction versions are read
back with delta-rs. Prints one JSON report on stdout; exits 0 when every comparison matched, 1 otherwise.
"""

import base64
import datetime
import json
import sys

import duckdb
from deltalake import DeltaTable


def normalise(value):
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {k: normalise(v) for k, v in value}  # Arrow gives a map as (key, value) pairs
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


def compare(name, key, actual, expected):
    actual = sorted((normalise(row) for row in actual), key=lambda row: str(row[key]))
    expected = sorted(expected, key=lambda row: str(row[key]))
    report = {"check": name, "rows": len(actual), "expected": len(expected), "ok": actual == expected}
    if not report["ok"]:
        seen = {}
        for row in actual:
            seen[str(row[key])] = seen.get(str(row[key]), 0) + 1
        report["duplicates"] = sorted(k for k, n in seen.items() if n > 1)[:5]
        expected_by_key = {str(row[key]): row for row in expected}
        report["missing"] = sorted(k for k in expected_by_key if k not in seen)[:5]
        report["unexpected"] = sorted(k for k in seen if k not in expected_by_key)[:5]
        differing = [(row, expected_by_key.get(str(row[key]))) for row in actual if expected_by_key.get(str(row[key])) not in (None, row)]
        if differing:
            report["first_difference"] = {"actual": differing[0][0], "expected": differing[0][1]}
    return report


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        spec = json.load(file)
    table, key = spec["table"], spec["key"]
    reports = []

    for check in spec["checks"]:
        dt = DeltaTable(table, version=check["version"])
        filters = [tuple(f) for f in check.get("filters", [])] or None
        rows = dt.to_pyarrow_table(filters=filters).to_pylist()
        report = compare(check["name"], key, rows, check["rows"])
        report.update({"reader": "delta-rs", "version": dt.version()})
        reports.append(report)

    latest = DeltaTable(table)
    files = latest.file_uris()
    con = duckdb.connect()
    relation = con.sql(
        "select * from read_parquet($files, hive_partitioning = true, hive_types_autocast = false)",
        params={"files": files},
    )
    rows = relation.to_arrow_table().to_pylist()  # through Arrow: DuckDB's own conversion of timestamptz needs pytz
    expected_latest = next(c for c in spec["checks"] if c["version"] == latest.version() and not c.get("filters"))
    duck = compare("duckdb read_parquet, latest files", key, rows, expected_latest["rows"])
    duck.update({"reader": "duckdb", "files": len(files)})
    reports.append(duck)

    txns = {app_id: latest.transaction_version(app_id) for app_id in spec.get("txns", {})}
    txn_report = {"check": "transaction versions", "reader": "delta-rs", "actual": txns, "ok": txns == spec.get("txns", {})}
    reports.append(txn_report)
    history = latest.history()
    reports.append({"check": "history", "reader": "delta-rs", "versions": len(history), "ok": len(history) == latest.version() + 1})

    ok = all(report["ok"] for report in reports)
    print(json.dumps({"ok": ok, "deltalake": __import__("deltalake").__version__, "duckdb": duckdb.__version__, "reports": reports}, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
