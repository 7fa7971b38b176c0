"""moto_server with two emulator defects worked around: a DynamoDB transaction's cost, and a KMS key's tags.

moto 5.x backs up every table a TransactWriteItems touches with `copy.deepcopy`, once per item of the
transaction, so that it can roll the transaction back. A ledger of a few thousand items then takes 60-180 ms
a transaction (AWS: a few), and a replay of hours (npm start, the end-to-end tests) slows as its ledger grows.
Here the backup is of the items the transaction touches, taken once, and a rollback restores those items:
what AWS guarantees (all or nothing) and what moto's whole-table copy gave, at the cost of the items alone.
An AWS::KMS::Key's `Tags` (CloudFormation's `Key`/`Value`) reach moto's KMS tagger, which reads `TagKey`/
`TagValue`, as they are: the stack's deploy failed with a server error. They are renamed on the way in.
Everything else is moto's own `moto_server`.
"""

import copy
import sys
import threading

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
