"""The ticket: what was asked, how it is classified, who owns it and where it stands."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import Priority


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    # What people see and type; equal to id today, kept separate so imports can keep their numbers.
    number = fields.IntField(unique=True, null=True)
    subject = fields.CharField(max_length=255)
    description = fields.TextField()
    # The description as safe HTML, rendered once when it is written (resolvers/kernel/markdown_bounded.py); null only
    # for rows written before it existed, until the start-up backfill has rendered them.
    description_html = fields.TextField(null=True)
    category = fields.ForeignKeyField("models.Category", related_name="tickets", on_delete=fields.RESTRICT)
    type = fields.ForeignKeyField("models.TicketType", related_name="tickets", null=True, on_delete=fields.RESTRICT)
    item = fields.ForeignKeyField("models.Item", related_name="tickets", null=True, on_delete=fields.RESTRICT)
    priority = fields.IntEnumField(Priority, default=Priority.MEDIUM)
    status = fields.ForeignKeyField("models.Status", related_name="tickets", on_delete=fields.RESTRICT)
    requester = fields.ForeignKeyField(
        "models.User", related_name="requested_tickets", null=True, on_delete=fields.RESTRICT
    )
    guest_email = fields.CharField(max_length=254, null=True)
    # Reference a guest quotes on /track together with their email.
    tracking_ref = fields.CharField(max_length=32, unique=True, null=True)
    created_by = fields.ForeignKeyField(
        "models.User", related_name="created_tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee = fields.ForeignKeyField(
        "models.User", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    assigned_group = fields.ForeignKeyField(
        "models.Group", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    resolution_notes = fields.TextField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    reopened = fields.BooleanField(default=False)
    # SLA data, filled when `sla_enabled` is on and a policy matched at creation.
    sla_policy = fields.ForeignKeyField(
        "models.SlaPolicy", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    first_response_at = fields.DatetimeField(null=True)
    response_due_at = fields.DatetimeField(null=True)
    resolution_due_at = fields.DatetimeField(null=True)
    sla_paused_seconds = fields.IntField(default=0)
    sla_paused_since = fields.DatetimeField(null=True)
    # The policy's targets when it was applied: the ticket's promise stays as made when an admin edits the policy
    # (resolvers/tickets/sla.py). Null: the ticket has no SLA.
    sla_response_minutes = fields.IntField(null=True)
    sla_resolution_minutes = fields.IntField(null=True)
    # Derived from the clocks whenever they change, so the queue filters and sorts and the job finds work in SQL:
    # the ticket is AT_RISK from sla_warn_at and BREACHED from sla_breach_at (null: not while things stay as they
    # are); sla_due_at is the earliest deadline still to be met (the SLA_DUE sort).
    sla_warn_at = fields.DatetimeField(null=True)
    sla_breach_at = fields.DatetimeField(null=True)
    sla_due_at = fields.DatetimeField(null=True)
    # When the SLA job raised ticket.sla_at_risk / ticket.sla_breached: each once per ticket (jobs/sla.py).
    sla_at_risk_event_at = fields.DatetimeField(null=True)
    sla_breached_event_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    # Foreign key columns Tortoise adds at runtime, declared for the type checker.
    category_id: int
    type_id: int | None
    item_id: int | None
    status_id: int
    requester_id: int | None
    assignee_id: int | None
    assigned_group_id: int | None

    class Meta:
        table = "tickets"
        # The queue filters by these and sorts by updated_at (default), created_at or priority.
        indexes = (
            ("status", "updated_at"),
            ("assignee", "status"),
            ("assigned_group", "status"),
            ("category", "type"),
            ("requester", "updated_at"),
            ("updated_at",),
            ("created_at",),
            ("priority",),
            ("resolved_at",),
            ("sla_due_at",),
            # The SLA job's claims: tickets not yet announced whose moment has passed (jobs/sla.py).
            ("sla_at_risk_event_at", "sla_warn_at"),
            ("sla_breached_event_at", "sla_breach_at"),
        )
