"""Background work: arq job functions and worker settings. Each job calls resolvers; none holds rules."""
