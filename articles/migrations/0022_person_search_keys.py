import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models
from django.db import migrations


class Migration(migrations.Migration):
    """person_search_keys(name, aliases): the search keys of a person's name, each alias and
    surname, indexed, so that a search finds the people it names without computing the key
    of every name (about 20 ms for 5,000 people on every search; issue #25).

    Declared immutable for the index, although unaccent is only stable: the keys change only if
    the unaccent rules file is edited, and then `REINDEX INDEX person_search_keys` renews them.
    Its search_path is fixed because PostgreSQL builds and vacuums indexes with a bare one.
    """

    dependencies = [("articles", "0021_article_search_vector_inline")]

    operations = [
        migrations.RunSQL(
            sql="""
                CREATE FUNCTION person_search_keys(name text, aliases text[]) RETURNS text[]
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = public AS $$
                    SELECT array_append(
                        ARRAY(SELECT search_key(term) FROM unnest(array_append(aliases, name)) term),
                        regexp_replace(search_key(name), '^.* ', '')
                    )
                $$;
            """,
            reverse_sql="DROP FUNCTION person_search_keys(text, text[]);",
        ),
        migrations.AddIndex(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(
                django.db.models.Func(
                    "name",
                    "aliases",
                    function="person_search_keys",
                    output_field=django.contrib.postgres.fields.ArrayField(
                        base_field=django.db.models.TextField(), size=None
                    ),
                ),
                name="person_search_keys",
            ),
        ),
    ]
