/* fuzz_target: target_parse, against a reference written from the grammar
 * in target.c's opening comment (and usher(8), TARGETS):
 *   tcp://HOST:PORT | HOST:PORT | http://HOST[:PORT][PATH]
 *   | unix://ABSPATH | file://ABSPATH, schemes in any case;
 *   HOST: 1-253 of [A-Za-z0-9._-], or [IPv6] as inet_pton reads it;
 *   PORT: 1-65535, no leading zero; PATH: '/' then 0x21-0x7e but '#',
 *   under 1024 bytes; ABSPATH: '/' then no control byte, under 108 bytes
 *   (unix) or 1024 (file).
 * Acceptance and every field must agree; an error is one terminated line,
 * printed as one "usher: " line. */
#include "fuzz.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>

static bool ref_port(const char *p, size_t n, char out[6])
{
	if (n < 1 || n > 5 || p[0] == '0')
		return false;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (v > 65535)
		return false;
	snprintf(out, 6, "%ld", v);
	return true;
}

/* HOST[:PORT] of n bytes; def: the port when none is given, or NULL */
static bool ref_authority(const char *a, size_t n, const char *def, struct target *r)
{
	const char *rest;
	size_t restn;

	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close)
			return false;
		size_t hn = (size_t)(close - a - 1);
		char lit[256];
		unsigned char bin[16];
		if (hn >= sizeof(lit))
			return false;
		memcpy(lit, a + 1, hn);
		lit[hn] = '\0';
		if (inet_pton(AF_INET6, lit, bin) != 1)
			return false;
		strcpy(r->host, lit);
		r->v6 = true;
		rest = close + 1;
		restn = n - hn - 2;
	} else {
		size_t hn = 0;
		while (hn < n && a[hn] != ':')
			hn++;
		if (hn == 0 || hn > 253)
			return false;
		for (size_t i = 0; i < hn; i++)
			if (!isalnum((unsigned char)a[i]) && !strchr(".-_", a[i]))
				return false;
		memcpy(r->host, a, hn);
		r->host[hn] = '\0';
		rest = a + hn;
		restn = n - hn;
	}
	if (restn == 0) {
		if (!def)
			return false;
		strcpy(r->port, def);
		return true;
	}
	return rest[0] == ':' && ref_port(rest + 1, restn - 1, r->port);
}

static bool ref_abspath(const char *p, size_t max, struct target *r)
{
	size_t n = strlen(p);
	if (n == 0 || p[0] != '/' || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	strcpy(r->path, p);
	return true;
}

static bool reference(const char *s, struct target *r)
{
	memset(r, 0, sizeof(*r));
	const char *sep = strstr(s, "://");
	if (!sep) {
		r->kind = TARGET_TCP;
		return ref_authority(s, strlen(s), NULL, r);
	}
	char scheme[8] = "";
	size_t sn = (size_t)(sep - s);
	if (sn < sizeof(scheme)) {
		for (size_t i = 0; i < sn; i++)
			scheme[i] = (char)tolower((unsigned char)s[i]);
		scheme[sn] = '\0';
	}
	const char *rest = sep + 3;
	if (strcmp(scheme, "tcp") == 0) {
		r->kind = TARGET_TCP;
		return ref_authority(rest, strlen(rest), NULL, r);
	}
	if (strcmp(scheme, "unix") == 0) {
		r->kind = TARGET_UNIX;
		return ref_abspath(rest, 108, r);
	}
	if (strcmp(scheme, "file") == 0) {
		r->kind = TARGET_FILE;
		return ref_abspath(rest, 1024, r);
	}
	if (strcmp(scheme, "http") != 0)
		return false;
	r->kind = TARGET_HTTP;
	const char *slash = strchr(rest, '/');
	size_t an = slash ? (size_t)(slash - rest) : strlen(rest);
	if (!ref_authority(rest, an, "80", r))
		return false;
	if (!slash) {
		strcpy(r->path, "/");
		return true;
	}
	if (strlen(slash) >= 1024)
		return false;
	for (const char *p = slash; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
			return false;
	strcpy(r->path, slash);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct target got, want;
	char err[256];
	char *s = fuzz_str(data, size);
	size_t len = strlen(s);

	memset(err, 0x55, sizeof(err));
	int r = target_parse(s, len, &got, err, sizeof(err));
	bool ok = reference(s, &want);
	CHECK((r == 0) == ok, "target_parse('%s') = %d, reference says %s", s, r,
	      ok ? "valid" : "invalid");
	if (r < 0) {
		/* errors never quote the TARGET: one line whatever it held */
		check_err(err, sizeof(err), false);
		check_logged(err);
	} else {
		CHECK(got.kind == want.kind, "'%s': kind %d, want %d", s, got.kind, want.kind);
		CHECK(got.v6 == want.v6, "'%s': v6 %d", s, got.v6);
		if (got.kind == TARGET_TCP || got.kind == TARGET_HTTP) {
			CHECK(strcmp(got.host, want.host) == 0, "'%s': host '%s', want '%s'", s,
			      got.host, want.host);
			CHECK(strcmp(got.port, want.port) == 0, "'%s': port '%s', want '%s'", s,
			      got.port, want.port);
		}
		if (got.kind != TARGET_TCP)
			CHECK(strcmp(got.path, want.path) == 0, "'%s': path '%s', want '%s'", s,
			      got.path, want.path);
	}
	/* a TARGET is read by its length alone: one byte more of junk after
	 * it in the buffer changes nothing (USHER_WAIT's list in place) */
	if (len && r == 0) {
		static struct target again;
		char *more = malloc(len + 2);
		memcpy(more, s, len);
		memcpy(more + len, ",", 2);
		CHECK(target_parse(more, len, &again, err, sizeof(err)) == 0 &&
			      memcmp(&again, &got, sizeof(got)) == 0,
		      "'%s' followed by ',' parses differently", s);
		free(more);
	}
	free(s);
	return 0;
}
