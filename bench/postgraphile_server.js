// PostGraphile 4 over the bench database, as bench/compare.py starts it (node from Debian; the packages in
// bench/.node/, put there by bench/node.py). One process, PostGraphile's recommended production options.
//
//   DATABASE_URL=postgres://... PORT=5002 POOL_SIZE=10 NODE_PATH=bench/.node/node_modules node bench/postgraphile_server.js
"use strict";

const http = require("http");
const { Pool } = require("pg");
const { postgraphile } = require("postgraphile");
const PgSimplifyInflectorPlugin = require("@graphile-contrib/pg-simplify-inflector");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE || 10) });

const middleware = postgraphile(pool, "public", {
  appendPlugins: [PgSimplifyInflectorPlugin, ConnectionFilterPlugin],
  // Filters through relations (status: {kind: ...}) need this; our queue's "not Closed" is one.
  graphileBuildOptions: { connectionFilterRelations: true },
  // From PostGraphile's "production" recommendations.
  subscriptions: false,
  watchPg: false,
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  extendedErrors: ["errcode"],
  showErrorStack: false,
  graphiql: false,
  enableQueryBatching: false,
  disableQueryLog: true,
  legacyRelations: "omit",
  bodySizeLimit: "1MB",
});

const server = http.createServer(middleware);
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT || 5002), "127.0.0.1", () => {
  process.stdout.write(`postgraphile listening on ${server.address().port}\n`);
});

function stop() {
  server.close(() => pool.end().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
