"""What every area shares: the actor, errors, input rules, pagination, audit, plain-row reads, settings, rate
limits, Markdown. Imports no area."""
