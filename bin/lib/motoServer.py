"""moto_server with three emulator defects worked around: a DynamoDB transaction's cost, GetMetricData's cost,
and a KMS key's tags; and two costs of every request (below, at the end).

moto 5.x backs up every table a TransactWriteItems touches with `copy.deepcopy`, once per item of the
transaction, so that it can roll the transaction back. A ledger of a few thousand items then takes 60-180 ms
a transaction (AWS: a few), and a replay of hours (npm start, the end-to-end tests) slows as its ledger grows.
Here the backup is of the items the transaction touches, taken once, and a rollback restores those items:
what AWS guarantees (all or nothing) and what moto's whole-table copy gave, at the cost of the items alone.
An AWS::KMS::Key's `Tags` (CloudFormation's `Key`/`Value`) reach moto's KMS tagger, which reads `TagKey`/
`TagValue`, as they are: the stack's deploy failed with a server error. They are renamed on the way in.
moto's GetMetricData scans every datapoint of the time range, of every metric, once per period of every query
(and again per filter), so a replay that reads a few metrics each virtual minute spent most of its time there,
more with every datapoint it had put: three quarters of moto's time in the local account's replay. Here a
query's datapoints are picked once (by name, then moto's own filters, in its order) and put in their periods; the
answer is moto's to the value and the order (expressions are moto's own code, on those answers).
Everything else is moto's own `moto_server`.
"""

import copy
import logging
import sys
import threading
from datetime import timedelta

from moto.server import main

try:
    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
except ImportError as error:  # another moto's layout: its own transactions, slower but as correct
    print(f"motoServer.py: moto's DynamoDB transactions run unchanged ({error})", file=sys.stderr)
    DynamoDBBackend = None

_in_transaction = threading.local()


class _TablesNotCopied:
    """`copy` for moto's DynamoDB models: a Table is not copied inside a transaction (its items are backed up
    instead); everything else is copied as before."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        if getattr(_in_transaction, "active", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _touched_key(table, op_type, op):
    if op_type == "Put":
        item = op.get("Item") or {}
        names = [n for n in (table.hash_key_attr, table.range_key_attr) if n is not None]
        return {n: item[n] for n in names if n in item}
    return op.get("Key")


def _items_before(backend, transact_items):
    """Each item the transaction touches as it is now (None: absent), its table named as moto stores it (a
    transaction may name a table by its ARN), in the transaction's order."""
    before = []
    for entry in transact_items if isinstance(transact_items, list) else []:
        try:
            op_type, op = next(iter(entry.items()))
            table = backend.get_table(op.get("TableName"))
            key = _touched_key(table, op_type, op)
            if not key:
                continue
            current = backend.get_item(table.name, key)
        except Exception:  # an invalid key or no such table: moto's own transaction writes nothing for it
            continue
        before.append((table.name, key, current.to_json()["Attributes"] if current else None))
    return before


def _restore(backend, before):
    """Each touched item back as it was, the last touched first, through moto's own put and delete. Two things
    moto's whole-table copy undid and this does not, neither of which the ledger has: the stream records of the
    cancelled writes, and an item moto's put would refuse (a key of an index over its size, which an update let
    in)."""
    for name, key, attributes in reversed(before):
        try:
            if attributes is None:
                if backend.get_item(name, key) is not None:
                    backend.delete_item(name, key)
            else:
                backend.put_item(name, attributes, overwrite=True)
        except Exception as error:  # one item moto will not take back must not keep the others from being restored
            print(f"motoServer.py: an item of {name} not restored ({error})", file=sys.stderr)


def transact_write_items(self, transact_items):
    before = _items_before(self, transact_items)
    _in_transaction.active = True
    try:
        return _moto_transact_write_items(self, transact_items)
    except BaseException:
        # moto's own rollback put back its "copies": the tables themselves, unchanged, as the shim gave them.
        _restore(self, before)
        raise
    finally:
        _in_transaction.active = False


if DynamoDBBackend is not None and hasattr(DynamoDBBackend, "transact_write_items"):
    _moto_transact_write_items = DynamoDBBackend.transact_write_items
    dynamodb_models.copy = _TablesNotCopied()
    DynamoDBBackend.transact_write_items = transact_write_items

try:
    from moto.cloudwatch.metric_data_expression_parser import parse_expression
    from moto.cloudwatch.models import CloudWatchBackend, Dimension, Statistics, ValidationError
except ImportError as error:  # another moto's layout: its own GetMetricData, slower but the same answers
    print(f"motoServer.py: moto's GetMetricData runs unchanged ({error})", file=sys.stderr)
    CloudWatchBackend = None


def _query_data(by_name, metric_stat):
    """The datapoints moto counts for one query, in moto's order, from the range's datapoints by name: its
    namespace, or (with dimensions) its dimensions, as moto filters them (its dimension filter does not read the
    namespace), then its unit."""
    metric = metric_stat["Metric"]
    named = by_name.get(metric["MetricName"], [])
    dimensions = [Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", [])]
    if dimensions:
        wanted = sorted(dimensions)
        data = [md for md in named if sorted(md.dimensions) == wanted]
    else:
        data = [md for md in named if md.namespace == metric["Namespace"]]
    unit = metric_stat.get("Unit")
    return [md for md in data if md.unit == unit] if unit else data


def _by_period(data, start_time, delta):
    """Datapoints by the index of their period from the start time, each period's in the order given."""
    periods = {}
    for md in data:
        periods.setdefault((md.timestamp - start_time) // delta, []).append(md)
    return periods


def _series(periods, stat, start_time, end_time, delta, scan_by):
    """A value per period that holds a datapoint, as moto's loop gives them: from the start time, the last period
    starting at the end time at most, newest first when asked."""
    values, timestamps = [], []
    k = 0
    while start_time + k * delta <= end_time:
        data = periods.get(k)
        if data:
            stats = Statistics([stat], start_time + k * delta)
            stats.metric_data = data
            values.append(stats.get_statistics_for_type(stat))
            timestamps.append(stats.timestamp)
        k += 1
    if scan_by == "TimestampDescending" and timestamps:
        timestamps.reverse()
        values.reverse()
    return values, timestamps


def _result(query_id, label, series):
    values, timestamps = series
    return {"id": query_id, "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    if start_time > end_time:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    if start_time == end_time:
        raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
    period_data = [md for md in self.get_all_metrics() if start_time <= md.timestamp < end_time]
    stat_queries = [q for q in queries if "MetricStat" in q]
    by_name = {}
    for md in period_data:
        by_name.setdefault(md.name, []).append(md)
    # Every metric-stat query's answer, returned or not: the expressions read them.
    results = []
    for q in stat_queries:
        metric_stat = q["MetricStat"]
        delta = timedelta(seconds=int(metric_stat["Period"]))
        periods = _by_period(_query_data(by_name, metric_stat), start_time, delta)
        label = q.get("Label") or f"{metric_stat['Metric']['MetricName']} {metric_stat['Stat']}"
        results.append(_result(q["Id"], label, _series(periods, metric_stat["Stat"], start_time, end_time, delta, scan_by)))
    answer = [r for q, r in zip(stat_queries, results) if q.get("ReturnData", True)]
    expressions = [q for q in queries if "Expression" in q]
    # Metric math on the queries' answers, then Metrics Insights (moto sums every datapoint of a period), in moto's order.
    for q in (q for q in expressions if not q["Expression"].startswith("SELECT")):
        answer.append(_result(q["Id"], q.get("Label") or q["Id"], parse_expression(q["Expression"], results)))
    for q in (q for q in expressions if q["Expression"].startswith("SELECT")):
        delta = timedelta(seconds=int(q["Period"]))
        series = _series(_by_period(period_data, start_time, delta), "Sum", start_time, end_time, delta, scan_by)
        answer.append(_result(q["Id"], q.get("Label") or q["Id"], series))
    return answer


if CloudWatchBackend is not None and hasattr(CloudWatchBackend, "get_metric_data"):
    CloudWatchBackend.get_metric_data = get_metric_data

try:
    from moto.kms.models import Key as KmsKey
except ImportError:  # another moto's layout: its keys as it makes them
    KmsKey = None


def _key_from_cloudformation(cls, resource_name, cloudformation_json, *args, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    tags = [
        {"TagKey": t.get("Key", t.get("TagKey")), "TagValue": t.get("Value", t.get("TagValue"))}
        for t in properties.get("Tags") or []
    ]
    renamed = {**cloudformation_json, "Properties": {**properties, "Tags": tags}}
    return _moto_key_from_cloudformation(cls, resource_name, renamed, *args, **kwargs)


if KmsKey is not None and hasattr(KmsKey, "create_from_cloudformation_json"):
    _moto_key_from_cloudformation = KmsKey.create_from_cloudformation_json.__func__
    KmsKey.create_from_cloudformation_json = classmethod(_key_from_cloudformation)

# Two costs of every request, neither a behaviour: moto finds a request's service by listing its own package
# folder and asking the disk whether each entry is a folder (a tenth of moto's time in a local-account replay,
# by py-spy), and werkzeug logs each request line to stderr, which nothing reads while moto answers. The
# folder's entries are listed once (they are moto's installed modules), and only werkzeug's errors are logged.
try:
    import moto.backends as moto_backends

    _MOTO_MODULES = tuple(moto_backends.list_of_moto_modules())
    moto_backends.list_of_moto_modules = lambda: _MOTO_MODULES
except (ImportError, AttributeError) as error:  # another moto's layout: its own lookup
    print(f"motoServer.py: moto's service lookup runs unchanged ({error})", file=sys.stderr)

logging.getLogger("werkzeug").setLevel(logging.ERROR)

if __name__ == "__main__":
    sys.exit(main())
