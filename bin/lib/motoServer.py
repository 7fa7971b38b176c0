"""moto_server with three emulator defects worked around: a DynamoDB transaction's cost, GetMetricData's cost,
and a KMS key's tags.

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
query's datapoints are picked once (moto's own filters, in its order) and then put in their periods; the
answer is moto's to the value and the order (queries with an expression keep moto's own code).
Everything else is moto's own `moto_server`.
"""

import copy
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
    from moto.cloudwatch.models import CloudWatchBackend, Dimension, Statistics, ValidationError
except ImportError as error:  # another moto's layout: its own GetMetricData, slower but the same answers
    print(f"motoServer.py: moto's GetMetricData runs unchanged ({error})", file=sys.stderr)
    CloudWatchBackend = None


def _query_data(period_data, metric_stat):
    """The datapoints moto counts for one query, in moto's order: its namespace and name, or (with dimensions)
    its dimensions and name, as moto filters them (its dimension filter does not read the namespace), then its
    unit."""
    metric = metric_stat["Metric"]
    name = metric["MetricName"]
    dimensions = [Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", [])]
    if dimensions:
        wanted = sorted(dimensions)
        data = [md for md in period_data if md.name == name and sorted(md.dimensions) == wanted]
    else:
        data = [md for md in period_data if md.namespace == metric["Namespace"] and md.name == name]
    unit = metric_stat.get("Unit")
    return [md for md in data if md.unit == unit] if unit else data


def _stat_result(query, period_data, start_time, end_time, scan_by):
    """One metric-stat query's answer, as moto's loop gives it: a value per period from the start time (the last
    period starting at the end time at most) that holds a datapoint."""
    metric_stat = query["MetricStat"]
    delta = timedelta(seconds=int(metric_stat["Period"]))
    periods = {}
    for md in _query_data(period_data, metric_stat):
        periods.setdefault((md.timestamp - start_time) // delta, []).append(md)
    stat = metric_stat["Stat"]
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
    label = query.get("Label") or f"{metric_stat['Metric']['MetricName']} {stat}"
    return {"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    if any("MetricStat" not in q for q in queries):  # an expression: moto's own code
        return _moto_get_metric_data(self, queries, start_time, end_time, scan_by)
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    if start_time > end_time:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    if start_time == end_time:
        raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
    period_data = [md for md in self.get_all_metrics() if start_time <= md.timestamp < end_time]
    results = [_stat_result(q, period_data, start_time, end_time, scan_by) for q in queries]
    return [r for q, r in zip(queries, results) if q.get("ReturnData", True)]


if CloudWatchBackend is not None and hasattr(CloudWatchBackend, "get_metric_data"):
    _moto_get_metric_data = CloudWatchBackend.get_metric_data
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

if __name__ == "__main__":
    sys.exit(main())
