"""Read an admin form off its page, as a browser would submit it unchanged."""

from html.parser import HTMLParser

from django.urls import reverse


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file"} or (
                kind in {"checkbox", "radio"} and "checked" not in attrs
            ):
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.data.setdefault(attrs["name"], []).append(attrs.get("value") or default)
        elif tag == "select":
            self._select = attrs["name"]
            self.data.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += (
                data.removeprefix("\n") if not self.data[self._textarea][0] else data
            )


def read_form(client, url, form_id):
    """{name: value or [values]} of the form with that id on the page at url."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in reader.data.items()
        if "__prefix__" not in name  # the blank template rows that JavaScript copies
    }


def as_browser_sends(data):
    """Browsers send a text area's line breaks as CRLF."""
    return {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in data.items()
    }


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def save_unchanged(client, obj, **changes):
    """Post the object's change form as the browser shows it, with the given changes."""
    form_id = f"{obj._meta.model_name}_form"
    data = {**as_browser_sends(read_form(client, change_url(obj), form_id)), **changes}
    return client.post(change_url(obj), data)
