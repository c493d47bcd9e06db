// Preloaded (node --import) into the services only by `npm run test:coverage`.
// NODE_V8_COVERAGE is written when a process exits normally, not when a signal kills it, and Nest's
// shutdown hooks re-raise SIGTERM once the app is closed. With this listener in place that second
// SIGTERM reaches here instead, and becomes process.exit(0), so the coverage is written.
let received = 0;
process.on('SIGTERM', () => {
  received += 1;
  if (received > 1) process.exit(0);
  // In case the service has no shutdown hook of its own: leave it time to close, then exit.
  setTimeout(() => process.exit(0), 15_000).unref();
});
