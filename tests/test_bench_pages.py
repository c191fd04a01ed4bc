"""bench/pages.py finds, for every page of the URL configuration, the model each id in its path names (so that
`make bench` measures it with a real row), and picks the right one where two apps use the same word."""

import re

from django.apps import apps

from bench import pages


def _route_models():
    return {name: (route, pages.kwarg_models(route, pattern)) for route, name, pattern in pages.page_patterns()}


def test_every_id_in_a_path_names_a_model():
    missing = [
        f"{name}: <{kwarg}> of {route}"
        for name, (route, found) in _route_models().items()
        for kwarg, model in found.items()
        if model is None and kwarg not in pages.INT_WORDS and "<str:model_name>" not in route  # history: its own
    ]
    assert missing == []


def test_every_word_in_a_path_has_a_value():
    words = {
        kwarg
        for route, _name, _pattern in pages.page_patterns()
        for converter, kwarg in re.findall(r"<(?:(\w+):)?(\w+)>", route)
        if converter != "int"
    }
    assert words - {"model_name", "token"} <= set(pages.WORD_KWARGS)


def test_the_views_own_app_decides_between_models_of_the_same_word():
    found = _route_models()
    assert found["outreach:visit_cancel"][1]["pk"] is apps.get_model("outreach", "ExchangeVisit")
    assert found["inspections:visit_detail"][1]["pk"] is apps.get_model("inspections", "Visit")
    assert found["outreach:feed"][1]["column_id"] is apps.get_model("outreach", "Column")
    assert found["studygroups:session_file_remove"][1]["attachment_pk"] is apps.get_model("core", "Attachment")


def test_every_token_route_has_a_secret_maker():
    token_routes = {name for route, name, _pattern in pages.page_patterns() if "<str:token>" in route}
    assert token_routes == set(pages.TOKENS)
