// Starts GraphiQL with the explorer plugin and the headers editor, against this server's /graphql.
// A file of its own (not an inline script) so the page runs under a Content-Security-Policy of script-src 'self'.
"use strict";

(function () {
  const parameters = {};
  for (const entry of window.location.search.slice(1).split("&")) {
    const eq = entry.indexOf("=");
    if (eq >= 0) {
      parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(entry.slice(eq + 1));
    }
  }

  // Query and variables live in the address, so a link shares them; headers (tokens) never do.
  function updateURL(data) {
    Object.assign(parameters, data);
    const search = Object.keys(parameters)
      .filter((key) => Boolean(parameters[key]))
      .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
      .join("&");
    history.replaceState(null, "", "?" + search);
  }

  const fetchURL = window.location.href.split("?")[0];
  const subscriptionURL = new URL(fetchURL);
  subscriptionURL.protocol = subscriptionURL.protocol === "https:" ? "wss:" : "ws:";
  subscriptionURL.hash = "";

  const fetcher = GraphiQL.createFetcher({ url: fetchURL, subscriptionUrl: subscriptionURL.toString() });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  function HelpdeskGraphiQL() {
    const [query, setQuery] = React.useState(parameters.q || "{\n  me {\n    name\n    role\n  }\n}\n");
    const [variables, setVariables] = React.useState(parameters.variables);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      query: query,
      variables: variables,
      onEditQuery: (value) => {
        setQuery(value);
        updateURL({ q: value });
      },
      onEditVariables: (value) => {
        setVariables(value);
        updateURL({ variables: value });
      },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(HelpdeskGraphiQL));
})();
