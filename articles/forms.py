from django import forms


class ArticleViewForm(forms.Form):
    """Parameters of an article page: the quote to bring forward, from a quote's permalink."""

    quote = forms.IntegerField(min_value=1, required=False)
