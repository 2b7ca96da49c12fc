"""Owners and reviewers as written in a register ("Helen Okafor", "okafor, helen", an e-mail address) matched
to riskreg users. Pure: the service passes in the people; nothing here queries.
"""

from dataclasses import dataclass, field

from riskreg.importing.values import clean_text, one_line


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


def _name_key(text: str) -> str:
    return " ".join(text.casefold().replace(".", " ").split())


def _name_keys(text: str) -> list[str]:
    """The name as written, and "Surname, First" turned round."""
    keys = [_name_key(text)]
    if text.count(",") == 1:
        last, first = text.split(",")
        keys.append(_name_key(f"{first} {last}"))
    return keys


@dataclass
class People:
    """Who may own a risk in the register (``owners``), and everyone by e-mail (reviewers may have moved on)."""

    owners: list[Person]
    everyone: dict[str, Person] = field(default_factory=dict)  # e-mail (lower case) -> person
    default_owner: Person | None = None
    _by_name: dict[str, list[Person]] = field(default_factory=dict, init=False)
    _owners_by_email: dict[str, Person] = field(default_factory=dict, init=False)
    _memo: dict[tuple[str, str, str], tuple[int | None, str | None]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for person in self.owners:
            self._by_name.setdefault(_name_key(person.name), []).append(person)
        self._owners_by_email = {person.email.lower(): person for person in self.owners}
        for email, person in self._owners_by_email.items():
            self.everyone.setdefault(email, person)

    def _find(self, name: str, email: str, pool: dict[str, Person]) -> tuple[Person | None, str]:
        if "@" in name and not email:
            name, email = "", name
        if email:
            person = pool.get(email.strip().lower())
            return person, "" if person else f"no one has the e-mail address {one_line(email)}"
        matches = next((self._by_name[key] for key in _name_keys(name) if key in self._by_name), [])
        if len(matches) > 1:
            return None, f"more than one person is called {one_line(name)}"
        return (matches[0], "") if matches else (None, f"no one called ‘{one_line(name)}’ can own risks here")

    def owner(self, name_value: object, email_value: object) -> tuple[int | None, str | None]:
        """(user id, problem); an unmatched owner becomes the importing user, and the problem says so."""
        name, email = clean_text(name_value), clean_text(email_value)
        key = ("owner", name, email)
        if key not in self._memo:
            self._memo[key] = self._owner(name, email)
        return self._memo[key]

    def _owner(self, name: str, email: str) -> tuple[int | None, str | None]:
        if "@" in name and not email:
            name, email = "", name
        owners_by_email = self._owners_by_email
        fallback = (
            f"{self.default_owner.name} (you) set as the owner" if self.default_owner else "left without an owner"
        )
        fallback_id = self.default_owner.id if self.default_owner else None
        if not name and not email:
            return fallback_id, f"No owner given: {fallback}"
        person, why = self._find(name, email, owners_by_email)
        if person is None and email and name:
            person, _ = self._find(name, "", owners_by_email)  # the address may be old; the name may still match
        if person is None and email and email.lower() in self.everyone:
            why = f"{self.everyone[email.lower()].name} is not a member of this unit or above it"
        if person is None:
            return fallback_id, f"Owner not matched ({why}): {fallback}"
        return person.id, None

    def reviewer(self, name_value: object, email_value: object) -> tuple[int | None, str | None]:
        name, email = clean_text(name_value), clean_text(email_value)
        if not name and not email:
            return None, None
        person, _ = self._find(name, email, self.everyone)
        if person is None and name:
            person, _ = self._find(name, "", self.everyone)
        if person is None:
            return None, f"Reviewer ‘{one_line(name or email)}’ not matched: recorded without a reviewer"
        return person.id, None
