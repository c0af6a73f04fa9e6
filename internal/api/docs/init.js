// Swagger UI for the ticket API. The document is read from this service (relative URL, so
// it works behind any host name); "Authorize" takes the function key, which "Try it out"
// then sends in x-functions-key. Nothing is fetched from outside the service.
window.ui = SwaggerUIBundle({
  url: new URL("../openapi.json", window.location.href).toString(),
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true,
  persistAuthorization: false,
  validatorUrl: null,
  tryItOutEnabled: false,
});
