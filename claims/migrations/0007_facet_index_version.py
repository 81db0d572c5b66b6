# The version of everything the explorer's in-memory facet index reads (claims/facet_index.py):
# statement-level triggers give it a new value in the same transaction as any change that can
# alter a facet or the order of claims, so a process whose index has another version rebuilds
# it. A random value rather than a counter or a sequence: a sequence isn't transactional, and a
# counter bumped in a transaction that rolls back would be bumped again, to the same number, by
# the next one, so an index built inside the first would pass for current.

from django.db import migrations

TRIGGERS = [
    ("claims_claim", "INSERT OR UPDATE OF status, source_id, claimed_date, "
     "claimed_date_precision OR DELETE OR TRUNCATE"),
    ("claims_claim_topics", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("claims_claim_articles", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("claims_claimactor", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    # A new article reports no claim yet; its outlet matters once claims_claim_articles does.
    ("articles_article", "UPDATE OF outlet_id OR DELETE OR TRUNCATE"),
]

CREATE = """
CREATE TABLE claims_facet_index_version (
    single_row boolean PRIMARY KEY DEFAULT true CHECK (single_row),
    version uuid NOT NULL
);
INSERT INTO claims_facet_index_version (version) VALUES (gen_random_uuid());
CREATE FUNCTION claims_new_facet_index_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims_facet_index_version SET version = gen_random_uuid();
    RETURN NULL;
END
$$;
""" + "".join(
    f"CREATE TRIGGER {table}_facet_index_version AFTER {events} ON {table}"
    " FOR EACH STATEMENT EXECUTE FUNCTION claims_new_facet_index_version();\n"
    for table, events in TRIGGERS
)

DROP = "".join(
    f"DROP TRIGGER {table}_facet_index_version ON {table};\n" for table, _ in TRIGGERS
) + """
DROP FUNCTION claims_new_facet_index_version();
DROP TABLE claims_facet_index_version;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_normalised_text_fields"),
        ("claims", "0006_normalised_text_fields"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
