from django.db import migrations


class Migration(migrations.Migration):
    """search_key(text): the form in which search compares names, aliases and synonyms:
    lower case, no accents, punctuation folded to single spaces ("Robert O’Brien" and
    "robert o'brien" are both "robert o brien")."""

    dependencies = [("articles", "0002_boilerplate_and_quote_notes")]

    operations = [
        migrations.RunSQL(
            sql="""
                CREATE FUNCTION search_key(text) RETURNS text
                LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
                    SELECT btrim(regexp_replace(lower(unaccent($1)), '[^[:alnum:]]+', ' ', 'g'))
                $$;
            """,
            reverse_sql="DROP FUNCTION search_key(text);",
        ),
    ]
