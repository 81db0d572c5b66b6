# What the explorer's in-memory facet index (claims/facet_index.py) needs to follow changes
# without rebuilding: a log of the claims whose facet values or date may have changed, one row per
# claim and statement, with the transaction that wrote it. An index built from snapshot S reads
# the rows that S does not see (`NOT pg_visible_in_snapshot(xid, S)`) and re-reads only those
# claims. The log replaces the single version of 0007, which made every change a full rebuild
# (about ten seconds at a million claims).
#
# Statement triggers with transition tables: a bulk update writes one INSERT ... SELECT, not one
# per row. A TRUNCATE cannot say what it removed: it logs a NULL claim, "rebuild everything".
# Rows older than a day are pruned by the triggers themselves; an index older than that rebuilds.

import importlib

from django.db import migrations

VERSION = importlib.import_module("claims.migrations.0007_facet_index_version")

FACET_COLUMNS = ["status", "source_id", "claimed_date", "claimed_date_precision"]

# (table, event, SQL selecting the changed claims' ids from the transition tables)
CHANGES = [
    ("claims_claim", "INSERT", "SELECT id FROM new_rows"),
    ("claims_claim", "DELETE", "SELECT id FROM old_rows"),
    (
        "claims_claim",
        "UPDATE",
        "SELECT edited.id FROM new_rows edited JOIN old_rows was USING (id) WHERE "
        + " OR ".join(f"was.{column} IS DISTINCT FROM edited.{column}" for column in FACET_COLUMNS),
    ),
    # An article's outlet is a facet of the claims it reports. Deleting an article deletes its
    # links to claims first, and those are logged below.
    (
        "articles_article",
        "UPDATE",
        "SELECT link.claim_id FROM new_rows edited JOIN old_rows was USING (id)"
        " JOIN claims_claim_articles link ON link.article_id = edited.id"
        " WHERE was.outlet_id IS DISTINCT FROM edited.outlet_id",
    ),
] + [
    (table, event, selection)
    for table in ["claims_claim_topics", "claims_claim_articles", "claims_claimactor"]
    for event, selection in [
        ("INSERT", "SELECT claim_id FROM new_rows"),
        ("DELETE", "SELECT claim_id FROM old_rows"),
        ("UPDATE", "SELECT claim_id FROM new_rows UNION SELECT claim_id FROM old_rows"),
    ]
]
TRUNCATED = [
    "claims_claim",
    "articles_article",
    "claims_claim_topics",
    "claims_claim_articles",
    "claims_claimactor",
    "claims_facet_change",  # the log lost what it knew
]
TRANSITION_TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _function(name, body):
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    {body};\n"
        "    DELETE FROM claims_facet_change WHERE recorded_at < now() - interval '1 day';\n"
        "    RETURN NULL;\nEND\n$$;\n"
    )


CREATE = """
DROP TRIGGER claims_claim_facet_index_version ON claims_claim;
DROP TRIGGER claims_claim_topics_facet_index_version ON claims_claim_topics;
DROP TRIGGER claims_claim_articles_facet_index_version ON claims_claim_articles;
DROP TRIGGER claims_claimactor_facet_index_version ON claims_claimactor;
DROP TRIGGER articles_article_facet_index_version ON articles_article;
DROP FUNCTION claims_new_facet_index_version();
DROP TABLE claims_facet_index_version;

CREATE TABLE claims_facet_change (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    claim_id bigint  -- NULL: any claim may have changed
);
CREATE INDEX claims_facet_change_xid ON claims_facet_change (xid);
CREATE INDEX claims_facet_change_recorded_at ON claims_facet_change (recorded_at);
INSERT INTO claims_facet_change (claim_id) VALUES (NULL);
"""
CREATE += "".join(
    _function(
        f"claims_facet_change_{table}_{event.lower()}",
        f"INSERT INTO claims_facet_change (claim_id) SELECT DISTINCT changed.* FROM ({selection})"
        " changed",
    )
    + f"CREATE TRIGGER {table}_facet_change_{event.lower()} AFTER {event} ON {table}"
    f" REFERENCING {TRANSITION_TABLES[event]} FOR EACH STATEMENT"
    f" EXECUTE FUNCTION claims_facet_change_{table}_{event.lower()}();\n"
    for table, event, selection in CHANGES
)
CREATE += _function(
    "claims_facet_change_truncate",
    "INSERT INTO claims_facet_change (claim_id) VALUES (NULL)",
) + "".join(
    f"CREATE TRIGGER {table}_facet_change_truncate AFTER TRUNCATE ON {table}"
    " FOR EACH STATEMENT EXECUTE FUNCTION claims_facet_change_truncate();\n"
    for table in TRUNCATED
)

DROP = (
    "".join(
        f"DROP TRIGGER {table}_facet_change_{event.lower()} ON {table};\n"
        f"DROP FUNCTION claims_facet_change_{table}_{event.lower()}();\n"
        for table, event, _ in CHANGES
    )
    + "".join(f"DROP TRIGGER {table}_facet_change_truncate ON {table};\n" for table in TRUNCATED)
    + """
DROP FUNCTION claims_facet_change_truncate();
DROP TABLE claims_facet_change;
"""
    + VERSION.CREATE
)


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_facet_index_version")]

    operations = [migrations.RunSQL(CREATE, DROP)]
