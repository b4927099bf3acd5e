"""What SQLAlchemy's inspector lists in a schema: one line per table or view.

    python3 list_tables.py URL SCHEMA

Prints "table NAME", "view NAME" (sorted), "comment NAME: TEXT" for every
view with a comment -- what tools built on SQLAlchemy (Superset, pandas,
...) show -- then "reflected N" (MetaData.reflect() with views) and, when
organizations was reflected, "rows organizations: N" read through it.
"""
import sys

from sqlalchemy import MetaData, create_engine, func, inspect, select


def main():
    url, schema = sys.argv[1], sys.argv[2]
    engine = create_engine(url)
    inspector = inspect(engine)
    for name in sorted(inspector.get_table_names(schema=schema)):
        print("table", name)
    views = sorted(inspector.get_view_names(schema=schema))
    for name in views:
        print("view", name)
    for name in views:
        comment = inspector.get_table_comment(name, schema=schema).get("text")
        if comment:
            print("comment %s: %s" % (name, comment))
    metadata = MetaData()
    metadata.reflect(engine, schema=schema, views=True)
    print("reflected", len(metadata.tables))
    organizations = metadata.tables.get(schema + ".organizations")
    if organizations is not None:
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(organizations)).scalar()
        print("rows organizations:", count)
    engine.dispose()


if __name__ == "__main__":
    main()
