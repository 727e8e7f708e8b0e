"""``tripleo-plan setup``'s pure parts: which workbooks change, which actions are called and missing,
the report and its message (tests/functional/test_setup.py runs it against the real services)."""
import configparser
from pathlib import Path

import pytest

from tripleo_plan_actions.client import setup
from tripleo_plan_actions.errors import ConfigurationError, PlanInputError

ROOT = Path(__file__).resolve().parents[2]

BOOK = """---
version: '2.0'
name: tripleo_plan.example
actions:
  greet:
    base: std.echo output="hello"
workflows:
  one:
    tasks:
      first:
        action: tripleo_plan.plan.list
        on-success: second
      second:
        action: greet
      third:
        action: tripleo_plan.example.greet
      fourth:
        action: tripleo_plan.plan.show plan=<% $.plan %>
      fifth:
        workflow: two
      sixth:
        action: <% $.which %>
  two:
    tasks:
      only:
        action: std.noop
"""


class MemoryMistral:
    """Workbooks (name -> definition) and the action names Mistral knows; counts the writes."""

    def __init__(self, workbooks=None, known=(), publicize=True):
        self.books = dict(workbooks or {})
        self.known = set(known)
        self.writes = []
        self.scopes = {}
        self.publicize = publicize  # False: as Mistral without authentication, public is refused (403)

    def workbooks(self, names):
        return {n: self.books[n] for n in names if n in self.books}

    def known_actions(self, names):
        return self.known & set(names)

    def _name(self, definition):
        import yaml

        return yaml.safe_load(definition)["name"]

    def _refuse(self, scope):
        if scope == "public" and not self.publicize:
            from tripleo_plan_actions.errors import ServiceError

            error = ServiceError("Mistral answered 403: Operation forbidden (insufficient permissions)")
            error.status = 403
            raise error

    def create_workbook(self, definition, scope="private"):
        assert self._name(definition) not in self.books
        self._refuse(scope)
        self.books[self._name(definition)] = definition
        self.scopes[self._name(definition)] = scope
        self.writes.append(("POST", self._name(definition)))

    def update_workbook(self, definition, scope="private"):
        assert self._name(definition) in self.books
        self._refuse(scope)
        self.books[self._name(definition)] = definition
        self.scopes[self._name(definition)] = scope
        self.writes.append(("PUT", self._name(definition)))



def test_only_a_different_definition_is_updated():
    states = setup.workbook_states({"a": "x", "b": "y", "c": "z"}, {"b": "y", "c": "z\n", "d": "w"})
    assert states == {"a": "created", "b": "unchanged", "c": "updated"}


def test_called_actions_are_the_tasks_actions_less_the_workbooks_own_and_expressions():
    import yaml

    assert setup.called_actions(yaml.safe_load(BOOK)) == {"tripleo_plan.plan.list", "tripleo_plan.plan.show",
                                                          "std.echo", "std.noop"}
    assert setup.called_actions({"name": "x"}) == set()


def test_every_shipped_workbook_calls_only_declared_or_mistral_actions():
    books = setup.read_workbooks(ROOT / "workbooks")
    declared = set(setup.declared_actions())
    for book in books:
        assert {a for a in setup.called_actions(book.book) if not a.startswith("std.")} <= declared, book.name


def test_missing_actions_say_who_needs_them():
    missing = setup.missing_actions(["tripleo_plan.a", "tripleo_plan.b"],
                                    {"w1": ["tripleo_plan.a", "std.noop"], "w2": ["tripleo_plan.a", "tripleo_plan.c"]},
                                    {"tripleo_plan.b", "std.noop"})
    assert missing == {"tripleo_plan.a": ["the pack", "workbook w1", "workbook w2"],
                       "tripleo_plan.c": ["workbook w2"]}
    assert setup.missing_actions(["x"], {"w": ["x"]}, ["x"]) == {}


def test_declared_actions_are_setup_cfgs_entry_points():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options.entry_points"]["mistral.actions"].strip().splitlines()
    assert setup.declared_actions() == sorted(line.split("=")[0].strip() for line in lines)


def test_the_workbooks_are_found_in_the_source_tree_or_the_installed_data_files(tmp_path):
    assert setup.find_workbooks() == ROOT / "workbooks"  # the tests run from a checkout
    assert setup.find_workbooks(tmp_path) == tmp_path
    assert [p for p in setup.workbook_places() if p.parts[-3:] == ("share", "tripleo-plan-actions", "workbooks")]
    with pytest.raises(ConfigurationError, match="no such directory"):
        setup.find_workbooks(tmp_path / "nowhere")


def test_a_file_that_is_not_a_workbook_is_named(tmp_path):
    with pytest.raises(ConfigurationError, match="holds no workbook"):
        setup.read_workbooks(tmp_path)
    (tmp_path / "a.yaml").write_text("name: [unclosed\n")
    with pytest.raises(PlanInputError, match="a.yaml: YAML does not parse"):
        setup.read_workbooks(tmp_path)
    (tmp_path / "a.yaml").write_text("- a list\n")
    with pytest.raises(PlanInputError, match="a.yaml: not a Mistral workbook"):
        setup.read_workbooks(tmp_path)
    (tmp_path / "a.yaml").write_text("name: w\n")
    (tmp_path / "b.yaml").write_text("name: w\n")
    with pytest.raises(PlanInputError, match="b.yaml: workbook w is also .*a.yaml"):
        setup.read_workbooks(tmp_path)


def _books(tmp_path, **books):
    for name, text in books.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def test_load_creates_updates_and_leaves_identical_workbooks_alone(tmp_path):
    a, b, c = (f"version: '2.0'\nname: {n}\nworkflows: {{}}\n" for n in "abc")
    mistral = MemoryMistral({"b": b, "c": "old"}, known={"x"})
    report = setup.load_workbooks(mistral, _books(tmp_path, a=a, b=b, c=c), declared=["x"])
    assert report.workbooks == {"a": "created", "b": "unchanged", "c": "updated"}
    assert mistral.writes == [("POST", "a"), ("PUT", "c")] and report.ok and report.problem() is None
    again = setup.load_workbooks(mistral, tmp_path, declared=["x"])
    assert set(again.workbooks.values()) == {"unchanged"} and mistral.writes == [("POST", "a"), ("PUT", "c")]
    # public: with Keystone every project may run them
    assert mistral.scopes == {"a": "public", "c": "public"} and report.private == []


def test_a_mistral_that_refuses_public_workbooks_gets_private_ones_and_the_report_names_them(tmp_path):
    a, c = (f"version: '2.0'\nname: {n}\nworkflows: {{}}\n" for n in "ac")
    mistral = MemoryMistral({"c": "old"}, known={"x"}, publicize=False)
    report = setup.load_workbooks(mistral, _books(tmp_path, a=a, c=c), declared=["x"])
    assert report.workbooks == {"a": "created", "c": "updated"} and report.ok
    assert mistral.scopes == {"a": "private", "c": "private"} and report.private == ["a", "c"]
    assert report.as_dict()["private_workbooks"] == ["a", "c"]
    # asked for private outright: no refused request first
    mistral = MemoryMistral({"c": "old"}, known={"x"}, publicize=False)
    report = setup.load_workbooks(mistral, tmp_path, declared=["x"], scope="private")
    assert mistral.scopes == {"a": "private", "c": "private"} and mistral.writes == [("POST", "a"), ("PUT", "c")]


def test_a_missing_action_writes_no_workbook_and_names_the_action_and_the_fix(tmp_path):
    book = "name: w\nworkflows: {one: {tasks: {t: {action: tripleo_plan.nope}}}}\n"
    mistral = MemoryMistral({}, known={"tripleo_plan.plan.list"})
    report = setup.load_workbooks(mistral, _books(tmp_path, w=book),
                                  declared=["tripleo_plan.plan.list", "tripleo_plan.gone"])
    assert mistral.writes == [] and not report.ok
    assert report.workbooks == {"w": "to create"}
    assert report.missing == {"tripleo_plan.gone": ["the pack"], "tripleo_plan.nope": ["workbook w"]}
    problem = report.problem()
    assert "tripleo_plan.gone (needed by the pack); tripleo_plan.nope (needed by workbook w)" in problem
    assert "mistral-db-manage populate" in problem and "restart" in problem and "pip install" in problem
    assert "tripleo_plan.nope: not an action of this pack" in problem  # the workbooks are another version's
    assert "No workbook was written." in problem
    assert report.as_dict()["actions"] == {"declared": 2, "called": 1, "missing": report.missing}
    only_foreign = setup.load_workbooks(mistral, tmp_path, declared=["tripleo_plan.plan.list"]).problem()
    assert "tripleo_plan.nope: not an action of this pack" in only_foreign and "Fix: install" not in only_foreign


def test_a_dry_run_writes_nothing_and_is_ok_only_when_all_is_in_place(tmp_path):
    book = "name: w\nworkflows: {}\n"
    mistral = MemoryMistral({"w": "old"})
    report = setup.load_workbooks(mistral, _books(tmp_path, w=book), declared=[], dry_run=True)
    assert report.workbooks == {"w": "to update"} and mistral.writes == [] and not report.ok
    assert "Workbooks not up to date: w" in report.problem()
    report = setup.load_workbooks(MemoryMistral({"w": book}), tmp_path, declared=[], dry_run=True)
    report.uploads_container = "missing"
    assert not report.ok and "tripleo-plan-uploads is missing" in report.problem()
    report.uploads_container = "present"
    assert report.ok and report.as_dict()["ok"] is True


def test_setup_without_swift_settings_is_refused_before_anything_is_read(tmp_path):
    mistral = MemoryMistral()
    with pytest.raises(ConfigurationError, match="setup needs Swift"):
        setup.setup(mistral, None, _books(tmp_path, w="name: w\n"), declared=[])
    assert mistral.writes == []
