/* target.c: what a --wait or --probe TARGET means, and what an HTTP
 * server's first line says. Pure: no syscall, no allocation, so options.c
 * can reject a typo before anything starts and the fuzzers can hammer it.
 *
 * The grammar (usher(8), "Targets"):
 *   TARGET   = "tcp://" HOST ":" PORT | HOST ":" PORT
 *            | "http://" HOST [":" PORT] [PATH]
 *            | "unix://" ABSPATH | "file://" ABSPATH
 *   HOST     = 1-253 of A-Z a-z 0-9 . - _   (a name or an IPv4 address)
 *            | "[" IPv6 address "]"         (inet_pton's syntax, no zone)
 *   PORT     = 1-65535 in decimal, no leading zero
 *   PATH     = "/" then printable ASCII but '#' (sent as it is), < 1024
 *   ABSPATH  = "/" then anything but control characters; < 108 bytes for
 *              unix:// (sun_path), < 1024 for file://
 * Schemes are case-insensitive; "https://" is refused with its own reason,
 * since usher has no TLS. */
#include "usher.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

COLD_TEXT
static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* Only what an IPv6 address is made of: hex digits, ':' and '.' */
COLD_TEXT
static bool ipv6ish(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF:.", s[i]) || !s[i])
			return false;
	return true;
}

/* PORT: digits, 1-65535, no sign, blank or leading zero */
COLD_TEXT
static bool port_ok(const char *s, size_t len, char out[6])
{
	unsigned v = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/* "HOST[:PORT]" of len bytes into t; the port is required unless
 * default_port is given. */
COLD_TEXT
static int authority(const char *s, size_t len, const char *default_port,
		     struct target *t, char *err, size_t errlen)
{
	const char *colon;
	size_t hlen;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		char a[64];
		unsigned char bin[16];
		if (!close || (size_t)(close - s) - 1 >= sizeof(a)) {
			fmt(err, errlen, "invalid IPv6 address (want [ADDRESS], e.g. [::1])");
			return -1;
		}
		hlen = (size_t)(close - s) - 1;
		memcpy(a, s + 1, hlen);
		a[hlen] = '\0';
		if (inet_pton(AF_INET6, a, bin) != 1) {
			/* not quoted: options.c quotes the whole TARGET once */
			fmt(err, errlen, "invalid IPv6 address in brackets");
			return -1;
		}
		memcpy(t->host, a, hlen + 1);
		t->v6 = true;
		colon = close + 1 < s + len ? close + 1 : NULL;
		if (colon && *colon != ':') {
			fmt(err, errlen, "want ':PORT' after the IPv6 address");
			return -1;
		}
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
		/* an unbracketed IPv6 address: "::1:80" */
		if (colon && memchr(colon + 1, ':', len - hlen - 1) && ipv6ish(s, len)) {
			fmt(err, errlen, "invalid host (write IPv6 addresses in brackets: [::1]:PORT)");
			return -1;
		}
		if (hlen == 0) {
			fmt(err, errlen, "empty host");
			return -1;
		}
		for (size_t i = 0; i < hlen; i++) {
			if (!host_char(s[i])) {
				fmt(err, errlen, "invalid host (a name, an IPv4 address, or [IPv6])");
				return -1;
			}
		}
		if (hlen > 253) {
			fmt(err, errlen, "host name longer than 253 characters");
			return -1;
		}
		memcpy(t->host, s, hlen);
		t->host[hlen] = '\0';
	}
	if (!colon) {
		if (!default_port) {
			fmt(err, errlen, "missing port (want HOST:PORT)");
			return -1;
		}
		memcpy(t->port, default_port, strlen(default_port) + 1);
		return 0;
	}
	if (!port_ok(colon + 1, len - (size_t)(colon + 1 - s), t->port)) {
		fmt(err, errlen, "invalid port (want 1-65535)");
		return -1;
	}
	return 0;
}

/* ABSPATH of unix:// and file:// */
COLD_TEXT
static int abspath(const char *s, size_t len, size_t max, struct target *t,
		   char *err, size_t errlen)
{
	if (len == 0 || s[0] != '/') {
		fmt(err, errlen, "want an absolute path after '://' (e.g. unix:///run/app.sock)");
		return -1;
	}
	if (len >= max) {
		fmt(err, errlen, "path longer than %u bytes", (unsigned)(max - 1));
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			fmt(err, errlen, "control character in path");
			return -1;
		}
	}
	memcpy(t->path, s, len);
	t->path[len] = '\0';
	return 0;
}

COLD_TEXT
static bool scheme_is(const char *s, size_t slen, const char *name)
{
	return slen == strlen(name) && strncasecmp(s, name, slen) == 0;
}

COLD_TEXT
int target_parse(const char *s, size_t len, struct target *t, char *err,
		 size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (len == 0) {
		fmt(err, errlen, "empty target");
		return -1;
	}
	/* "://" names the scheme; without it, HOST:PORT */
	const char *sep = NULL;
	for (size_t i = 0; i + 3 <= len; i++) {
		if (memcmp(s + i, "://", 3) == 0) {
			sep = s + i;
			break;
		}
	}
	if (!sep) {
		t->kind = TARGET_TCP;
		return authority(s, len, NULL, t, err, errlen);
	}
	size_t slen = (size_t)(sep - s);
	const char *rest = sep + 3;
	size_t rlen = len - slen - 3;

	if (scheme_is(s, slen, "tcp")) {
		t->kind = TARGET_TCP;
		return authority(rest, rlen, NULL, t, err, errlen);
	}
	if (scheme_is(s, slen, "unix")) {
		t->kind = TARGET_UNIX;
		return abspath(rest, rlen, TARGET_SUN_MAX, t, err, errlen);
	}
	if (scheme_is(s, slen, "file")) {
		t->kind = TARGET_FILE;
		return abspath(rest, rlen, TARGET_PATH_MAX, t, err, errlen);
	}
	if (scheme_is(s, slen, "https")) {
		fmt(err, errlen, "https is not supported: usher has no TLS "
				 "(probe a plain http:// port)");
		return -1;
	}
	if (!scheme_is(s, slen, "http")) {
		fmt(err, errlen, "unknown scheme (want tcp://, http://, unix:// or file://)");
		return -1;
	}
	t->kind = TARGET_HTTP;
	const char *slash = memchr(rest, '/', rlen);
	size_t alen = slash ? (size_t)(slash - rest) : rlen;
	if (authority(rest, alen, "80", t, err, errlen) < 0)
		return -1;
	if (!slash) {
		memcpy(t->path, "/", 2);
		return 0;
	}
	size_t plen = rlen - alen;
	if (plen >= TARGET_PATH_MAX) {
		fmt(err, errlen, "path longer than %d bytes", TARGET_PATH_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)slash[i];
		if (c <= 0x20 || c >= 0x7f || c == '#') {
			fmt(err, errlen, "invalid character in path (want printable "
					 "ASCII, no blank or '#'; %%-encode the rest)");
			return -1;
		}
	}
	memcpy(t->path, slash, plen);
	t->path[plen] = '\0';
	return 0;
}

/* The status line of RFC 9112, section 4, read leniently only where
 * servers are known to differ: LF alone ends the line, and the blank and
 * reason after the code may be missing.
 *   "HTTP/" DIGIT "." DIGIT SP [1-5] DIGIT DIGIT [SP *(HTAB / SP / VCHAR / obs-text)] [CR] LF */
COLD_TEXT
int http_status(const char *buf, size_t len)
{
	static const char pat[] = "HTTP/d.d ddd";
	size_t i;
	int code = 0;

	for (i = 0; i < sizeof(pat) - 1; i++) {
		if (i == len)
			return 0;
		unsigned char c = (unsigned char)buf[i];
		if (pat[i] != 'd') {
			if (c != (unsigned char)pat[i])
				return -1;
			continue;
		}
		if (c < '0' || c > '9' || (i == 9 && (c < '1' || c > '5')))
			return -1;
		if (i >= 9)
			code = code * 10 + (c - '0');
	}
	/* after the code: the reason phrase, or the line's end at once */
	if (i == len)
		return 0;
	if (buf[i] == ' ') {
		for (i++; i < len; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c == '\r' || c == '\n')
				break;
			if (c < 0x20 && c != '\t')
				return -1;
			if (c == 0x7f)
				return -1;
		}
		if (i == len)
			return 0;
	}
	if (buf[i] == '\r') {
		if (++i == len)
			return 0;
	}
	return buf[i] == '\n' ? code : -1;
}
