from django import forms

from alerts.models import Subscription


class FollowForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)
    frequency = forms.ChoiceField(
        label="How often",
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )
