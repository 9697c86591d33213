"""What the referral rooms announce, for capabilities built on top of them (webhooks) that the
rooms must not import.

``recorded`` is sent inside the transaction of every change that writes a referral's timeline:
a referral received (``created=True``), a transition (a partner's action, the operator's, the
sweep's fail or expire), an assignment, a note. A receiver writes what it needs in the same
transaction, so it commits or rolls back with the change.
"""

from django.dispatch import Signal

# referral_ids: list[int]; created: bool
recorded = Signal()
