from django.db import migrations

# Transliterations an analyst meets in reporting on Ukraine, and British and American spelling.
# Editors add more in the admin.
VARIANTS = [
    (["Kyiv", "Kiev"], "Ukrainian and Russian transliteration"),
    (["Kharkiv", "Kharkov"], "Ukrainian and Russian transliteration"),
    (["Odesa", "Odessa"], "Ukrainian and Russian transliteration"),
    (["Lviv", "Lvov"], "Ukrainian and Russian transliteration"),
    (["Donbas", "Donbass"], "Ukrainian and Russian transliteration"),
    (["Luhansk", "Lugansk"], "Ukrainian and Russian transliteration"),
    (["Mykolaiv", "Nikolaev", "Nikolayev"], "Ukrainian and Russian transliteration"),
    (["Zaporizhzhia", "Zaporizhia", "Zaporozhye"], "Ukrainian and Russian transliteration"),
    (["Chernihiv", "Chernigov"], "Ukrainian and Russian transliteration"),
    (["defense", "defence"], "American and British spelling"),
]


def add_variants(apps, schema_editor):
    SpellingVariant = apps.get_model("claims", "SpellingVariant")
    SpellingVariant.objects.bulk_create(
        SpellingVariant(terms=terms, note=note) for terms, note in VARIANTS
    )


def remove_variants(apps, schema_editor):
    SpellingVariant = apps.get_model("claims", "SpellingVariant")
    SpellingVariant.objects.filter(terms__in=[terms for terms, _ in VARIANTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_spelling_variants")]

    operations = [migrations.RunPython(add_variants, remove_variants)]
