"""Catalog options shared by the interop scripts (read_table.py, write_table.py)."""
from pyiceberg.catalog import load_catalog


def add_catalog_args(p):
    p.add_argument("--catalog", choices=["rest", "sql"], required=True)
    p.add_argument("--name", default="floe", help="catalog name (SQL catalogs: must match the writer's)")
    p.add_argument("--uri", required=True)
    p.add_argument("--warehouse")
    p.add_argument("--s3-endpoint")
    p.add_argument("--s3-access-key")
    p.add_argument("--s3-secret-key")
    p.add_argument("--s3-region", default="us-east-1")


def catalog_from(args):
    props = {"type": args.catalog, "uri": args.uri}
    if args.warehouse:
        props["warehouse"] = args.warehouse
    if args.s3_endpoint:
        props.update({
            "s3.endpoint": args.s3_endpoint,
            "s3.access-key-id": args.s3_access_key,
            "s3.secret-access-key": args.s3_secret_key,
            "s3.region": args.s3_region,
            "s3.path-style-access": "true",
        })
    return load_catalog(args.name, **props)
