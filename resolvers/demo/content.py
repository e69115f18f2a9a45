"""What the demo data says: the classification tree, the people, and the words on the tickets.

Plain constants so the shape of the demo can be read (and documented) in one place; resolvers/demo/loader.py
turns them into rows.
"""

from __future__ import annotations

from core.enums import Priority, Role

DEMO_DOMAIN = "demo.helpdesk.test"
DEMO_PASSWORD = "demo-password-1"

# category -> [(type, [items])]; order is the sort order shown to people.
CTI_TREE: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "Hardware",
        [
            ("Laptop", ["Battery", "Screen", "Keyboard"]),
            ("Desktop", ["Monitor", "Power supply"]),
            ("Printer", ["Paper jam", "Toner"]),
        ],
    ),
    (
        "Software",
        [
            ("Microsoft 365", ["Outlook", "Teams", "Excel"]),
            ("VPN", []),
            ("Custom application", []),
        ],
    ),
    ("Access Requests", []),
    ("Facilities", [("Heating", []), ("Cleaning", [])]),
]

# (local part, name, role, groups)
PEOPLE: list[tuple[str, str, Role, tuple[str, ...]]] = [
    ("admin", "Avery Admin", Role.ADMIN, ()),
    ("sam", "Sam Rivera", Role.STAFF, ("Service Desk",)),
    ("alex", "Alex Chen", Role.STAFF, ("Apps Team",)),
    ("bailey", "Bailey Okafor", Role.STAFF, ("Service Desk", "Apps Team")),
    ("noor", "Noor Haddad", Role.STAFF, ()),
    ("jamie", "Jamie Brooks", Role.USER, ()),
    ("riley", "Riley Novak", Role.USER, ()),
    ("morgan", "Morgan Lee", Role.USER, ()),
    ("casey", "Casey Diaz", Role.USER, ()),
    ("taylor", "Taylor Kim", Role.USER, ()),
    ("jordan", "Jordan Smith", Role.USER, ()),
]

# group -> scope entries (category, type or None for the whole category)
GROUPS: dict[str, list[tuple[str, str | None]]] = {
    "Service Desk": [("Hardware", None), ("Access Requests", None)],
    "Apps Team": [("Software", "Microsoft 365"), ("Software", "VPN")],
}

# (category, type, item) -> subjects. Every key is a valid cascade of CTI_TREE (a test checks the tickets).
SUBJECTS: dict[tuple[str, str | None, str | None], list[str]] = {
    ("Hardware", "Laptop", "Battery"): ["Laptop battery drains within an hour", "Laptop does not charge"],
    ("Hardware", "Laptop", "Screen"): ["Laptop screen flickers", "Cracked laptop screen"],
    ("Hardware", "Laptop", "Keyboard"): ["Several keys stopped working", "Keyboard types the wrong characters"],
    ("Hardware", "Laptop", None): ["Laptop for a new starter", "Laptop is very slow since the update"],
    ("Hardware", "Desktop", "Monitor"): ["Second monitor not detected", "Monitor has dead pixels"],
    ("Hardware", "Desktop", "Power supply"): ["Desktop does not power on", "Desktop fan is very loud"],
    ("Hardware", "Printer", "Paper jam"): ["Third-floor printer keeps jamming", "Paper stuck in tray 2"],
    ("Hardware", "Printer", "Toner"): ["Toner low on the reception printer", "Prints come out faded"],
    ("Hardware", None, None): ["Docking station needed", "Headset crackles on calls"],
    ("Software", "Microsoft 365", "Outlook"): ["Outlook keeps asking for my password", "Shared mailbox is missing"],
    ("Software", "Microsoft 365", "Teams"): ["Teams calls drop after five minutes", "Cannot share my screen in Teams"],
    ("Software", "Microsoft 365", "Excel"): ["Excel crashes opening a large file", "Macros are disabled in Excel"],
    ("Software", "VPN", None): ["VPN disconnects every few minutes", "Cannot connect to the VPN from home"],
    ("Software", "Custom application", None): ["Timesheet app shows error 500", "Expense tool rejects my login"],
    ("Access Requests", None, None): [
        "Access to the finance share",
        "Admin rights to install software",
        "Account for a new starter",
        "Access to the CRM",
    ],
    ("Facilities", "Heating", None): ["Second floor is too cold", "Radiator leaking in meeting room B"],
    ("Facilities", "Cleaning", None): ["Kitchen needs cleaning", "Coffee spilled on the carpet near desk 14"],
}

DESCRIPTIONS: list[str] = [
    "Started **this morning**. I have already:\n\n1. Restarted\n2. Checked the cables\n\nNo change.",
    "Happens a few times a day, usually after lunch. Anything I can try in the meantime?",
    "The message says:\n\n```text\nError 0x80070005: access denied\n```\n\nScreenshot on request.",
    "This blocks my work today, so *urgent* for me. Thanks!",
    "- Started last week\n- Colleagues nearby have the same problem\n- See the [status page](https://status.example.com)",
    "> It worked fine yesterday.\n\nNothing was changed on my side as far as I know.",
]

RESOLUTION_NOTES: list[str] = [
    "Replaced the faulty part; tested with the requester.",
    "Reset the settings and cleared the cache; working again.",
    "Applied the latest update, which fixes this known issue.",
    "Access granted after approval from the line manager.",
    "Could not reproduce; the requester confirmed it works now.",
]

# Relative weights; every status still gets at least one ticket (see demo.py).
PRIORITY_WEIGHTS: dict[Priority, int] = {Priority.CRITICAL: 1, Priority.HIGH: 3, Priority.MEDIUM: 5, Priority.LOW: 2}
