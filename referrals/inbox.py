"""The partner's inbox: its tabs, filters, sort orders and pages, all read from the query string
(a view of the inbox is a bookmark, and the back button works); the CSV export applies the same.

Pages are keyset pages: the next page starts after the last row's sort value and id
(``after``), the previous one before the first row's (``before``), so a deep archive page costs
what the first one does. ``page`` only numbers the page for the reader.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.forms import DateInput
from profiles.choices import SolutionArea
from profiles.models import Location, User

from .models import ARCHIVED_STATES, Referral, ReferralRead, Source, State

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PER_PAGE = 25

TAB_STATES = {"new": [State.NEW], "evaluating": [State.EVALUATING], "negotiating": [State.NEGOTIATING],
              "archived": list(ARCHIVED_STATES)}  # fmt: skip
TABS = {
    "new": (gettext_lazy("New"), Q(state__in=TAB_STATES["new"])),
    "evaluating": (gettext_lazy("Evaluating"), Q(state__in=TAB_STATES["evaluating"])),
    "negotiating": (gettext_lazy("Negotiating"), Q(state__in=TAB_STATES["negotiating"])),
    "archived": (gettext_lazy("Archived"), Q(state__in=TAB_STATES["archived"])),
}


@dataclass(frozen=True)
class Sort:
    label: StrOrPromise
    field: str  # "" for "urgent": the field of the tab's clock
    descending: bool = False
    tabs: tuple[str, ...] | None = None  # the tabs it applies to; None for all


# The field whose clock runs out in a tab: a new referral fails 72 hours after it arrived, an
# evaluating one expires 7 days after Interested. The oldest is the most urgent.
CLOCKS = {"new": "received_at", "evaluating": "evaluating_at"}
SORTS = {
    "urgent": Sort(gettext_lazy("Most urgent first"), "", tabs=("new", "evaluating")),
    "received": Sort(gettext_lazy("Oldest first"), "received_at"),
    "-received": Sort(gettext_lazy("Newest first"), "received_at", descending=True),
    "close": Sort(gettext_lazy("Closing soonest first"), "close_date", tabs=("negotiating",)),
    "-close": Sort(gettext_lazy("Closing latest first"), "close_date", descending=True, tabs=("negotiating",)),
    "value": Sort(gettext_lazy("Smallest deal first"), "deal_value", tabs=("negotiating",)),
    "-value": Sort(gettext_lazy("Largest deal first"), "deal_value", descending=True, tabs=("negotiating",)),
}
DEFAULT_SORTS = {"new": "urgent", "evaluating": "urgent", "negotiating": "close", "archived": "-received"}
OLD_SORTS = {"oldest": "received", "newest": "-received"}  # bookmarks made before the sortable columns


@dataclass
class Waiting:
    """A referral waiting for the partner, with what the clock says about it."""

    referral: Referral
    waited: timedelta
    left: timedelta
    urgency: str  # "ok", "late" (past the 24-hour recommendation), "critical" (fails or expires soon)
    urgency_label: str


def new_waiting(referral: Referral, now: datetime) -> Waiting:
    waited = now - referral.received_at
    left = referral.received_at + settings.REFERRAL_NEW_TIMEOUT - now
    if left <= timedelta(hours=12):
        return Waiting(referral, waited, left, "critical", _("Fails soon"))
    if waited >= settings.REFERRAL_RESPONSE_RECOMMENDED:
        return Waiting(referral, waited, left, "late", _("Past the recommended 24 hours"))
    return Waiting(referral, waited, left, "ok", _("Within 24 hours"))


def evaluating_waiting(referral: Referral, now: datetime) -> Waiting:
    assert referral.evaluating_at is not None  # every evaluating referral has it
    waited = now - referral.evaluating_at
    left = referral.evaluating_at + settings.REFERRAL_EVALUATING_TIMEOUT - now
    if left <= timedelta(days=1):
        return Waiting(referral, waited, left, "critical", _("Expires soon"))
    return Waiting(referral, waited, left, "ok", _("On track"))


def waiting(referral: Referral, now: datetime) -> Waiting | None:
    if referral.state == State.NEW:
        return new_waiting(referral, now)
    if referral.state == State.EVALUATING:
        return evaluating_waiting(referral, now)
    return None


class FilterForm(forms.Form):
    """What the inbox can be narrowed to. A value that does not fit is reported on the page and
    left out; the rest still apply."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False)
    location = forms.TypedChoiceField(label=gettext_lazy("Location"), coerce=int, required=False)
    area = forms.ChoiceField(
        label=gettext_lazy("Solution area"),
        required=False,
        choices=[("", gettext_lazy("All solution areas")), *SolutionArea.choices],
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"), required=False, choices=[("", gettext_lazy("All sources")), *Source.choices]
    )
    owner = forms.ChoiceField(label=gettext_lazy("Owner"), required=False)
    received_from = forms.DateField(label=gettext_lazy("Received from"), required=False, widget=DateInput())
    received_to = forms.DateField(label=gettext_lazy("Received until"), required=False, widget=DateInput())
    value_min = forms.DecimalField(
        label=gettext_lazy("Deal value from"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    value_max = forms.DecimalField(
        label=gettext_lazy("Deal value up to"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, data, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        self._choice("outcome").choices = [("", _("All outcomes"))] + [
            (state.value, state.label) for state in State if state in ARCHIVED_STATES
        ]
        # The choices that need the database are read only when validated or shown, and once.
        self._choice("location").choices = functools.cache(self._locations)
        self._choice("owner").choices = functools.cache(self._owners)

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def _locations(self) -> list[tuple[object, str]]:
        locations = Location.objects.filter(profile__partner_id=self.user.partner_id)
        if self.user.location_scope is not None:
            locations = locations.filter(pk__in=self.user.location_scope)
        return [("", _("All locations")), *locations.order_by("name", "pk").values_list("pk", "name")]

    def _owners(self) -> list[tuple[str, str]]:
        colleagues = (
            User.objects.people()
            .filter(partner_id=self.user.partner_id, is_active=True)
            .exclude(pk=self.user.pk)
            .order_by("username")
        )
        return [
            ("", _("Anyone")),
            ("me", _("Assigned to me")),
            ("none", _("Unassigned")),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in colleagues),
        ]

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("received_from"), data.get("received_to")
        if since and until and since > until:
            self.add_error("received_to", _("The end of the period is before its start."))
        for name in ("received_from", "received_to"):
            if data.get(name) and not 2 <= data[name].year <= 9998:
                self.add_error(name, _("Enter a date between the years 2 and 9998."))
        low, high = data.get("value_min"), data.get("value_max")
        if low is not None and high is not None and low > high:
            self.add_error("value_max", _("The upper bound is below the lower one."))
        return data

    def label_of(self, name: str) -> str:
        """The chosen value of a choice field as the reader sees it (for the page's title)."""
        value = str(self.cleaned_data.get(name, ""))
        return next(
            (str(label) for key, label in cast(list[tuple[Any, str]], self._choice(name).choices) if str(key) == value),
            value,
        )


def _cursor_value(field: str, raw: str) -> object:
    """A cursor's sort value, or ValueError for one no Next link makes (naive, far-off, not finite)."""
    if field in ("received_at", "evaluating_at"):
        value = datetime.fromisoformat(raw)
        if timezone.is_naive(value) or not 2 <= value.year <= 9998:
            raise ValueError(raw)
        return value
    if field == "close_date":
        day = date.fromisoformat(raw)
        if not 2 <= day.year <= 9998:
            raise ValueError(raw)
        return day
    amount = Decimal(raw)
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise ValueError(raw)
    return amount


POSITION = ("after", "before", "page")  # the keyset cursor and the page number of the Next links
TALLIED = ("outcome", "location", "area")  # the filters the tallies count by (referrals.tally)


@dataclass
class Filters:
    """The inbox's state from the query string: tab, filters, sort and position."""

    tab: str
    sort: str
    form: FilterForm
    reader: User
    after: tuple[object, int] | None = None
    before: tuple[object, int] | None = None
    number: int = 1

    @classmethod
    def from_request(cls, request) -> Filters:
        params = request.GET
        tab = params.get("tab") or ""
        if tab not in TABS:
            tab = "new"
        sort = OLD_SORTS.get(params.get("sort", ""), params.get("sort", ""))
        allowed = SORTS[sort].tabs if sort in SORTS else ()
        if sort not in SORTS or (allowed is not None and tab not in allowed):
            sort = DEFAULT_SORTS[tab]
        form = FilterForm(params, user=request.user)
        form.is_valid()
        filters = cls(tab, sort, form, request.user)
        field = filters.sort_field
        for name in ("after", "before"):
            raw = params.get(name, "")
            value, _comma, pk = raw.rpartition(",")
            try:
                setattr(filters, name, (_cursor_value(field, value), int(pk)))
            except (ValueError, InvalidOperation, OverflowError):
                continue  # a cursor that does not fit this order: the first page
            break
        if filters.after or filters.before:
            page = params.get("page", "")
            filters.number = max(int(page), 2) if page.isascii() and page.isdecimal() and len(page) < 7 else 2
        return filters

    @property
    def data(self) -> dict:
        return self.form.cleaned_data

    @property
    def sort_field(self) -> str:
        return SORTS[self.sort].field or CLOCKS[self.tab]

    @property
    def descending(self) -> bool:
        return SORTS[self.sort].descending

    @property
    def counted_by_tallies(self) -> bool:
        """Whether the tallies know how many rows there are: they count by state, location and
        solution area, so a tab narrowed by outcome, location or area only."""
        return not any(value not in (None, "") for name, value in self.data.items() if name not in TALLIED)

    def tallied(self, states: dict[str, int]) -> int | None:
        """How many rows there are, from the tallies (``states``: the reader's counts per state
        at the filter's location and area, ``tally.by_state``), or None when a filter the
        tallies do not count by is in use."""
        if not self.counted_by_tallies:
            return None
        if self.tab == "archived" and self.data.get("outcome"):
            return states[self.data["outcome"]]
        return sum(states[state] for state in TAB_STATES[self.tab])

    def key(self) -> tuple:
        """What the rows depend on, for the cache key: the query string as given (the count's
        line and the column links echo it) and the position."""
        given = sorted((name, tuple(values)) for name, values in cast(QueryDict, self.form.data).lists())
        return (self.tab, self.sort, given, self.after, self.before, self.number)

    def form_key(self) -> tuple:
        """What the filter fields depend on, for their cache key: the view without the page's
        position (``url``), so paging through a view renders them once."""
        return (self.url(),)

    def without_position(self) -> QueryDict:
        """The query string as given without the page's position: what the CSV link carries
        (the CSV holds every row that passes the filters, whichever page asked for it)."""
        query = cast(QueryDict, self.form.data).copy()
        for name in POSITION:
            query.pop(name, None)
        return query

    def apply(self, referrals):
        """The tab's referrals that pass every filter, in the chosen order."""
        data = self.data
        referrals = referrals.filter(TABS[self.tab][1])
        if self.tab == "archived" and data.get("outcome"):
            referrals = referrals.filter(state=data["outcome"])
        if query := data.get("q", "").strip():
            match = Q(rfi__need__icontains=query) | Q(location__name__icontains=query)
            match |= Q(location__city__icontains=query)
            number = query.lstrip("#")
            if number.isascii() and number.isdecimal() and len(number) < 12:
                match |= Q(pk=int(number))
            referrals = referrals.filter(match)
        if data.get("location") not in (None, ""):
            referrals = referrals.filter(location_id=data["location"])
        if data.get("area"):
            referrals = referrals.filter(rfi__solution_area=data["area"])
        if data.get("source"):
            referrals = referrals.filter(source=data["source"])
        if data.get("received_from") or data.get("received_to"):
            referrals = referrals.received_between(data.get("received_from"), data.get("received_to"))
        if self.tab == "negotiating":
            if data.get("value_min") is not None:
                referrals = referrals.filter(deal_value__gte=data["value_min"])
            if data.get("value_max") is not None:
                referrals = referrals.filter(deal_value__lte=data["value_max"])
        owner = data.get("owner")
        if owner == "me":
            referrals = referrals.filter(owner_id=self.reader.pk)
        elif owner == "none":
            referrals = referrals.filter(owner__isnull=True)
        elif owner:
            referrals = referrals.filter(owner_id=int(owner))
        sign = "-" if self.descending else ""
        return referrals.order_by(f"{sign}{self.sort_field}", f"{sign}pk")

    def title(self) -> str:
        """The page's title: the tab and every filter in use."""
        parts = [str(TABS[self.tab][0])]
        data = self.data
        if self.tab == "archived" and data.get("outcome"):
            parts.append(self.form.label_of("outcome"))
        for name in ("location", "area", "source", "owner"):
            if data.get(name) not in (None, ""):
                parts.append(self.form.label_of(name))
        if data.get("q"):
            parts.append(_("“%(query)s”") % {"query": data["q"]})
        since, until = data.get("received_from"), data.get("received_to")
        if since or until:
            parts.append(_("received %(since)s–%(until)s") % {"since": since or "", "until": until or ""})
        if self.tab == "negotiating" and (data.get("value_min") is not None or data.get("value_max") is not None):
            low, high = data.get("value_min"), data.get("value_max")
            parts.append(_("value %(low)s–%(high)s") % {"low": low if low is not None else "", "high": high or ""})
        if self.sort != DEFAULT_SORTS[self.tab]:
            parts.append(str(SORTS[self.sort].label))
        if self.number > 1:
            parts.append(_("page %(number)d") % {"number": self.number})
        return " · ".join(parts)

    def url(self, **changes: object) -> str:
        """This view's query string with ``changes`` (None removes a parameter); a new tab,
        sort or filter starts from the first page."""
        params = QueryDict(mutable=True)
        for name, values in cast(QueryDict, self.form.data).lists():
            if name not in (*POSITION, "tab", "sort"):
                params.setlist(name, [value for value in values if value])
        params["tab"] = self.tab
        params["sort"] = self.sort
        for name, value in changes.items():
            params.pop(name, None)
            if value is not None:
                params[name] = str(value)
        return "?" + params.urlencode()

    def page(self, referrals, *, count: int | None) -> InboxPage:
        return InboxPage(self, referrals, count)


def _cursor(referral: Referral, field: str) -> str:
    value = getattr(referral, field)
    return f"{value.isoformat() if hasattr(value, 'isoformat') else value},{referral.pk}"


class InboxPage:
    """One keyset page of the inbox, read when the rows are rendered (not when they come from
    the fragment cache)."""

    def __init__(self, filters: Filters, referrals, count: int | None) -> None:
        self.filters = filters
        self.referrals = referrals
        self.known_count = count

    @cached_property
    def _fetched(self) -> tuple[list[Referral], bool]:
        filters, field = self.filters, self.filters.sort_field
        referrals = self.referrals
        backwards = filters.before is not None
        cursor = filters.before or filters.after
        if cursor is not None:
            value, pk = cursor
            later = filters.descending == backwards  # rows after the cursor in the field's own order
            op = "gt" if later else "lt"
            # (field, id) beyond (value, pk), with the bound on the field alone said first: an
            # index in the tab's order starts at the cursor on it, where the OR alone made the
            # database read the tab from its first row and filter up to the page.
            referrals = referrals.filter(
                Q(**{f"{field}__{op}e": value}), Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})
            )
        if backwards:
            referrals = referrals.reverse()
        rows = list(referrals[: PER_PAGE + 1])
        more = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        if backwards:
            rows.reverse()
        return rows, more

    @cached_property
    def rows(self) -> list[Referral]:
        rows = self._fetched[0]
        now = timezone.now()
        read = set(
            ReferralRead.objects.filter(user=self.filters.reader, referral__in=[row.pk for row in rows]).values_list(
                "referral_id", flat=True
            )
        ) if rows else set()  # fmt: skip
        for row in rows:
            row.waiting = waiting(row, now)  # type: ignore[attr-defined]
            row.unread = row.pk not in read  # type: ignore[attr-defined]
        return rows

    def __iter__(self):
        return iter(self.rows)

    @property
    def number(self) -> int:
        return min(self.filters.number, self.num_pages)

    @cached_property
    def count(self) -> int:
        return self.known_count if self.known_count is not None else self.referrals.count()

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / PER_PAGE))

    @property
    def has_next(self) -> bool:
        return bool(self.rows) and (self._fetched[1] if self.filters.before is None else True)

    @property
    def has_previous(self) -> bool:
        if self.filters.before is not None:
            return self._fetched[1]
        return self.filters.after is not None

    def next_url(self) -> str:
        return self.filters.url(after=_cursor(self.rows[-1], self.filters.sort_field), page=self.number + 1)

    def previous_url(self) -> str:
        if self.number <= 2 or not self.rows:  # nothing left after the cursor: back to the start
            return self.filters.url()
        return self.filters.url(before=_cursor(self.rows[0], self.filters.sort_field), page=self.number - 1)
