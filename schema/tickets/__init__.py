"""The GraphQL surface of the tickets area (see resolvers/tickets/)."""
