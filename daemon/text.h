/*
 * text.h: text that leaves the daemon (replies, log lines) made safe
 * for a strict reader: valid UTF-8 with no control characters, bytes
 * that are neither shown as escapes.  See docs/protocol.md, Errors.
 */
#ifndef HCPCSD_TEXT_H
#define HCPCSD_TEXT_H

#include <stddef.h>

/* text_clean flags. */
#define TEXT_QUOTED	0x01	/* also \ and " as \\ and \": for "..." */

/*
 * The length (1 to 4) of the UTF-8 character at s, which has len bytes
 * left: shortest form, no surrogate, at most U+10FFFF; 0 if none.
 */
size_t	text_utf8_len(const unsigned char *s, size_t len);

/*
 * s cleaned into dst (size bytes, always NUL-terminated): UTF-8
 * characters as they are, except U+0000-U+001F and U+007F as \xNN and
 * U+0080-U+009F as \u00NN; each byte that begins no valid character as
 * \xNN (lower-case hex).  Cut between characters or escapes, never
 * within one.  Returns how many bytes of s went in: len when all did.
 */
size_t	text_clean(char *dst, size_t size, const char *s, size_t len,
	    int flags);

/* 1 when text_clean would copy s as it is. */
int	text_is_clean(const char *s, size_t len, int flags);

#endif /* HCPCSD_TEXT_H */
