/*
 * text.c: cleaning text for strict readers (text.h).  Every string a
 * reply carries and every log line goes through here, so that a client
 * or a data file can put neither invalid UTF-8 nor control characters
 * (terminal escapes, fake log lines) in front of another reader.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

#define TEXT_ESC_MAX	7	/* "\u0085" and its NUL */

size_t
text_utf8_len(const unsigned char *s, size_t len)
{
	size_t		 n, k;
	unsigned	 cp, min;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2; cp = s[0] & 0x1F; min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3; cp = s[0] & 0x0F; min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4; cp = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/*
 * The next unit of s: *in bytes of it, shown as they are (returns 0) or
 * as the escape written to esc (returns its length).
 */
static size_t
text_unit(const unsigned char *s, size_t len, int flags,
    char esc[TEXT_ESC_MAX], size_t *in)
{
	size_t	n;

	if ((n = text_utf8_len(s, len)) == 0) {
		*in = 1;
		return (size_t)snprintf(esc, TEXT_ESC_MAX, "\\x%02x", s[0]);
	}
	*in = n;
	if (s[0] < 0x20 || s[0] == 0x7F)
		return (size_t)snprintf(esc, TEXT_ESC_MAX, "\\x%02x", s[0]);
	if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0)
		return (size_t)snprintf(esc, TEXT_ESC_MAX, "\\u%04x", s[1]);
	if ((flags & TEXT_QUOTED) && (s[0] == '\\' || s[0] == '"')) {
		esc[0] = '\\';
		esc[1] = (char)s[0];
		esc[2] = '\0';
		return 2;
	}
	return 0;
}

size_t
text_clean(char *dst, size_t size, const char *s, size_t len, int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	char		 esc[TEXT_ESC_MAX];
	size_t		 i = 0, o = 0, in, n;

	if (size == 0)
		return 0;
	while (i < len) {
		n = text_unit(u + i, len - i, flags, esc, &in);
		if ((n == 0 ? in : n) >= size - o)
			break;
		memcpy(dst + o, n == 0 ? s + i : esc, n == 0 ? in : n);
		o += n == 0 ? in : n;
		i += in;
	}
	dst[o] = '\0';
	return i;
}

int
text_is_clean(const char *s, size_t len, int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	char		 esc[TEXT_ESC_MAX];
	size_t		 i, in;

	for (i = 0; i < len; i += in)
		if (text_unit(u + i, len - i, flags, esc, &in) != 0)
			return 0;
	return 1;
}
