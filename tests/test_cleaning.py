"""Boilerplate removal: the rules, on small captures made up for each."""

from articles.cleaning import clean_capture

PROSE = (
    "Former President Donald Trump is mulling a potential deal with Russian President Vladimir "
    "Putin, according to a report by Politico."
)
MORE_PROSE = (
    "The proposed changes would significantly reduce America’s security role in Europe, the "
    "experts interviewed by Politico said."
)


def reasons(capture):
    return {piece["text"]: piece["reason"] for piece in capture.removed}


def test_site_notices_and_prompts_are_removed_with_their_reason():
    raw = "\n".join(
        [
            "Copyright © 2024",
            "Privacy and Cookie Policies.",
            PROSE,
            "Advertisement",
            MORE_PROSE,
            "To suggest a correction or clarification, write to us here",
            "Leave a Reply",
        ]
    )
    cleaned = clean_capture(raw)
    assert cleaned.body == f"{PROSE}\n\n{MORE_PROSE}"
    assert reasons(cleaned) == {
        "Copyright © 2024": "copyright notice",
        "Privacy and Cookie Policies.": "privacy or cookie notice",
        "Advertisement": "advertisement",
        "To suggest a correction or clarification, write to us here": "correction prompt",
        "Leave a Reply": "comment prompt",
    }


def test_the_headline_and_lines_that_repeat_are_removed():
    raw = f"A headline\n{PROSE}\nA teaser title seen twice\n{MORE_PROSE}\nA teaser title seen twice"
    cleaned = clean_capture(raw, headline="A headline")
    assert cleaned.body == f"{PROSE}\n\n{MORE_PROSE}"
    assert reasons(cleaned)["A headline"] == "headline"
    assert reasons(cleaned)["A teaser title seen twice"] == "repeated line"


def test_a_related_content_box_takes_its_teaser_with_it():
    teaser = "What is the logic in appointing this person to that post? The concerns are manifest."
    raw = f"{PROSE}\nOther Topics of Interest\nA related headline\n{teaser}\n{MORE_PROSE}"
    cleaned = clean_capture(raw)
    assert cleaned.body == f"{PROSE}\n\n{MORE_PROSE}"
    assert reasons(cleaned)[teaser] == "related-content teaser"


def test_short_lines_stay_when_text_follows_and_go_when_boilerplate_follows():
    raw = (
        f"What Could Trump Propose?\n{PROSE}\nIs this another article's teaser?\nBy\nLeave a Reply"
    )
    cleaned = clean_capture(raw)
    assert cleaned.body == f"What Could Trump Propose?\n\n{PROSE}"
    assert reasons(cleaned)["Is this another article's teaser?"] == (
        "short line next to boilerplate"
    )


def test_a_signature_at_the_end_is_removed():
    cleaned = clean_capture(f"{PROSE}\nFrancis Tawiah (Duisburg-Germany)")
    assert cleaned.body == PROSE


def test_a_date_stamp_fused_to_the_first_paragraph_is_cut_off():
    cleaned = clean_capture(f" date 2024-07-04 {PROSE}")
    assert cleaned.body == PROSE
    assert cleaned.removed == [{"text": "date 2024-07-04", "reason": "date stamp"}]


def test_image_alt_text_and_credits_are_removed():
    raw = f"donald-trump former us president\nFormer President Donald Trump. Credit: AP\n{PROSE}"
    cleaned = clean_capture(raw)
    assert cleaned.body == PROSE
    assert set(reasons(cleaned).values()) == {"image caption or alt text", "image credit"}


def test_kept_text_is_verbatim_and_removed_pieces_are_in_reading_order():
    raw = f"Copyright © 2024\n    {PROSE}   \nAdvertisement\n{MORE_PROSE}\nRelated Posts"
    cleaned = clean_capture(raw)
    for paragraph in cleaned.body.split("\n\n"):
        assert paragraph in raw
    assert [piece["text"] for piece in cleaned.removed] == [
        "Copyright © 2024",
        "Advertisement",
        "Related Posts",
    ]
