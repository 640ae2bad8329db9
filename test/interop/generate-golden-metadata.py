"""Regenerates the PyIceberg golden files in test/golden/metadata/ (run with the
PyIceberg venv: /root/.cache/floe/venv/bin/python test/interop/generate-golden-metadata.py).

Creates a v1 and a v2 table in a throwaway SqlCatalog, appends twice, evolves the
partition spec (day/bucket transforms need pyiceberg-core to *write* data, so the
data is partitioned by identity first), tags a snapshot and sets a property.
The v3 and legacy-v1 golden files are hand-written (PyIceberg 0.12 cannot write v3);
the floe-*.metadata.json files are floe's own serialization of these files.
"""
import os, shutil, glob, datetime, decimal, sys
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.schema import Schema
from pyiceberg.types import *
from pyiceberg.partitioning import PartitionSpec, PartitionField
from pyiceberg.transforms import DayTransform, BucketTransform, IdentityTransform
from pyiceberg.table.sorting import SortOrder, SortField
from pyiceberg.transforms import IdentityTransform

root = '/tmp/floe-golden-metadata'
shutil.rmtree(root, ignore_errors=True)
os.makedirs(root + '/wh')
cat = SqlCatalog('golden', uri=f'sqlite:///{root}/cat.db', warehouse=f'file://{root}/wh')
cat.create_namespace('db')

schema = Schema(
    NestedField(1, 'id', LongType(), required=True),
    NestedField(2, 'name', StringType(), required=False, doc='display name'),
    NestedField(3, 'ts', TimestamptzType(), required=False),
    NestedField(4, 'amount', DecimalType(12, 2), required=False),
    NestedField(5, 'address', StructType(
        NestedField(6, 'street', StringType(), required=False),
        NestedField(7, 'zip', IntegerType(), required=False),
    ), required=False),
    NestedField(8, 'tags', ListType(9, StringType(), element_required=False), required=False),
    NestedField(10, 'attrs', MapType(11, StringType(), 12, DoubleType(), value_required=False), required=False),
    NestedField(13, 'flag', BooleanType(), required=False),
    NestedField(14, 'day', DateType(), required=False),
    identifier_field_ids=[1],
)
spec = PartitionSpec(
    PartitionField(source_id=14, field_id=1000, transform=IdentityTransform(), name='day'),
)
order = SortOrder(SortField(source_id=1, transform=IdentityTransform()))

def rows(base):
    ts = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    return pa.table({
        'id': pa.array([base + 1, base + 2, base + 3], pa.int64()),
        'name': ['a', None, 'c'],
        'ts': pa.array([ts, ts + datetime.timedelta(days=1), None], pa.timestamp('us', tz='UTC')),
        'amount': pa.array([decimal.Decimal('1.50'), None, decimal.Decimal('-3.25')], pa.decimal128(12, 2)),
        'address': pa.array([{'street': 'x', 'zip': 1}, None, {'street': None, 'zip': 3}], pa.struct([('street', pa.string()), ('zip', pa.int32())])),
        'tags': pa.array([['p', 'q'], [], None], pa.list_(pa.string())),
        'attrs': pa.array([[('k', 1.0)], None, [('z', None)]], pa.map_(pa.string(), pa.float64())),
        'flag': [True, False, None],
        'day': pa.array([datetime.date(2024, 1, 2), None, datetime.date(1970, 1, 1)], pa.date32()),
    })

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden', 'metadata')
for fv in ["1", "2"]:
    name = f'db.t_v{fv}'
    try:
        t = cat.create_table(name, schema=schema, partition_spec=spec, sort_order=order,
                             properties={'format-version': fv, 'write.metadata.previous-versions-max': '10'})
        arrow_schema = t.schema().as_arrow()
        t.append(rows(0).cast(arrow_schema))
        t.append(rows(10).cast(arrow_schema))
        t = cat.load_table(name)
        with t.update_spec() as u:
            u.add_field('ts', DayTransform(), 'ts_day')
            u.add_field('id', BucketTransform(8), 'id_bucket')
        t = cat.load_table(name)
        t.manage_snapshots().create_tag(t.current_snapshot().snapshot_id, 'first-tag').commit()
        with t.transaction() as tx:
            tx.set_properties({'owner': 'floe-tests'})
        t = cat.load_table(name)
        files = sorted(glob.glob(t.location().replace('file://', '') + '/metadata/*.metadata.json'))
        shutil.copy(files[-1], f'{out}/pyiceberg-v{fv}.metadata.json')
        if fv == '2':
            shutil.copy(files[0], f'{out}/pyiceberg-v2-created.metadata.json')
        print(fv, 'ok', len(files))
    except Exception as e:
        import traceback; traceback.print_exc()
        print(fv, 'FAILED', e)
