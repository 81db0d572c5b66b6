# The page cache's log (core.page_cache) holds the key of each changed row and of the rows its
# foreign keys name. A person's, topic's, outlet's or source's page also counts the facets of all
# their claims, most of which it doesn't show: when a claim's facets change (the changes the
# facet index follows, claims/migrations/0008), the keys of the claim's people, topics, outlets
# and source are logged too, as they stand after the change. Those it stood with before are logged
# by the row's own foreign keys (a link removed names its person or topic), but for the outlet
# of an article no longer reporting the claim, logged here.

import importlib

from django.db import migrations

FACET_CHANGES = importlib.import_module("claims.migrations.0008_facet_changes")

KEYS_OF_CLAIMS = """
CREATE FUNCTION claims_page_keys_of_claims(claims bigint[]) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT 'articles_person:' || person_id FROM claims_claimactor WHERE claim_id = ANY(claims)
    UNION SELECT 'claims_topic:' || topic_id FROM claims_claim_topics WHERE claim_id = ANY(claims)
    UNION SELECT 'articles_outlet:' || article.outlet_id FROM claims_claim_articles link
        JOIN articles_article article ON article.id = link.article_id
        WHERE link.claim_id = ANY(claims) AND article.outlet_id IS NOT NULL
    UNION SELECT 'claims_source:' || source_id FROM claims_claim
        WHERE id = ANY(claims) AND source_id IS NOT NULL
$$;
"""
OUTLETS_OF_LINKS = {
    "INSERT": "SELECT article_id FROM new_rows",
    "DELETE": "SELECT article_id FROM old_rows",
    "UPDATE": "SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows",
}


def _keys(table, event, selection):
    claims = f"ARRAY(SELECT DISTINCT changed.* FROM ({selection}) changed)"
    keys = f"SELECT claims_page_keys_of_claims({claims})"
    if table == "claims_claim_articles":
        keys += (
            " UNION SELECT 'articles_outlet:' || outlet_id FROM articles_article"
            f" WHERE outlet_id IS NOT NULL AND id IN ({OUTLETS_OF_LINKS[event]})"
        )
    return keys


def _name(table, event):
    return f"claims_page_change_{table}_{event.lower()}"


CREATE = KEYS_OF_CLAIMS + "".join(
    f"CREATE FUNCTION {_name(table, event)}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    f"BEGIN\n    INSERT INTO core_pagechange (key) {_keys(table, event, selection)};\n"
    "    RETURN NULL;\nEND\n$$;\n"
    f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table}"
    f" REFERENCING {FACET_CHANGES.TRANSITION_TABLES[event]} FOR EACH STATEMENT"
    f" EXECUTE FUNCTION {_name(table, event)}();\n"
    for table, event, selection in FACET_CHANGES.CHANGES
)
DROP = (
    "".join(
        f"DROP TRIGGER {_name(table, event)} ON {table};\nDROP FUNCTION {_name(table, event)}();\n"
        for table, event, _ in FACET_CHANGES.CHANGES
    )
    + "DROP FUNCTION claims_page_keys_of_claims(bigint[]);\n"
)


class Migration(migrations.Migration):
    dependencies = [("claims", "0014_wikidata_ids"), ("core", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
