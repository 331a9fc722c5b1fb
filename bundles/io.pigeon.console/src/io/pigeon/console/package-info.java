/**
 * How other bundles add pages and API routes to the HTTP console: register a whiteboard servlet (or resource) that
 * selects the console's servlet context, {@link io.pigeon.console.ConsoleContext#SELECT}. Every request to it then
 * passes the console's login, CSRF and response-header checks before it reaches the servlet, exactly as the
 * console's own routes do; a request that is not GET or HEAD also needs an administrator (operators get 403).
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.pigeon.console;
