// What a registry must be told so this app may talk to it (CORS), shown by Help and by a CORS error: the lines
// README's "Sharing through a registry: registry configuration" gives, written for a given origin. tests/unit/help.test.ts checks that
// README's lines are exactly these for its example origin, so the two never drift apart.

/** The origin README writes its examples for. */
export const EXAMPLE_ORIGIN = 'https://shelf.example.com';

/**
 * CNCF Distribution's `config.yml` lines for an app served from `origin`.
 * @param origin the app's origin, e.g. `location.origin`
 */
export function distributionCorsYaml(origin: string): string {
	return [
		'http:',
		'  secret: a-long-random-string-that-stays-the-same   # else uploads in progress die with every restart',
		'  headers:',
		`    Access-Control-Allow-Origin: ["${origin}"]`,
		'    Access-Control-Allow-Methods: ["HEAD", "GET", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]',
		'    Access-Control-Allow-Headers: ["Authorization", "Content-Type", "Content-Range", "Accept"]',
		'    Access-Control-Expose-Headers: ["Location", "Docker-Upload-UUID", "Range", "Docker-Content-Digest", "WWW-Authenticate", "Link", "Content-Length", "OCI-Subject", "Retry-After"]',
		'    Access-Control-Max-Age: ["600"]'
	].join('\n');
}

/**
 * nginx lines in front of a Distribution with `auth`, which answers the browser's preflight with 401.
 * @param origin the app's origin
 */
export function nginxRegistryCors(origin: string): string {
	return [
		'location /v2/ {',
		'    if ($request_method = OPTIONS) {',
		`        add_header Access-Control-Allow-Origin "${origin}" always;`,
		'        add_header Access-Control-Allow-Methods "HEAD, GET, POST, PUT, PATCH, DELETE" always;',
		'        add_header Access-Control-Allow-Headers "Authorization, Content-Type, Content-Range, Accept" always;',
		'        add_header Access-Control-Max-Age 600 always;',
		'        return 204;',
		'    }',
		'    proxy_pass http://127.0.0.1:5000;',
		'    proxy_set_header Host $http_host;',
		'    proxy_set_header X-Forwarded-Proto $scheme;   # upload URLs (Location) keep https behind TLS',
		'    client_max_body_size 0;',
		'    proxy_request_buffering off;',
		'}'
	].join('\n');
}

/**
 * nginx lines for the token service (token auth only), which browsers ask too and which rarely answers CORS.
 * @param origin the app's origin
 */
export function nginxTokenCors(origin: string): string {
	return [
		'location = /token {',
		'    if ($request_method = OPTIONS) {',
		`        add_header Access-Control-Allow-Origin "${origin}" always;`,
		'        add_header Access-Control-Allow-Methods "GET" always;',
		'        add_header Access-Control-Allow-Headers "Authorization" always;',
		'        add_header Access-Control-Max-Age 600 always;',
		'        return 204;',
		'    }',
		'    proxy_hide_header Access-Control-Allow-Origin;   # one value only, even if the service sends its own',
		`    add_header Access-Control-Allow-Origin "${origin}" always;`,
		'    proxy_pass http://127.0.0.1:5001;',
		'}'
	].join('\n');
}
